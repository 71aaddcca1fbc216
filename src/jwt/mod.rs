//! JWT signing for registry tokens: a ring of keys parsed once (one signs, all are published),
//! compact JWS, token issuing.

mod algorithm;
pub mod issuer;
pub mod jws;
mod keyfiles;
pub mod keyring;
pub mod keys;
pub mod manifest;
pub mod public;
pub mod reload;
pub mod rotation;
pub mod state;
mod store;

pub use keys::{Algorithm, KeyError, SigningKey};
