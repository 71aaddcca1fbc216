//! The request deadline: from the moment a request's head has been read until its answer is
//! ready, body included, a request has `request_timeout`. actix-web's own
//! `client_request_timeout` covers the head only, so without this a client announcing a
//! `Content-Length` it never sends holds its connection (and a file descriptor) forever.
//! Past the deadline the answer is 408 in the surface's error shape, and the connection is
//! closed (the unread body makes actix close it; `Connection: close` says so).

use super::api::error::GitLabError;
use super::error::ApiError;
use super::forward_auth::REASON_HEADER;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use std::time::Duration;

/// Run the rest of the chain under `limit`; answer 408 and close when it runs out.
pub async fn deadline(
    limit: Duration,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // The request itself moves into the chain (the router needs it unshared), so the 408 is
    // an error built from the path, which actix turns into the answer.
    let path = req.path().to_owned();
    match actix_web::rt::time::timeout(limit, next.call(req)).await {
        Ok(outcome) => outcome.map(ServiceResponse::map_into_boxed_body),
        Err(_) => {
            tracing::debug!(path = %path, "request timed out");
            Err(TimedOut { path, limit }.into())
        }
    }
}

/// A request that ran out of time.
#[derive(Debug, thiserror::Error)]
#[error("request to {path} timed out")]
struct TimedOut {
    path: String,
    limit: Duration,
}

impl ResponseError for TimedOut {
    fn status_code(&self) -> StatusCode {
        StatusCode::REQUEST_TIMEOUT
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = timed_out(&self.path, self.limit);
        res.head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
        res
    }
}

/// The 408 answer in the error shape of the surface `path` belongs to.
fn timed_out(path: &str, limit: Duration) -> HttpResponse {
    let message = format!(
        "the request was not received within {} s",
        limit.as_secs_f64()
    );
    if path == "/api/v4" || path.starts_with("/api/v4/") {
        GitLabError::request_timeout().error_response()
    } else if path == "/auth/forward" {
        HttpResponse::build(StatusCode::REQUEST_TIMEOUT)
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((REASON_HEADER, message.as_str()))
            .content_type("text/plain; charset=utf-8")
            .body(format!("{message}\n"))
    } else {
        ApiError::new(StatusCode::REQUEST_TIMEOUT, "INVALID_REQUEST", message).error_response()
    }
}
