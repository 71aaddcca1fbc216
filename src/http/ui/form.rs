//! Form bodies: `application/x-www-form-urlencoded`, repeated keys kept (checkboxes), a
//! small size limit. Typed extractors cannot collect repeated keys.

use super::UiError;
use actix_web::web::Bytes;

/// Largest form body accepted.
const MAX_FORM_BYTES: usize = 16 * 1024;

/// Decoded `key=value` pairs in order.
pub struct Form(Vec<(String, String)>);

impl Form {
    /// Decode a body; anything unreadable is a 400 and nothing is done.
    pub fn parse(body: &Bytes) -> Result<Form, UiError> {
        if body.len() > MAX_FORM_BYTES {
            return Err(UiError::BadRequest("the form is too large".into()));
        }
        serde_urlencoded::from_bytes(body)
            .map(Form)
            .map_err(|_| UiError::BadRequest("the form could not be read".into()))
    }

    /// The first value of `key`.
    pub fn first(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `key`, or empty.
    pub fn text(&self, key: &str) -> String {
        self.first(key).unwrap_or_default().to_owned()
    }

    /// The first value of `key`, `None` when missing or blank (optional fields).
    pub fn optional(&self, key: &str) -> Option<&str> {
        self.first(key).filter(|v| !v.trim().is_empty())
    }

    /// Every value of `key`.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
}
