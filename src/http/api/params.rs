//! Request parameters of `/api/v4`, wherever GitLab accepts them: the query string, a JSON
//! object body (python-gitlab) or a form body (curl `--data`), merged with the body winning.
//! Form keys written `scopes[]` and repeated keys become arrays. Every bad value is a 400
//! that names its field.

use super::error::GitLabError;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use serde_json::{Map, Value};

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Named parameters; absent and `null` mean the same. No `Debug`: a GitLab client may put
/// `private_token` in the query string, and a printed `Params` would show it.
#[derive(Default)]
pub struct Params(Map<String, Value>);

impl Params {
    /// The query string's parameters.
    pub fn query(req: &HttpRequest) -> Result<Params, GitLabError> {
        let mut params = Params::default();
        params.add_form(req.query_string())?;
        Ok(params)
    }

    /// Query string and body together.
    pub async fn with_body(
        req: &HttpRequest,
        payload: web::Payload,
    ) -> Result<Params, GitLabError> {
        let mut params = Params::query(req)?;
        let body = read_body(payload).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(params);
        }
        let text = std::str::from_utf8(&body)
            .map_err(|_| GitLabError::bad_request("the request body is not UTF-8"))?;
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let json_body = content_type.starts_with("application/json")
            || (content_type.is_empty() && text.trim_start().starts_with('{'));
        if json_body {
            params.add_json(text)?;
        } else if content_type.is_empty()
            || content_type.starts_with("application/x-www-form-urlencoded")
        {
            params.add_form(text)?;
        } else {
            return Err(GitLabError::with_status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the parameters as application/json or application/x-www-form-urlencoded",
            ));
        }
        Ok(params)
    }

    fn add_json(&mut self, text: &str) -> Result<(), GitLabError> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            GitLabError::bad_request(format!("the request body is not valid JSON: {e}"))
        })?;
        let Value::Object(object) = value else {
            return Err(GitLabError::bad_request(
                "the request body must be a JSON object",
            ));
        };
        self.0.extend(object);
        Ok(())
    }

    fn add_form(&mut self, text: &str) -> Result<(), GitLabError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text)
            .map_err(|_| GitLabError::bad_request("malformed form or query string"))?;
        // Keys seen in this source: a second value turns the first into an array, while a
        // key of the body replaces the same key of the query string.
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in pairs {
            let (key, bracketed) = match key.strip_suffix("[]") {
                Some(base) => (base.to_owned(), true),
                None => (key, false),
            };
            let value = Value::String(value);
            if seen.contains(&key) {
                match self.0.get_mut(&key) {
                    Some(Value::Array(items)) => items.push(value),
                    Some(existing) => *existing = Value::Array(vec![existing.take(), value]),
                    None => {
                        self.0.insert(key, value);
                    }
                }
            } else {
                let value = if bracketed {
                    Value::Array(vec![value])
                } else {
                    value
                };
                self.0.insert(key.clone(), value);
                seen.push(key);
            }
        }
        Ok(())
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    /// A text parameter, if given.
    pub fn text(&self, key: &str) -> Result<Option<&str>, GitLabError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(GitLabError::invalid(key, "expected a string")),
        }
    }

    /// A text parameter that must be given.
    pub fn required_text(&self, key: &str) -> Result<&str, GitLabError> {
        self.text(key)?.ok_or_else(|| GitLabError::missing(key))
    }

    /// A numeric id or a path (GitLab's `:id`), as text.
    pub fn id_or_path(&self, key: &str) -> Result<Option<String>, GitLabError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64().map(|n| n.to_string())),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(GitLabError::invalid(key, "expected an id or a full path")),
        }
    }

    /// A boolean: JSON `true`/`false`, or the words GitLab accepts in any case (`true`,
    /// `True` as python-gitlab sends it, `1`, `yes`, `on`, `t`, `y`, and their opposites).
    pub fn boolean(&self, key: &str) -> Result<Option<bool>, GitLabError> {
        let invalid = || GitLabError::invalid(key, "expected true or false");
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "true" | "t" | "1" | "yes" | "y" | "on" => Ok(Some(true)),
                "false" | "f" | "0" | "no" | "n" | "off" => Ok(Some(false)),
                _ => Err(invalid()),
            },
            Some(_) => Err(invalid()),
        }
    }

    /// A positive integer (`page`, `per_page`).
    pub fn positive(&self, key: &str) -> Result<Option<usize>, GitLabError> {
        let invalid = || GitLabError::invalid(key, "expected a positive integer");
        let n = match self.get(key) {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_u64().ok_or_else(invalid)?,
            Some(Value::String(s)) => s.parse::<u64>().map_err(|_| invalid())?,
            Some(_) => return Err(invalid()),
        };
        match usize::try_from(n) {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(invalid()),
        }
    }

    /// A list of words: a JSON array of strings, repeated or `key[]` form keys, or one
    /// comma-separated string.
    pub fn list(&self, key: &str) -> Result<Option<Vec<String>>, GitLabError> {
        let invalid = || GitLabError::invalid(key, "expected an array of strings");
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.split(',').map(str::to_owned).collect())),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or_else(invalid))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(invalid()),
        }
    }
}

/// The whole body, refusing more than [`MAX_BODY_BYTES`].
async fn read_body(mut payload: web::Payload) -> Result<web::BytesMut, GitLabError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| GitLabError::bad_request("could not read the request body"))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(GitLabError::with_status(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(text: &str) -> Params {
        let mut p = Params::default();
        p.add_form(text).unwrap();
        p
    }

    #[test]
    fn form_arrays_in_every_spelling() {
        let want = Some(vec![
            "read_registry".to_owned(),
            "write_registry".to_owned(),
        ]);
        for text in [
            "scopes[]=read_registry&scopes[]=write_registry",
            "scopes=read_registry&scopes=write_registry",
            "scopes=read_registry,write_registry",
        ] {
            assert_eq!(form(text).list("scopes").unwrap(), want, "{text}");
        }
        assert_eq!(
            form("scopes[]=read_registry").list("scopes").unwrap(),
            Some(vec!["read_registry".to_owned()])
        );
    }

    #[test]
    fn json_values_are_typed_and_null_is_absent() {
        let mut p = Params::default();
        p.add_json(r#"{"name":"x","parent_id":3,"active":true,"expires_at":null,"n":1}"#)
            .unwrap();
        assert_eq!(p.required_text("name").unwrap(), "x");
        assert_eq!(p.id_or_path("parent_id").unwrap().as_deref(), Some("3"));
        assert_eq!(p.boolean("active").unwrap(), Some(true));
        assert_eq!(p.text("expires_at").unwrap(), None);
        assert_eq!(
            p.required_text("n").unwrap_err().body["error"],
            "n is invalid: expected a string"
        );
        assert_eq!(
            p.required_text("path").unwrap_err().body["error"],
            "path is missing"
        );
        assert!(p.add_json("[1]").is_err());
        assert!(p.add_json("{").is_err());
    }

    #[test]
    fn numbers_and_booleans_from_text() {
        let p = form("page=2&per_page=0&a=True&b=0&c=maybe");
        assert_eq!(p.positive("page").unwrap(), Some(2));
        assert!(p.positive("per_page").is_err());
        assert_eq!(
            p.boolean("a").unwrap(),
            Some(true),
            "python-gitlab's spelling"
        );
        assert_eq!(p.boolean("b").unwrap(), Some(false));
        assert!(p.boolean("c").is_err());
    }
}
