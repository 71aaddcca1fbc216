//! Deploy tokens: a secret is generated once, shown once, and only its SHA-256 digest is kept.

use super::repository_pattern::RepositoryPatterns;
use super::scope_set::{ScopeSet, ScopeWord, parse_word};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;
use std::str::FromStr;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time, UtcOffset};

/// Prefix of every deploy-token secret; secret scanners recognise it.
pub const DEPLOY_TOKEN_PREFIX: &str = "gldt-";
/// Random bytes behind a secret: 24 bytes give 32 URL-safe characters (192 bits).
const SECRET_BYTES: usize = 24;

/// Why a token attribute was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// `name` empty, blank, too long, or holding control characters.
    #[error("name must be 1 to 255 characters, not all blank, without control characters")]
    InvalidName,
    /// `username` does not match `^[A-Za-z0-9.+_-]+$` or is too long.
    #[error("username must match ^[A-Za-z0-9.+_-]+$ and be at most 255 characters")]
    InvalidUsername,
    /// A custom `username` with the prefix of default usernames.
    #[error(
        "usernames starting with gitlab+deploy-token- (in any case) are reserved for the default username of each token"
    )]
    ReservedUsername,
    /// A custom `username` that is a user's username, ignoring case (see
    /// [`crate::domain::user::login_key`]).
    #[error(
        "{0:?} is the username of a user (ignoring case); a deploy token's username must differ from every user's"
    )]
    UsernameOfUser(String),
    /// A scope word outside the five known ones.
    #[error(
        "unknown scope {0:?}: expected read_repository, read_registry, write_registry, read_package_registry or write_package_registry"
    )]
    UnknownScope(String),
    /// No scope given.
    #[error("at least one scope is required")]
    NoScope,
    /// `expires_at` neither a date nor an RFC 3339 timestamp.
    #[error("expires_at {0:?} is not a date (YYYY-MM-DD) or an RFC 3339 timestamp")]
    InvalidExpiry(String),
    /// `expires_at` not in the future.
    #[error("expires_at must be in the future")]
    ExpiryInPast,
}

/// A secret in clear: exists only between generation (or a login attempt) and hashing.
pub struct PlainToken(String);

impl PlainToken {
    /// A fresh secret with `prefix` and 192 random bits from the OS CSPRNG.
    pub fn generate(prefix: &str) -> PlainToken {
        let mut bytes = [0u8; SECRET_BYTES];
        SystemRandom::new()
            .fill(&mut bytes)
            .expect("the operating system's random generator failed");
        PlainToken(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Wrap a secret received from a client.
    pub fn from_client(secret: &str) -> PlainToken {
        PlainToken(secret.to_owned())
    }

    /// The secret text, for showing it once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The digest under which the secret is stored and looked up.
    pub fn digest(&self) -> TokenDigest {
        let d = digest(&SHA256, self.0.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        TokenDigest(out)
    }
}

impl fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainToken(<redacted>)")
    }
}

/// SHA-256 of a secret: what the database holds. Not printable either.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenDigest(pub [u8; 32]);

impl fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenDigest(<redacted>)")
    }
}

/// The five deploy-token scopes of the seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenScope {
    /// `git clone`.
    ReadRepository,
    /// Container registry pull.
    ReadRegistry,
    /// Container registry push.
    WriteRegistry,
    /// Package registry read.
    ReadPackageRegistry,
    /// Package registry write.
    WritePackageRegistry,
}

impl TokenScope {
    /// All scopes in canonical order.
    pub const ALL: [TokenScope; 5] = [
        TokenScope::ReadRepository,
        TokenScope::ReadRegistry,
        TokenScope::WriteRegistry,
        TokenScope::ReadPackageRegistry,
        TokenScope::WritePackageRegistry,
    ];

    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::ReadRepository => "read_repository",
            TokenScope::ReadRegistry => "read_registry",
            TokenScope::WriteRegistry => "write_registry",
            TokenScope::ReadPackageRegistry => "read_package_registry",
            TokenScope::WritePackageRegistry => "write_package_registry",
        }
    }
}

impl ScopeWord for TokenScope {
    const WORDS: &'static [Self] = &TokenScope::ALL;
    type Error = TokenError;

    fn as_str(self) -> &'static str {
        TokenScope::as_str(self)
    }

    fn unknown(word: &str) -> TokenError {
        TokenError::UnknownScope(word.to_owned())
    }

    fn none() -> TokenError {
        TokenError::NoScope
    }
}

