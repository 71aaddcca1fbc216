//! The registry-token issuer: signs only an authorized [`Granted`], with claims shaped for the
//! distribution registry (string `aud`, integer times, `access` entries).

use super::jws;
use super::keyring::KeyRing;
use super::keys::SigningKey;
use crate::domain::authz::{Access, AuthType, Granted};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;
use time::OffsetDateTime;

/// How far `nbf` sits before `iat`, so that a registry whose clock lags a little accepts it.
const NOT_BEFORE_SKEW: i64 = 5;

/// Claims of a registry token.
#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    nbf: i64,
    iat: i64,
    jti: &'a str,
    access: &'a [Access],
    auth_type: AuthType,
}

/// A signed token and its timing.
pub struct IssuedToken {
    /// The compact JWS.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// Its `jti`, for the access log.
    pub jti: String,
}

/// Signs registry tokens with the active key of a ring; keys are parsed when loaded, never per
/// token.
#[derive(Clone)]
pub struct Issuer {
    ring: KeyRing,
    issuer: String,
    lifetime: u64,
    x5c: bool,
}

impl Issuer {
    /// An issuer signing with `key` alone, for `iss = issuer`, tokens living `lifetime`
    /// seconds, with or without `x5c`.
    pub fn new(key: SigningKey, issuer: String, lifetime: u64, x5c: bool) -> Issuer {
        Issuer::with_ring(KeyRing::fixed(key), issuer, lifetime, x5c)
    }

    /// An issuer signing with whichever key of `ring` is active when a token is issued.
    pub fn with_ring(ring: KeyRing, issuer: String, lifetime: u64, x5c: bool) -> Issuer {
        Issuer {
            ring,
            issuer,
            lifetime,
            x5c,
        }
    }

    /// The key ring (for publishing its certificates and JWKS).
    pub fn ring(&self) -> &KeyRing {
        &self.ring
    }

    /// Sign `granted` for the registry service `audience`. The token lives the configured
    /// lifetime, but never past the expiry of the credential it was granted to: a revoked
    /// credential can be refused at once, an expired one must not keep working through
    /// tokens issued just before its end.
    pub fn issue(&self, granted: &Granted, audience: &str, now: OffsetDateTime) -> IssuedToken {
        let iat = now.unix_timestamp();
        let full = iat.saturating_add_unsigned(self.lifetime);
        let exp = granted
            .expires_at()
            .map_or(full, |at| full.min(at.unix_timestamp()));
        let jti = random_id();
        let claims = Claims {
            iss: &self.issuer,
            sub: granted.subject(),
            aud: audience,
            exp,
            nbf: iat - NOT_BEFORE_SKEW,
            iat,
            jti: &jti,
            access: granted.access(),
            auth_type: granted.auth_type(),
        };
        IssuedToken {
            token: jws::encode(self.ring.snapshot().signer(now), &claims, self.x5c),
            // An active credential expires after `now`, at a whole second (storage keeps
            // seconds), so this is at least 1.
            expires_in: u64::try_from(exp - iat).unwrap_or(0),
            issued_at: now.replace_nanosecond(0).unwrap_or(now),
            jti,
        }
    }
}

/// 128 random bits, URL-safe: a unique `jti`.
fn random_id() -> String {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's random generator failed");
    URL_SAFE_NO_PAD.encode(bytes)
}
