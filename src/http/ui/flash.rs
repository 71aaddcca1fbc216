//! A new secret survives one redirect, so that reloading the page that shows it can neither
//! show it again nor create a second token: the create form posts, the answer seals the
//! secret into a short-lived cookie (AES-256-GCM under the server's sealing key, bound to
//! the session and the page) and redirects; the page opens it once and removes it.

use super::UiError;
use super::session::{cookie, removal};
use crate::app::App;
use crate::app::sealing::Sealed;
use crate::domain::session::SessionSecret;
use actix_web::HttpRequest;
use actix_web::cookie::Cookie;
use actix_web::cookie::time::Duration;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// The cookie holding a sealed new secret.
pub const FLASH_COOKIE: &str = "regauth_new_token";
/// Nonce bytes in front of the ciphertext.
const NONCE_LEN: usize = 12;

/// A secret to show once.
#[derive(Serialize, Deserialize)]
pub struct NewSecret {
    /// Token name.
    pub name: String,
    /// Username (deploy tokens; empty for personal access tokens).
    pub username: String,
    /// The secret.
    pub token: String,
}

fn aad(secret: &SessionSecret, page: &str) -> Vec<u8> {
    let mut aad = secret.digest().0.to_vec();
    aad.extend_from_slice(page.as_bytes());
    aad
}

/// The cookie carrying `new` to `page` of this session (two minutes at most).
pub fn seal(
    req: &HttpRequest,
    app: &App,
    secret: &SessionSecret,
    page: &str,
    new: &NewSecret,
) -> Result<Cookie<'static>, UiError> {
    let plain = serde_json::to_vec(new).map_err(|e| UiError::internal(&e))?;
    let sealed = app
        .sealing_key()
        .and_then(|key| key.seal(&plain, &aad(secret, page)))
        .map_err(|e| UiError::internal(&e))?;
    let mut value = sealed.nonce;
    value.extend_from_slice(&sealed.ciphertext);
    let mut c = cookie(req, FLASH_COOKIE, URL_SAFE_NO_PAD.encode(value));
    c.set_max_age(Duration::minutes(2));
    c.set_same_site(actix_web::cookie::SameSite::Strict);
    Ok(c)
}

/// The secret sealed for `page` of this session, if the browser sent one, and the cookie
/// that removes it. Anything that does not open (another session, another page, an old
/// key) is simply not shown.
pub fn take(
    req: &HttpRequest,
    app: &App,
    secret: &SessionSecret,
    page: &str,
) -> Option<(NewSecret, Cookie<'static>)> {
    let value = req.cookie(FLASH_COOKIE)?;
    let bytes = URL_SAFE_NO_PAD.decode(value.value()).ok()?;
    if bytes.len() <= NONCE_LEN {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
    let sealed = Sealed {
        nonce: nonce.to_vec(),
        ciphertext: ciphertext.to_vec(),
    };
    let plain = app
        .sealing_key()
        .ok()?
        .open(&sealed, &aad(secret, page))
        .ok()?;
    let new = serde_json::from_slice(&plain).ok()?;
    Some((new, removal(req, FLASH_COOKIE)))
}

/// Whether the browser sent a flash cookie (to remove it even when it does not open).
pub fn present(req: &HttpRequest) -> bool {
    req.cookie(FLASH_COOKIE).is_some()
}
