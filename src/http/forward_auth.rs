//! `/auth/forward` (any method): the check behind nginx `auth_request`, Traefik `ForwardAuth`
//! and Caddy `forward_auth`. The original method and URI come only from the configured header
//! family (the one the proxy sets), never from the check's own method. 200 lets the request
//! through, 401 asks for Basic credentials, 403 refuses; 401 and 403 carry the reason as plain
//! text and in `X-Regauth-Reason`, since Traefik and Caddy pass the body on while nginx only
//! sees headers.

use super::error::ApiError;
use super::registry_auth::basic_credentials;
use super::throttle::{Surface, failed_login, retry_after};
use crate::app::forward_auth::{ForwardAnswer, ForwardAuth, ForwardError, ForwardRequest};
use crate::app::registry_auth::Credentials;
use crate::domain::authz::BAD_CREDENTIALS;
use crate::domain::forward::{Original, PROXY_HEADERS, original};
use crate::domain::throttle::Verdict;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};

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
/// Response header naming the deploy token that authenticated, by id (absent otherwise).
pub const TOKEN_ID_HEADER: &str = "X-Regauth-Token-Id";

/// Answer one forward-auth request.
pub async fn check(
    req: HttpRequest,
    service: web::Data<ForwardAuth>,
) -> Result<HttpResponse, ApiError> {
    let Original { method, uri } = original_request(&req, &service)?;
    // A malformed Authorization header is bad credentials, never anonymous.
    let credentials = basic_credentials(&req).ok();
    let username = match &credentials {
        Some(Credentials::Password { username, .. }) => username.clone(),
        _ => String::new(),
    };
    let path = uri.split('?').next().unwrap_or_default().to_owned();
    // Anonymous requests are how git and pip learn to send credentials: never a failure.
    let presented = !matches!(credentials, Some(Credentials::None));
    let answer = match credentials {
        None => ForwardAnswer {
            token_id: None,
            outcome: Err(ForwardError::Unauthorized(BAD_CREDENTIALS)),
        },
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
    let token_id = answer.token_id.map(|id| id.to_string()).unwrap_or_default();
    let response = match answer.outcome {
        Ok(grant) => with_token_id(HttpResponse::Ok(), &token_id)
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((USER_HEADER, grant.allowed.subject()))
            .insert_header((PROJECT_HEADER, grant.project.as_str()))
            .finish(),
        Err(ForwardError::Unauthorized(m)) if presented => {
            // Logged by the throttle, summarised.
            let verdict = failed_login(&req, Surface::ForwardAuth, &username, answer.token_id, m);
            return Ok(match verdict {
                Verdict::Refused => refusal(StatusCode::UNAUTHORIZED, m, ""),
                Verdict::Throttled { .. } => retry_after(
                    refusal(StatusCode::TOO_MANY_REQUESTS, TOO_MANY_FAILURES, ""),
                    verdict,
                ),
            });
        }
        Err(ForwardError::Unauthorized(m)) => refusal(StatusCode::UNAUTHORIZED, m, ""),
        Err(ForwardError::Denied(m)) => refusal(StatusCode::FORBIDDEN, &m, &token_id),
        Err(ForwardError::BadRequest(m)) => return Err(ApiError::bad_request(m)),
        Err(ForwardError::Storage(e)) => return Err(ApiError::internal(&e)),
    };
    // The query may hold secrets (`private_token=`), so only the path is logged.
    tracing::info!(
        method = %method,
        client = %super::client::client_addr(&req),
        path = %path,
        username = %username,
        token_id = %token_id,
        status = response.status().as_u16(),
        reason = response.headers().get(REASON_HEADER).and_then(|v| v.to_str().ok()).unwrap_or(""),
        "forward auth"
    );
    Ok(response)
}

/// The original method and URI from the trusted header family; anything else is a 400
/// (logged, since it means a misconfigured proxy or a client trying to choose).
fn original_request(req: &HttpRequest, service: &ForwardAuth) -> Result<Original, ApiError> {
    let mut values: Vec<(&str, Vec<&str>)> = Vec::new();
    for name in PROXY_HEADERS {
        let texts = req
            .headers()
            .get_all(name)
            .map(|v| v.to_str())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ApiError::bad_request(format!("header {name} must be ASCII")))?;
        values.push((name, texts));
    }
    let lookup = |name: &str| {
        values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let family = service.headers();
    original(family, lookup).map_err(|e| {
        let claimed = lookup(family.uri_header()).first().copied().unwrap_or("");
        let path = claimed.split('?').next().unwrap_or_default();
        tracing::info!(path = %path, status = 400, reason = %e, "forward auth");
        ApiError::bad_request(e.to_string())
    })
}

fn with_token_id(mut res: HttpResponseBuilder, token_id: &str) -> HttpResponseBuilder {
    if !token_id.is_empty() {
        res.insert_header((TOKEN_ID_HEADER, token_id));
    }
    res
}

/// A 401 or 403 with the reason in the body and in a header (messages are ASCII: fixed
/// text, usernames and validated project paths).
fn refusal(status: StatusCode, reason: &str, token_id: &str) -> HttpResponse {
    let mut res = with_token_id(HttpResponse::build(status), token_id);
    res.insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((REASON_HEADER, reason))
        .content_type("text/plain; charset=utf-8");
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((WWW_AUTHENTICATE, CHALLENGE));
    }
    res.body(format!("{reason}\n"))
}
