//! `/auth/forward` (any method): the check behind nginx `auth_request`, Traefik `ForwardAuth`
//! and Caddy `forward_auth`. 200 lets the request through, 401 asks for Basic credentials,
//! 403 refuses; 401 and 403 carry the reason as plain text and in `X-Regauth-Reason`, since
//! Traefik and Caddy pass the body on while nginx only sees headers.

use super::error::ApiError;
use super::registry_auth::basic_credentials;
use super::throttle::{Surface, failed_login, retry_after};
use crate::app::forward_auth::{ForwardAuth, ForwardError, ForwardRequest};
use crate::app::registry_auth::Credentials;
use crate::domain::authz::BAD_CREDENTIALS;
use crate::domain::throttle::Verdict;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, HttpResponse, web};

/// The Basic challenge sent with every 401 (here and by [`ApiError`]).
pub const CHALLENGE: &str = "Basic realm=\"regauth\"";
/// Response header carrying the reason for a 401 or 403.
pub const REASON_HEADER: &str = "X-Regauth-Reason";
/// The reason given with a 429 (also at `/jwt/auth` and `/api/v4`, in their shapes).
pub const TOO_MANY_FAILURES: &str = "too many failed logins for this username from this address";
/// Response header naming who was let through (empty when anonymous).
pub const USER_HEADER: &str = "X-Regauth-User";
/// Response header naming the project the request was judged against.
pub const PROJECT_HEADER: &str = "X-Regauth-Project";

/// Answer one forward-auth request.
pub async fn check(
    req: HttpRequest,
    service: web::Data<ForwardAuth>,
) -> Result<HttpResponse, ApiError> {
    let method = header(&req, &["x-original-method", "x-forwarded-method"])?
        .unwrap_or_else(|| req.method().as_str().to_owned());
    let uri = header(&req, &["x-original-uri", "x-forwarded-uri"])?.ok_or_else(|| {
        ApiError::bad_request(
            "X-Original-URI (nginx) or X-Forwarded-Uri (Traefik, Caddy) is required",
        )
    })?;
    // A malformed Authorization header is bad credentials, never anonymous.
    let credentials = basic_credentials(&req).ok();
    let username = match &credentials {
        Some(Credentials::Password { username, .. }) => username.clone(),
        _ => String::new(),
    };
    let path = uri.split('?').next().unwrap_or_default().to_owned();
    // Anonymous requests are how git and pip learn to send credentials: never a failure.
    let presented = !matches!(credentials, Some(Credentials::None));
    let outcome = match credentials {
        None => Err(ForwardError::Unauthorized(BAD_CREDENTIALS)),
        Some(credentials) => {
            let request = ForwardRequest {
                method: method.clone(),
                uri,
                credentials,
            };
            let svc = service.clone();
            web::block(move || svc.check(&request)).await?
        }
    };
    let response = match outcome {
        Ok(grant) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((USER_HEADER, grant.allowed.subject()))
            .insert_header((PROJECT_HEADER, grant.project.as_str()))
            .finish(),
        Err(ForwardError::Unauthorized(m)) if presented => {
            // Logged by the throttle, summarised.
            let verdict = failed_login(&req, Surface::ForwardAuth, &username, m);
            return Ok(match verdict {
                Verdict::Refused => refusal(StatusCode::UNAUTHORIZED, m),
                Verdict::Throttled { .. } => retry_after(
                    refusal(StatusCode::TOO_MANY_REQUESTS, TOO_MANY_FAILURES),
                    verdict,
                ),
            });
        }
        Err(ForwardError::Unauthorized(m)) => refusal(StatusCode::UNAUTHORIZED, m),
        Err(ForwardError::Denied(m)) => refusal(StatusCode::FORBIDDEN, &m),
        Err(ForwardError::BadRequest(m)) => return Err(ApiError::bad_request(m)),
        Err(ForwardError::Storage(e)) => return Err(ApiError::internal(&e)),
    };
    // The query may hold secrets (`private_token=`), so only the path is logged.
    tracing::info!(
        method = %method,
        client = %super::client::client_addr(&req),
        path = %path,
        username = %username,
        status = response.status().as_u16(),
        reason = response.headers().get(REASON_HEADER).and_then(|v| v.to_str().ok()).unwrap_or(""),
        "forward auth"
    );
    Ok(response)
}

/// The first of `names` present, as text; a value that is not visible ASCII is a 400.
fn header(req: &HttpRequest, names: &[&str]) -> Result<Option<String>, ApiError> {
    let Some((name, value)) = names
        .iter()
        .find_map(|name| req.headers().get(*name).map(|v| (*name, v)))
    else {
        return Ok(None);
    };
    value
        .to_str()
        .map(|v| Some(v.to_owned()))
        .map_err(|_| ApiError::bad_request(format!("header {name} must be ASCII")))
}

/// A 401 or 403 with the reason in the body and in a header (messages are ASCII: fixed
/// text, usernames and validated project paths).
fn refusal(status: StatusCode, reason: &str) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((REASON_HEADER, reason))
        .content_type("text/plain; charset=utf-8");
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((WWW_AUTHENTICATE, CHALLENGE));
    }
    res.body(format!("{reason}\n"))
}
