//! `/auth/forward` (any method): the check behind nginx `auth_request`, Traefik `ForwardAuth`
//! and Caddy `forward_auth`. The original method and URI come only from the configured header
//! family (the one the proxy sets), never from the check's own method. 200 lets the request
//! through, 401 asks for Basic credentials, 403 refuses; 401 and 403 carry the reason as plain
//! text and in `X-Regauth-Reason`, since Traefik and Caddy pass the body on while nginx only
//! sees headers.

use super::access_log::{self, ForwardLine, Outcome};
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
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError, web};

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
    let kind = credentials
        .as_ref()
        .map_or(access_log::MALFORMED, access_log::credential_kind);
    let path = uri.split('?').next().unwrap_or_default().to_owned();
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
                client: Some(access_log::peer(&req)),
            };
            let svc = service.clone();
            web::block(move || svc.check(&request)).await?
        }
    };
    let line = ForwardLine {
        client: access_log::peer(&req),
        method: &method,
        // The query may hold secrets (`private_token=`), so only the path is logged.
        path: &path,
        credential: kind,
        username: &username,
        token_id: answer.token_id,
        project: "",
        granted: "",
        outcome: Outcome::Granted,
        status: 200,
        reason: "",
    };
    Ok(answer_and_log(&req, &answer, line))
}

/// The answer to the proxy, and its access line.
fn answer_and_log<'a>(
    req: &HttpRequest,
    answer: &'a ForwardAnswer,
    mut line: ForwardLine<'a>,
) -> HttpResponse {
    let token_id = answer.token_id.map(|id| id.to_string()).unwrap_or_default();
    let mut summarised = false;
    let response = match &answer.outcome {
        Ok(grant) => {
            line.project = &grant.project;
            line.granted = grant.allowed.operation().describe();
            with_token_id(HttpResponse::Ok(), &token_id)
                .insert_header((CACHE_CONTROL, "no-store"))
                .insert_header((USER_HEADER, grant.allowed.subject()))
                .insert_header((PROJECT_HEADER, grant.project.as_str()))
                .finish()
        }
        // Anonymous requests are how git and pip learn to send credentials: never a failure.
        Err(ForwardError::Unauthorized(m)) if line.credential != access_log::ANONYMOUS => {
            // A failed login: the throttle says 401 or 429, and whether this is the one
            // failure of the client's window that gets a line (the rest are summarised).
            let failure = failed_login(req, Surface::ForwardAuth, line.username, line.token_id, m);
            summarised = !failure.log;
            let verdict = failure.verdict;
            match verdict {
                Verdict::Refused => refusal(StatusCode::UNAUTHORIZED, m, ""),
                Verdict::Throttled { .. } => retry_after(
                    refusal(StatusCode::TOO_MANY_REQUESTS, TOO_MANY_FAILURES, ""),
                    verdict,
                ),
            }
        }
        Err(ForwardError::Unauthorized(m)) => refusal(StatusCode::UNAUTHORIZED, m, ""),
        Err(ForwardError::Denied(m)) => refusal(StatusCode::FORBIDDEN, m, &token_id),
        Err(ForwardError::BadRequest(m)) => ApiError::bad_request(m.as_str()).error_response(),
        Err(ForwardError::Storage(e)) => ApiError::database(e).error_response(),
    };
    line.status = response.status().as_u16();
    if let Err(e) = &answer.outcome {
        line.outcome = Outcome::of_status(line.status);
        line.reason = reason_of(e);
    }
    if summarised {
        access_log::count_forward(req, &line);
    } else {
        access_log::forward(req, &line);
    }
    response
}

/// The reason a refusal gives (fixed text, usernames and validated paths).
fn reason_of(e: &ForwardError) -> &str {
    match e {
        ForwardError::Unauthorized(m) => m,
        ForwardError::Denied(m) | ForwardError::BadRequest(m) => m,
        ForwardError::Storage(_) => "internal server error",
    }
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
        let reason = e.to_string();
        access_log::forward(
            req,
            &ForwardLine {
                client: access_log::peer(req),
                method: "",
                path,
                credential: basic_credentials(req)
                    .ok()
                    .as_ref()
                    .map_or(access_log::MALFORMED, access_log::credential_kind),
                username: "",
                token_id: None,
                project: "",
                granted: "",
                outcome: Outcome::Invalid,
                status: 400,
                reason: &reason,
            },
        );
        ApiError::bad_request(reason)
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
