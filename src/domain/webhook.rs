//! Webhooks: which events a receiver wants, when a token's expiry becomes a notice, how a
//! body is signed, and how long to wait before trying a failed delivery again. The secret a
//! body is signed with never appears in a body, a log line or the database.

use std::fmt;
use std::str::FromStr;
use time::{Duration, OffsetDateTime};

/// An event a webhook can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WebhookEvent {
    /// A deploy token expires in 7 days, or in 1 day.
    DeployTokenExpiring,
    /// A deploy token expired.
    DeployTokenExpired,
    /// A deploy token was revoked.
    DeployTokenRevoked,
    /// A personal access token expires in 7 days, or in 1 day.
    PersonalTokenExpiring,
    /// A personal access token expired.
    PersonalTokenExpired,
}

impl WebhookEvent {
    /// Every event, in the order the documentation lists them.
    pub const ALL: [WebhookEvent; 5] = [
        WebhookEvent::DeployTokenExpiring,
        WebhookEvent::DeployTokenExpired,
        WebhookEvent::DeployTokenRevoked,
        WebhookEvent::PersonalTokenExpiring,
        WebhookEvent::PersonalTokenExpired,
    ];

    /// The name sent in the body and `X-Regauth-Event`.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::DeployTokenExpiring => "deploy_token.expiring",
            WebhookEvent::DeployTokenExpired => "deploy_token.expired",
            WebhookEvent::DeployTokenRevoked => "deploy_token.revoked",
            WebhookEvent::PersonalTokenExpiring => "personal_access_token.expiring",
            WebhookEvent::PersonalTokenExpired => "personal_access_token.expired",
        }
    }
}

impl fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WebhookEvent {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WebhookEvent::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = WebhookEvent::ALL.iter().map(|e| e.as_str()).collect();
                format!("unknown event {s:?} (known: {})", known.join(", "))
            })
    }
}

/// The key a body is signed with. Shown as `[hidden]`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// A secret from the configuration; it must not be empty.
    pub fn parse(text: &str) -> Result<WebhookSecret, String> {
        if text.is_empty() {
            return Err("the secret must not be empty".into());
        }
        Ok(WebhookSecret(text.to_owned()))
    }

    /// `X-Regauth-Signature` of `body`: `sha256=` and the lowercase hex HMAC-SHA256 of the
    /// exact bytes sent, keyed with the secret's UTF-8 bytes.
    pub fn sign(&self, body: &[u8]) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, self.0.as_bytes());
        let tag = ring::hmac::sign(&key, body);
        format!("sha256={}", data_encoding::HEXLOWER.encode(tag.as_ref()))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[hidden]")
    }
}

/// One `[[webhook]]`: where to send, the signing secret, and the events it wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    /// An `http://` or `https://` URL.
    pub url: String,
    /// The signing secret.
    pub secret: WebhookSecret,
    /// The events it wants (all of them when the configuration lists none).
    pub events: Vec<WebhookEvent>,
}

impl Webhook {
    /// Whether it wants `event`.
    pub fn wants(&self, event: WebhookEvent) -> bool {
        self.events.contains(&event)
    }
}

/// How far from its expiry a token is, as a notice tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryStage {
    /// At most 7 days (more than 1) left.
    SevenDays,
    /// At most 1 day left.
    OneDay,
    /// Expired.
    Expired,
}

impl ExpiryStage {
    /// The notice a token expiring at `expires_at` is due at `now`: only the most urgent
    /// one, so a scan that first runs 12 hours before expiry sends the 1-day notice alone.
    /// Tokens further than 7 days away, and tokens expired more than [`EXPIRED_WINDOW`] ago,
    /// get none.
    pub fn at(expires_at: OffsetDateTime, now: OffsetDateTime) -> Option<ExpiryStage> {
        let left = expires_at - now;
        if left <= Duration::ZERO {
            (-left <= EXPIRED_WINDOW).then_some(ExpiryStage::Expired)
        } else if left <= Duration::days(1) {
            Some(ExpiryStage::OneDay)
        } else if left <= Duration::days(7) {
            Some(ExpiryStage::SevenDays)
        } else {
            None
        }
    }

    /// Its part of a notice key (`7d`, `1d`, `expired`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiryStage::SevenDays => "7d",
            ExpiryStage::OneDay => "1d",
            ExpiryStage::Expired => "expired",
        }
    }
}

/// How long after expiry a token still gets its `expired` notice: a server started after a
/// long pause, or a webhook added to an old instance, does not announce every token that
/// ever expired.
pub const EXPIRED_WINDOW: Duration = Duration::days(7);

/// How the scan looks ahead: the earliest notice comes 7 days before expiry.
pub const LOOKAHEAD: Duration = Duration::days(7);

/// Attempts made before a delivery is given up.
pub const MAX_ATTEMPTS: u32 = 10;

/// How long to wait after `attempts` failed attempts: 30 s doubling, at most an hour.
pub fn backoff(attempts: u32) -> Duration {
    let secs = 30_i64.saturating_mul(1_i64 << attempts.saturating_sub(1).min(20));
    Duration::seconds(secs.min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn stages_follow_the_time_left() {
        let expiry = datetime!(2026-12-10 12:00 UTC);
        let at = |d: Duration| ExpiryStage::at(expiry, expiry - d);
        assert_eq!(at(Duration::days(8)), None);
        assert_eq!(at(Duration::days(7) + Duration::seconds(1)), None);
        assert_eq!(at(Duration::days(7)), Some(ExpiryStage::SevenDays));
        assert_eq!(at(Duration::days(2)), Some(ExpiryStage::SevenDays));
        assert_eq!(at(Duration::days(1)), Some(ExpiryStage::OneDay));
        assert_eq!(at(Duration::hours(12)), Some(ExpiryStage::OneDay));
        assert_eq!(at(Duration::ZERO), Some(ExpiryStage::Expired));
        assert_eq!(at(-Duration::days(7)), Some(ExpiryStage::Expired));
        assert_eq!(at(-Duration::days(8)), None);
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let secs: Vec<i64> = (1..=9).map(|n| backoff(n).whole_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(60).whole_seconds(), 3600);
    }

    #[test]
    fn signature_is_hmac_sha256_in_hex() {
        // RFC 4231, test case 2.
        let secret = WebhookSecret::parse("Jefe").unwrap();
        assert_eq!(
            secret.sign(b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(format!("{secret:?}"), "[hidden]");
        assert!(WebhookSecret::parse("").is_err());
    }

    #[test]
    fn event_names_round_trip() {
        for e in WebhookEvent::ALL {
            assert_eq!(e.as_str().parse::<WebhookEvent>(), Ok(e));
        }
        assert!("deploy_token.created".parse::<WebhookEvent>().is_err());
    }
}
