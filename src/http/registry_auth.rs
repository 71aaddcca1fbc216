//! `GET` and `POST /jwt/auth`: the Docker token protocol and its OAuth2 form.
//!
//! Parameters are read from the raw query string or form body because `scope` may repeat,
//! which typed extractors cannot collect.

use super::access_log::{self, Outcome, TokenLine};
use super::error::ApiError;
use super::throttle::{Surface, failed_login, retry_after};
use crate::app::deploy_tokens::rfc3339;
use crate::app::registry_auth::{AuthError, Credentials, TokenGrant, TokenRequest, TokenService};
use crate::domain::throttle::Verdict;
use crate::domain::token::PlainToken;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, Header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use actix_web_httpauth::headers::authorization::{Authorization, Basic};
use futures_util::StreamExt;

/// The access log's reason for a token that grants none of the scopes asked for.
pub const NOTHING_GRANTED: &str = "none of the requested scopes was granted";

/// Largest form body accepted on POST.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// Decoded `key=value` pairs, repeated keys kept in order.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(text: &str) -> Result<Params, ApiError> {
        serde_urlencoded::from_str(text)
            .map(Params)
            .map_err(|_| ApiError::bad_request("malformed form or query string"))
    }

    fn first(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// `offline_token=true` (Docker) or `access_type=offline` (OAuth2).
    fn offline(&self) -> bool {
        self.first("offline_token") == Some("true") || self.first("access_type") == Some("offline")
    }
}

/// `GET /jwt/auth?service=…&scope=…` with optional HTTP Basic credentials.
pub async fn get(
    req: HttpRequest,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, ApiError> {
    let params = Params::parse(req.query_string())?;
    let credentials = basic_credentials(&req)?;
    respond(&req, service, &params, credentials, false).await
}

/// `POST /jwt/auth` with a form body (chunked or not): password or refresh-token grant.
pub async fn post(
    req: HttpRequest,
    mut payload: web::Payload,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::bad_request("could not read the request body"))?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "INVALID_REQUEST",
                "request body too large",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("request body is not UTF-8"))?;
    let params = Params::parse(text)?;
    let credentials = match params.first("grant_type") {
        Some("password") => match (params.first("username"), params.first("password")) {
            (Some(user), Some(pass)) => Credentials::Password {
                username: user.to_owned(),
                secret: PlainToken::from_client(pass),
            },
            _ => basic_credentials(&req)?,
        },
        Some("refresh_token") => match params.first("refresh_token") {
            Some(t) => Credentials::RefreshToken(PlainToken::from_client(t)),
            None => return Err(ApiError::bad_request("refresh_token is required")),
        },
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unsupported grant_type {other:?}: use password or refresh_token"
            )));
        }
        None => basic_credentials(&req)?,
    };
    respond(&req, service, &params, credentials, true).await
}