impl FromStr for TokenScope {
    type Err = TokenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_word(s)
    }
}

/// The scopes of a deploy token: a non-empty set of [`TokenScope`]s.
pub type TokenScopes = ScopeSet<TokenScope>;

/// The prefix of every default username, `gitlab+deploy-token-{id}`: a custom username never
/// starts with it (in any case), so that such a name always means that very token.
const DEFAULT_USERNAME_PREFIX: &str = "gitlab+deploy-token-";

/// A validated token name (1..=255 characters, not all blank). Control characters are
/// refused: a name is printed in tables and logs, where they could forge lines or colours.
pub fn validate_name(name: &str) -> Result<(), TokenError> {
    let len = name.chars().count();
    if len == 0 || len > 255 || name.trim().is_empty() || name.chars().any(char::is_control) {
        return Err(TokenError::InvalidName);
    }
    Ok(())
}

/// A validated custom username: `^[A-Za-z0-9.+_-]+$`, at most 255 characters, not starting
/// with the default usernames' prefix in any case.
pub fn validate_username(username: &str) -> Result<(), TokenError> {
    let ok = !username.is_empty()
        && username.len() <= 255
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'_' | b'-'));
    if !ok {
        return Err(TokenError::InvalidUsername);
    }
    let prefix = username.get(..DEFAULT_USERNAME_PREFIX.len());
    if prefix.is_some_and(|p| p.eq_ignore_ascii_case(DEFAULT_USERNAME_PREFIX)) {
        return Err(TokenError::ReservedUsername);
    }
    Ok(())
}

/// The username given to a token created without one.
pub fn default_username(id: i64) -> String {
    format!("{DEFAULT_USERNAME_PREFIX}{id}")
}

/// Parse an expiry: `YYYY-MM-DD` means 00:00:00 UTC that day; otherwise RFC 3339.
/// The instant must be strictly after `now`.
pub fn parse_expiry(text: &str, now: OffsetDateTime) -> Result<OffsetDateTime, TokenError> {
    let invalid = || TokenError::InvalidExpiry(text.to_owned());
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    let at = match Date::parse(text, date_format) {
        Ok(date) => date.with_time(Time::MIDNIGHT).assume_utc(),
        // In UTC, as it is stored: an offset can push 9999-12-31 into a year that cannot be
        // read back, so such an instant is invalid input rather than a storage failure later.
        Err(_) => OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .and_then(|at| at.checked_to_offset(UtcOffset::UTC))
            .ok_or_else(invalid)?,
    };
    if at <= now {
        return Err(TokenError::ExpiryInPast);
    }
    Ok(at)
}

/// Whether an expiry has passed: expired means `now >= expires_at`, everywhere.
pub fn is_expired(expires_at: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    expires_at.is_some_and(|at| now >= at)
}

/// What holds a deploy token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder {
    /// A project token: covers that project's repositories.
    Project {
        /// Project id.
        id: i64,
        /// Project path.
        path: String,
    },
    /// A group token: covers every project of the group and its subgroups.
    Group {
        /// Group id.
        id: i64,
        /// Group path.
        path: String,
    },
}

impl Holder {
    /// The holder's full path.
    pub fn path(&self) -> &str {
        match self {
            Holder::Project { path, .. } | Holder::Group { path, .. } => path,
        }
    }
}

/// A stored deploy token (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployToken {
    /// Token id.
    pub id: i64,
    /// Human name.
    pub name: String,
    /// Basic-auth username.
    pub username: String,
    /// Project or group that holds it.
    pub holder: Holder,
    /// Granted scopes.
    pub scopes: TokenScopes,
    /// When it stops working, if ever.
    pub expires_at: Option<OffsetDateTime>,
    /// Whether it was revoked (the row is kept).
    pub revoked: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// The images it is restricted to on the registry and dependency proxies (`None`: every
    /// image its holder covers); see [`crate::domain::coverage`].
    pub repositories: Option<RepositoryPatterns>,
    /// When it was last used, to within the recording window (uses are recorded in
    /// batches, off the request path); `None`: never used, as far as recorded.
    pub last_used_at: Option<OffsetDateTime>,
}

impl DeployToken {
    /// Whether the token has expired at `now`.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        is_expired(self.expires_at, now)
    }

    /// Neither revoked nor expired at `now`.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        !self.revoked && !self.is_expired(now)
    }
}

/// Constant-time equality of two strings (the lengths may leak, the contents don't).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
