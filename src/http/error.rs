//! The one HTTP error type. Token-endpoint errors use the registry's JSON envelope
//! `{"errors":[{"code","message"}]}`; a 5xx body is fixed text and the cause is logged once.

use crate::app::AppError;
use crate::app::registry_auth::AuthError;
use crate::storage::StorageError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, WWW_AUTHENTICATE};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// An HTTP error answer.
#[derive(Debug, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Registry error code (`UNAUTHORIZED`, `DENIED`, …).
    pub code: &'static str,
    /// Human message.
    pub message: String,
    /// Whether the database failed (counted in the metrics).
    database: bool,
}

/// Marks an answer that failed because the database did, for the metrics middleware.
#[derive(Clone, Copy, Debug)]
pub struct DatabaseFailure;

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            database: false,
        }
    }

    /// 400 with code `INVALID_REQUEST`.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", message)
    }

    /// 404 with code `NOT_FOUND`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    /// 500; `cause` is logged, never sent.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "internal server error",
        )
    }
}

impl ApiError {
    /// 500 for a database failure; `cause` is logged, never sent.
    pub fn database(cause: &StorageError) -> ApiError {
        ApiError {
            database: true,
            ..ApiError::internal(cause)
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.insert_header((CACHE_CONTROL, "no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((WWW_AUTHENTICATE, super::forward_auth::CHALLENGE));
        }
        let mut res = res.json(json!({"errors": [{"code": self.code, "message": self.message}]}));
        if self.database {
            res.extensions_mut().insert(DatabaseFailure);
        }
        res
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::UnknownService(s) if s.is_empty() => ApiError::new(
                StatusCode::NOT_FOUND,
                "SERVICE_UNKNOWN",
                "the service parameter is required",
            ),
            AuthError::UnknownService(s) => ApiError::new(
                StatusCode::NOT_FOUND,
                "SERVICE_UNKNOWN",
                format!("unknown service {s:?}"),
            ),
            AuthError::InvalidScope(e) => {
                ApiError::new(StatusCode::BAD_REQUEST, "INVALID_SCOPE", e.to_string())
            }
            AuthError::Unauthorized(m) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", m)
            }
            AuthError::Denied(m) => ApiError::new(StatusCode::FORBIDDEN, "DENIED", m),
            AuthError::Storage(e) => ApiError::database(&e),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid { .. } => ApiError::bad_request(e.to_string()),
            AppError::NotFound(m) => ApiError::not_found(m),
            AppError::Conflict(m) | AppError::Exists(m) => {
                ApiError::new(StatusCode::CONFLICT, "CONFLICT", m)
            }
            AppError::Storage(e) => ApiError::database(&e),
            AppError::Sealing(e) => ApiError::internal(&e),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal(&e)
    }
}
