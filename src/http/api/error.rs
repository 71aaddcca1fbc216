//! The one error type of `/api/v4`, in GitLab's shapes: `{"message":"401 Unauthorized"}`,
//! `{"message":"403 Forbidden"}`, `{"message":"404 Project Not Found"}`, `{"error":"name is
//! missing"}`, and the OAuth-style `insufficient_scope` body. Every failure of the API is
//! mapped here, once; a 5xx body is fixed text and the cause is logged once.

use crate::app::AppError;
use crate::app::access::AccessError;
use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, CACHE_CONTROL, RETRY_AFTER};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Value, json};

/// An error answer of the management API.
#[derive(Debug)]
pub struct GitLabError {
    /// HTTP status.
    pub status: StatusCode,
    /// JSON body.
    pub body: Value,
    /// The `Allow` header of a 405.
    pub allow: Option<&'static str>,
    /// Seconds for a `Retry-After` header (429 only).
    retry_after: Option<u64>,
    /// Whether the database failed (counted in the metrics).
    database: bool,
}

impl std::fmt::Display for GitLabError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.body)
    }
}

impl GitLabError {
    fn message(status: StatusCode, message: impl Into<String>) -> GitLabError {
        GitLabError {
            status,
            body: json!({ "message": message.into() }),
            allow: None,
            retry_after: None,
            database: false,
        }
    }

    /// 401 `{"message":"401 Unauthorized"}`.
    pub fn unauthorized() -> GitLabError {
        GitLabError::message(StatusCode::UNAUTHORIZED, "401 Unauthorized")
    }

    /// 403 `{"message":"403 Forbidden"}`.
    pub fn forbidden() -> GitLabError {
        GitLabError::message(StatusCode::FORBIDDEN, "403 Forbidden")
    }

    /// 429 `{"message":"429 Too Many Requests"}` with `Retry-After` (failed logins).
    pub fn too_many_requests(retry_after: u64) -> GitLabError {
        GitLabError {
            retry_after: Some(retry_after),
            ..GitLabError::message(StatusCode::TOO_MANY_REQUESTS, "429 Too Many Requests")
        }
    }

    /// 408 `{"message":"408 Request Timeout"}`.
    pub fn request_timeout() -> GitLabError {
        GitLabError::message(StatusCode::REQUEST_TIMEOUT, "408 Request Timeout")
    }

    /// 404 `{"message":"404 <what> Not Found"}`.
    pub fn not_found(what: &str) -> GitLabError {
        GitLabError::message(StatusCode::NOT_FOUND, format!("404 {what} Not Found"))
    }

    /// 400 `{"error":"<field> is missing"}`, as GitLab's parameter validation says it.
    pub fn missing(field: &str) -> GitLabError {
        GitLabError::bad_request(format!("{field} is missing"))
    }

    /// 400 `{"error":"<field> is invalid: <why>"}`.
    pub fn invalid(field: &str, why: impl std::fmt::Display) -> GitLabError {
        GitLabError::bad_request(format!("{field} is invalid: {why}"))
    }

    /// 400 `{"error":"<text>"}`.
    pub fn bad_request(text: impl Into<String>) -> GitLabError {
        GitLabError::with_status(StatusCode::BAD_REQUEST, text)
    }

    /// Another 4xx with `{"error":"<text>"}` (413, 415).
    pub fn with_status(status: StatusCode, text: impl Into<String>) -> GitLabError {
        GitLabError {
            status,
            body: json!({ "error": text.into() }),
            allow: None,
            retry_after: None,
            database: false,
        }
    }

    /// 405 `{"error":"405 Not Allowed"}` with the methods the path takes in `Allow`.
    pub fn not_allowed(allow: &'static str) -> GitLabError {
        GitLabError {
            allow: Some(allow),
            ..GitLabError::with_status(StatusCode::METHOD_NOT_ALLOWED, "405 Not Allowed")
        }
    }

    /// 403 for a token without the scope the request needs (GitLab's OAuth-style body).
    pub fn insufficient_scope(scopes: &str) -> GitLabError {
        GitLabError {
            status: StatusCode::FORBIDDEN,
            body: json!({
                "error": "insufficient_scope",
                "error_description": "The request requires higher privileges than provided by the access token.",
                "scope": scopes,
            }),
            allow: None,
            retry_after: None,
            database: false,
        }
    }

    /// 500; `cause` is logged, never sent.
    pub fn internal(cause: &dyn std::fmt::Display) -> GitLabError {
        tracing::error!(error = %cause, "internal error in the management API");
        GitLabError::message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error",
        )
    }
}

impl GitLabError {
    /// 500 for a database failure (counted in the metrics); `cause` is logged, never sent.
    pub fn database(cause: &crate::storage::StorageError) -> GitLabError {
        GitLabError {
            database: true,
            ..GitLabError::internal(cause)
        }
    }
}

impl ResponseError for GitLabError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.insert_header((CACHE_CONTROL, "no-store"));
        if let Some(allow) = self.allow {
            res.insert_header((ALLOW, allow));
        }
        if let Some(secs) = self.retry_after {
            res.insert_header((RETRY_AFTER, secs));
        }
        let mut res = res.json(&self.body);
        if self.database {
            res.extensions_mut()
                .insert(crate::http::error::DatabaseFailure);
        }
        res
    }
}

impl From<AccessError> for GitLabError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Unauthenticated => GitLabError::unauthorized(),
            AccessError::InsufficientScope(scopes) => GitLabError::insufficient_scope(scopes),
            AccessError::Forbidden => GitLabError::forbidden(),
            AccessError::NotFound(what) => GitLabError::not_found(what),
            AccessError::App(e) => GitLabError::from(e),
        }
    }
}

impl From<AppError> for GitLabError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid { field, message } => GitLabError::invalid(field, message),
            AppError::NotFound(m) => {
                GitLabError::message(StatusCode::NOT_FOUND, format!("404 {m}"))
            }
            AppError::Conflict(m) => GitLabError::message(StatusCode::BAD_REQUEST, m),
            AppError::Exists(m) => GitLabError::message(StatusCode::CONFLICT, m),
            AppError::Storage(e) => GitLabError::database(&e),
            AppError::Sealing(e) => GitLabError::internal(&e),
        }
    }
}

impl From<crate::storage::StorageError> for GitLabError {
    fn from(e: crate::storage::StorageError) -> Self {
        GitLabError::database(&e)
    }
}

impl From<actix_web::error::BlockingError> for GitLabError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        GitLabError::internal(&e)
    }
}
