//! Web sessions: a random secret lives only in the browser's cookie and the server keeps its
//! SHA-256 digest; a session ends `idle` after its last use or `lifetime` after sign-in,
//! whichever comes first. The form token that guards state-changing requests (CSRF) is
//! derived from the secret, so it needs no storage and dies with the session.

use super::token::{PlainToken, TokenDigest, constant_time_eq};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};
use std::fmt;
use time::{Duration, OffsetDateTime};

/// Prefix of session secrets: no credential of another kind starts like this.
const SESSION_PREFIX: &str = "rgs-";
/// Domain separation between the stored digest and the form token.
const FORM_TOKEN_CONTEXT: &[u8] = b"regauth form token v1\0";

/// A session's secret, as the cookie carries it. Not printable.
pub struct SessionSecret(PlainToken);

impl fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionSecret(<redacted>)")
    }
}

impl SessionSecret {
    /// A fresh secret (192 random bits), for a sign-in.
    pub fn generate() -> SessionSecret {
        SessionSecret(PlainToken::generate(SESSION_PREFIX))
    }

    /// The secret a browser sent in its cookie.
    pub fn from_cookie(value: &str) -> SessionSecret {
        SessionSecret(PlainToken::from_client(value))
    }

    /// The cookie value.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// What the database keeps and looks the session up by.
    pub fn digest(&self) -> TokenDigest {
        self.0.digest()
    }

    /// The form token of this session: unguessable without the cookie, and the cookie cannot
    /// be recovered from it.
    pub fn form_token(&self) -> String {
        form_token(self.0.expose())
    }

    /// Whether `given` is this session's form token (constant time).
    pub fn form_token_matches(&self, given: &str) -> bool {
        constant_time_eq(&self.form_token(), given)
    }
}

/// The form token derived from any cookie secret (also the sign-in form's pre-session one).
pub fn form_token(secret: &str) -> String {
    let mut input = FORM_TOKEN_CONTEXT.to_vec();
    input.extend_from_slice(secret.as_bytes());
    URL_SAFE_NO_PAD.encode(digest(&SHA256, &input))
}

/// How long sessions last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused for this long has ended.
    pub idle: Duration,
    /// A session this old has ended, however busy.
    pub lifetime: Duration,
}

impl Default for SessionPolicy {
    /// Two hours idle, twelve hours at most: a working day, not a week.
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::hours(2),
            lifetime: Duration::hours(12),
        }
    }
}

/// How stale `last_seen_at` may get before a request records a new one: recording every
/// request would make each page view a database write.
pub const TOUCH_AFTER: Duration = Duration::minutes(1);

/// A stored session (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Row id.
    pub id: i64,
    /// The signed-in user.
    pub user_id: i64,
    /// Sign-in time.
    pub created_at: OffsetDateTime,
    /// Last recorded use.
    pub last_seen_at: OffsetDateTime,
}

impl Session {
    /// Whether the session is still alive at `now` under `policy`.
    pub fn is_live(&self, policy: &SessionPolicy, now: OffsetDateTime) -> bool {
        now < self.created_at + policy.lifetime && now < self.last_seen_at + policy.idle
    }

    /// Whether a request at `now` should record itself as the session's last use.
    pub fn needs_touch(&self, now: OffsetDateTime) -> bool {
        now - self.last_seen_at >= TOUCH_AFTER
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sessions_end_when_idle_or_old() {
        let policy = SessionPolicy {
            idle: Duration::minutes(30),
            lifetime: Duration::hours(8),
        };
        let start = datetime!(2026-11-25 09:00 UTC);
        let mut s = Session {
            id: 1,
            user_id: 1,
            created_at: start,
            last_seen_at: start,
        };
        assert!(s.is_live(&policy, start + Duration::minutes(29)));
        assert!(!s.is_live(&policy, start + Duration::minutes(30)), "idle");
        s.last_seen_at = start + Duration::hours(7) + Duration::minutes(50);
        assert!(s.is_live(&policy, start + Duration::hours(7) + Duration::minutes(59)));
        assert!(!s.is_live(&policy, start + Duration::hours(8)), "absolute");
        assert!(!s.needs_touch(s.last_seen_at + Duration::seconds(59)));
        assert!(s.needs_touch(s.last_seen_at + Duration::seconds(60)));
    }

    #[test]
    fn form_tokens_belong_to_one_secret() {
        let a = SessionSecret::generate();
        let b = SessionSecret::generate();
        assert!(a.expose().starts_with(SESSION_PREFIX));
        assert!(a.form_token_matches(&a.form_token()));
        assert!(!a.form_token_matches(&b.form_token()));
        assert!(!a.form_token_matches(""));
        assert_ne!(a.form_token(), a.expose());
        let same = SessionSecret::from_cookie(a.expose());
        assert_eq!(same.digest(), a.digest());
        assert_eq!(same.form_token(), a.form_token());
        assert_eq!(format!("{a:?}"), "SessionSecret(<redacted>)");
    }
}
