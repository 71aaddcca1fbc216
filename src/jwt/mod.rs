//! JWT signing for registry tokens: keys parsed once, compact JWS, token issuing.

mod algorithm;
pub mod issuer;
pub mod jws;
mod keyfiles;
pub mod keys;
pub mod state;

pub use keys::{Algorithm, KeyError, SigningKey};
