//! Users and their personal access tokens: a token acts for its user, within its scopes,
//! until it is revoked or expires.

use super::namespace::ProjectFacts;
use super::role::{AccessLevel, Memberships};
use super::scope_set::{ScopeSet, ScopeWord, parse_word};
use super::token::is_expired;
use std::str::FromStr;
use time::OffsetDateTime;

/// Prefix of every personal-access-token secret; secret scanners recognise it.
pub const PERSONAL_TOKEN_PREFIX: &str = "glpat-";

/// Why a user attribute was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// A username outside the allowed grammar.
    #[error(
        "username must be 1 to 255 characters of letters, digits, '_', '-' and '.', start with a letter, digit or '_' and not end with '.'"
    )]
    InvalidUsername,
    /// A scope word outside the four known ones.
    #[error("unknown scope {0:?}: expected api, read_api, read_registry or write_registry")]
    UnknownScope(String),
    /// No scope given.
    #[error("at least one scope is required")]
    NoScope,
    /// The username of a deploy token, ignoring case (see [`login_key`]).
    #[error(
        "{0:?} is the username of a deploy token (ignoring case); a user's username must differ from every deploy token's"
    )]
    UsernameOfDeployToken(String),
}

/// What a personal access token may be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PatScope {
    /// The whole management API, read and write; also the registry.
    Api,
    /// The management API, read only.
    ReadApi,
    /// Container registry pull.
    ReadRegistry,
    /// Container registry push (and pull).
    WriteRegistry,
}

impl PatScope {
    /// All scopes in canonical order.
    pub const ALL: [PatScope; 4] = [
        PatScope::Api,
        PatScope::ReadApi,
        PatScope::ReadRegistry,
        PatScope::WriteRegistry,
    ];

    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PatScope::Api => "api",
            PatScope::ReadApi => "read_api",
            PatScope::ReadRegistry => "read_registry",
            PatScope::WriteRegistry => "write_registry",
        }
    }
}

impl ScopeWord for PatScope {
    const WORDS: &'static [Self] = &PatScope::ALL;
    type Error = UserError;

    fn as_str(self) -> &'static str {
        PatScope::as_str(self)
    }

    fn unknown(word: &str) -> UserError {
        UserError::UnknownScope(word.to_owned())
    }

    fn none() -> UserError {
        UserError::NoScope
    }
}

impl FromStr for PatScope {
    type Err = UserError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_word(s)
    }
}

/// The scopes of a personal access token: a non-empty set of [`PatScope`]s.
pub type PatScopes = ScopeSet<PatScope>;

impl ScopeSet<PatScope> {
    /// Reading the management API: `read_api` or `api`.
    pub fn reads_api(&self) -> bool {
        self.has(PatScope::Api) || self.has(PatScope::ReadApi)
    }

    /// Writing through the management API: `api`.
    pub fn writes_api(&self) -> bool {
        self.has(PatScope::Api)
    }

    /// Using the registry at all (pulling): `read_registry`, `write_registry` or `api`.
    pub fn reads_registry(&self) -> bool {
        self.has(PatScope::ReadRegistry) || self.writes_registry()
    }

    /// Pushing and deleting in the registry: `write_registry` or `api`.
    pub fn writes_registry(&self) -> bool {
        self.has(PatScope::WriteRegistry) || self.has(PatScope::Api)
    }
}

/// A validated username: 1..=255 of `[A-Za-z0-9_.-]`, starting with a letter, digit or `_`,
/// not ending with `.`. No `+`, so it never looks like a deploy-token username.
pub fn validate_username(username: &str) -> Result<(), UserError> {
    let bytes = username.as_bytes();
    let allowed = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    let ok = !bytes.is_empty()
        && bytes.len() <= 255
        && bytes.iter().all(allowed)
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes[bytes.len() - 1] != b'.';
    if ok {
        Ok(())
    } else {
        Err(UserError::InvalidUsername)
    }
}

/// What deploy-token usernames and users' usernames must differ in: the name in ASCII
/// lowercase (both grammars are ASCII only), so `root`, `Root` and `ROOT` are one login name.
/// A name in a log line, a JWT `sub` or a Basic login then never leaves open whether a user
/// or a deploy token is meant. (Deploy tokens may share a username among themselves, as in
/// GitLab: their secret tells them apart.)
pub fn login_key(username: &str) -> String {
    username.to_ascii_lowercase()
}

/// A stored user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// User id.
    pub id: i64,
    /// Unique login name.
    pub username: String,
    /// Instance administrator: every role everywhere, plus the registry catalog.
    pub is_admin: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Blocked by an administrator: cannot sign in, and their tokens do not work.
    pub blocked: bool,
}

/// A stored personal access token (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonalAccessToken {
    /// Token id.
    pub id: i64,
    /// The user it acts for.
    pub user_id: i64,
    /// Human name.
    pub name: String,
    /// Granted scopes.
    pub scopes: PatScopes,
    /// When it stops working, if ever.
    pub expires_at: Option<OffsetDateTime>,
    /// Whether it was revoked (the row is kept).
    pub revoked: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// When it was last used, to within the recording window (uses are recorded in
    /// batches, off the request path); `None`: never used, as far as recorded.
    pub last_used_at: Option<OffsetDateTime>,
}

impl PersonalAccessToken {
    /// Whether the token has expired at `now` (same rule as deploy tokens).
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        is_expired(self.expires_at, now)
    }

    /// Neither revoked nor expired at `now`.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        !self.revoked && !self.is_expired(now)
    }
}

/// An authenticated user as authorization sees it: who, with which token, in which roles.
#[derive(Clone, Debug)]
pub struct UserCredential {
    /// The user.
    pub user: User,
    /// The personal access token presented (active or not: authorization checks).
    pub token: PersonalAccessToken,
    /// The user's memberships.
    pub memberships: Memberships,
}

impl UserCredential {
    /// The effective role on `project`; administrators are owners everywhere.
    pub fn role_on_project(&self, project: &ProjectFacts) -> Option<AccessLevel> {
        if self.user.is_admin {
            return Some(AccessLevel::Owner);
        }
        self.memberships.role_on_project(project)
    }
}

#[cfg(test)]
#[path = "user_tests.rs"]
mod tests;
