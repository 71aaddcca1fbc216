//! What the key ring looks like from outside (for metrics and readiness): the kid that signs
//! and every key published for verification. Only public facts, never key material.

use super::Algorithm;
use super::issuer::Issuer;

/// One published key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedKey {
    /// Its libtrust kid.
    pub kid: String,
    /// Its algorithm.
    pub algorithm: Algorithm,
}

/// The ring's state: which key signs, which keys registries are given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RingState {
    /// The kid of the key that signs new tokens.
    pub active_kid: String,
    /// Every key in `certs.pem` and `jwks.json` (the active one included).
    pub published: Vec<PublishedKey>,
}

impl Issuer {
    /// The ring's state now: the key that signs and every key published for verification.
    pub fn ring_state(&self) -> RingState {
        let snapshot = self.ring().snapshot();
        let now = time::OffsetDateTime::now_utc();
        RingState {
            active_kid: snapshot.signer(now).kid().to_owned(),
            published: snapshot
                .published()
                .into_iter()
                .map(|key| PublishedKey {
                    kid: key.kid().to_owned(),
                    algorithm: key.algorithm(),
                })
                .collect(),
        }
    }
}
