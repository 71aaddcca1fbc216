//! Failed sign-ins go through the server's one login throttle, per client and username.
//! Unlike a 192-bit token, a password can be guessed, so while a client and username are
//! throttled the password is not even checked (the right one is refused too): otherwise the
//! throttle would slow guessing down without stopping it.

use super::UiError;
use crate::domain::throttle::Verdict;
use crate::http::throttle::{Attempt, Surface, failed_login, log_failure, throttled_login};
use actix_web::HttpRequest;

/// Refuse the attempt (429) while this client and username are throttled; it still counts.
pub fn check(req: &HttpRequest, username: &str) -> Result<(), UiError> {
    match throttled_login(req, username) {
        Some(_) => failed(req, username, "throttled: password not checked"),
        None => Ok(()),
    }
}

/// Count a failed sign-in (logged once a window): a 429 once over the limit, else `Ok`
/// (the caller shows the form again with its one refusal).
pub fn failed(req: &HttpRequest, username: &str, reason: &str) -> Result<(), UiError> {
    let failure = failed_login(req, Surface::SignIn, username, None, reason);
    if failure.log {
        let attempt = Attempt {
            surface: Surface::SignIn,
            client: crate::http::client::client_addr(req),
            username,
            token_id: None,
            reason,
        };
        log_failure(&attempt, failure.verdict);
    }
    match failure.verdict {
        Verdict::Refused => Ok(()),
        throttled => Err(UiError::Throttled(
            throttled.retry_after_secs().unwrap_or(1),
        )),
    }
}