/// Run the use case off the async runtime, log one line, shape the answer.
async fn respond(
    req: &HttpRequest,
    service: web::Data<TokenService>,
    params: &Params,
    credentials: Credentials,
    post: bool,
) -> Result<HttpResponse, ApiError> {
    let username = match &credentials {
        Credentials::Password { username, .. } => username.clone(),
        Credentials::RefreshToken(_) => "(refresh token)".into(),
        Credentials::None => String::new(),
    };
    let has_credentials = !matches!(credentials, Credentials::None);
    let kind = access_log::credential_kind(&credentials);
    let service_name = params.first("service");
    let request = TokenRequest {
        service: service_name.map(str::to_owned),
        scopes: params.all("scope"),
        credentials,
        offline: params.offline(),
        client: Some(access_log::peer(req)),
    };
    let requested = request.scopes.join(" ");
    // SQLite calls block, so the use case runs on the blocking pool (kept small, see
    // `server_with`), never on the async worker.
    let attempt = web::block(move || service.attempt(&request)).await?;
    // Custom deploy-token usernames may repeat: the token id tells whose request it was.
    let presented = attempt.presented.as_ref();
    let mut line = TokenLine {
        client: access_log::peer(req),
        method: req.method().as_str(),
        service: service_name.unwrap_or(""),
        known_service: !matches!(attempt.result, Err(AuthError::UnknownService(_))),
        credential: presented.map_or(kind, |p| p.auth_type.as_str()),
        username: presented.map_or(username.as_str(), |p| p.username.as_str()),
        token_id: presented.map(|p| p.token_id),
        requested: requested.trim(),
        granted: "",
        jti: None,
        outcome: Outcome::Granted,
        status: 200,
        reason: "",
    };
    match attempt.result {
        Ok(grant) => {
            // Built once: the log line and the POST body's `scope` say the same thing.
            let scope = grant.granted.scope_string();
            line.granted = &scope;
            line.jti = Some(&grant.issued.jti);
            if grant.granted.access().is_empty() && !line.requested.is_empty() {
                // A valid answer, but the registry will refuse whatever was asked for.
                line.outcome = Outcome::Denied;
                line.reason = NOTHING_GRANTED;
            }
            access_log::token(req, &line);
            Ok(success(&grant, post.then_some(scope)))
        }
        Err(AuthError::Unauthorized(reason)) if has_credentials => {
            // A failed login: the throttle says 401 or 429, and whether this is the one
            // failure of the client's window that gets a line (the rest are summarised).
            let failure =
                failed_login(req, Surface::Registry, line.username, line.token_id, reason);
            let error = throttled_error(failure.verdict, reason);
            line.status = error.status.as_u16();
            line.outcome = Outcome::of_status(line.status);
            line.reason = &error.message;
            if failure.log {
                access_log::token(req, &line);
            } else {
                access_log::count_token(req, &line);
            }
            Ok(retry_after(error.error_response(), failure.verdict))
        }
        Err(e) => {
            let error = ApiError::from(e);
            line.status = error.status.as_u16();
            line.outcome = Outcome::of_status(line.status);
            line.reason = &error.message;
            access_log::token(req, &line);
            Err(error)
        }
    }
}

/// 401 for a failed login, or 429 once the throttle says so.
fn throttled_error(verdict: Verdict, reason: &'static str) -> ApiError {
    match verdict {
        Verdict::Refused => ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", reason),
        Verdict::Throttled { .. } => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TOOMANYREQUESTS",
            super::forward_auth::TOO_MANY_FAILURES,
        ),
    }
}

/// The 200 body: `token` and `access_token` (the same JWT), integer `expires_in`,
/// RFC 3339 `issued_at`, `refresh_token` when issued, `scope` on POST. Serialised straight
/// from borrowed fields: the JWT is the largest thing the service writes, and it appears
/// twice, so building a JSON tree first cost measurably on the token path.
#[derive(serde::Serialize)]
struct TokenBody<'a> {
    token: &'a str,
    access_token: &'a str,
    expires_in: u64,
    issued_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// `scope` is the granted scope string, given only on POST.
fn success(grant: &TokenGrant, scope: Option<String>) -> HttpResponse {
    let body = TokenBody {
        token: &grant.issued.token,
        access_token: &grant.issued.token,
        expires_in: grant.issued.expires_in,
        issued_at: rfc3339(grant.issued.issued_at),
        refresh_token: grant.refresh_token.as_deref(),
        scope,
    };
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(body)
}

/// HTTP Basic credentials, if an `Authorization` header is present. Any other scheme, or
/// a malformed header, counts as bad credentials (never as anonymous).
pub(super) fn basic_credentials(req: &HttpRequest) -> Result<Credentials, ApiError> {
    if !req
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
    {
        return Ok(Credentials::None);
    }
    let unauthorized = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            crate::domain::authz::BAD_CREDENTIALS,
        )
    };
    let auth = Authorization::<Basic>::parse(req).map_err(|_| unauthorized())?;
    let basic = auth.as_ref();
    let password = basic.password().ok_or_else(unauthorized)?;
    Ok(Credentials::Password {
        username: basic.user_id().to_string(),
        secret: PlainToken::from_client(password),
    })
}
