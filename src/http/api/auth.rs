//! Who is calling `/api/v4`: a personal access token in `PRIVATE-TOKEN` or in
//! `Authorization: Bearer`. Basic credentials (how deploy tokens log in) are refused, and a
//! deploy token in either header is just an unknown personal access token: 401 both ways.

use super::error::GitLabError;
use crate::app::acting::{Reading, Writing};
use crate::app::registry_auth::TokenService;
use crate::domain::external_url::ExternalUrl;
use crate::domain::token::PlainToken;
use crate::http::access_log::Actor;
use crate::http::throttle::{Attempt, Surface, failed_login, log_failure};
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpMessage, HttpRequest, web};

/// GitLab's header for personal access tokens.
const PRIVATE_TOKEN: &str = "PRIVATE-TOKEN";

/// The secret the request presents, if any. Any `Authorization` scheme but Bearer is 401.
fn presented_token(req: &HttpRequest) -> Result<Option<PlainToken>, GitLabError> {
    let unreadable = |_| GitLabError::unauthorized();
    if let Some(value) = req.headers().get(PRIVATE_TOKEN) {
        let text = value.to_str().map_err(unreadable)?;
        return Ok(Some(PlainToken::from_client(text.trim())));
    }
    let Some(value) = req.headers().get(AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(unreadable)?;
    match text.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            Ok(Some(PlainToken::from_client(token.trim())))
        }
        _ => Err(GitLabError::unauthorized()),
    }
}

/// Authenticate the caller for reading, then run `work` as them, in one read transaction
/// on the blocking pool. Authentication comes first: nobody learns anything about a request
/// they may not make.
pub async fn reading<T, F>(
    req: &HttpRequest,
    service: &web::Data<TokenService>,
    work: F,
) -> Result<T, GitLabError>
where
    T: Send + 'static,
    F: FnOnce(&mut Reading<'_>) -> Result<T, GitLabError> + Send + 'static,
{
    let outcome = async {
        let secret = presented_token(req)?;
        let app = service.app().clone();
        web::block(move || app.reading(secret.as_ref(), work)).await?
    };
    throttled(req, outcome.await)
}

/// Authenticate the caller for writing, then run `work` as them, in one write transaction
/// on the blocking pool: the permission checks and the writes they guard commit together,
/// and an error leaves nothing changed.
pub async fn writing<T, F>(
    req: &HttpRequest,
    service: &web::Data<TokenService>,
    work: F,
) -> Result<T, GitLabError>
where
    T: Send + 'static,
    F: FnOnce(&mut Writing<'_>) -> Result<T, GitLabError> + Send + 'static,
{
    let outcome = async {
        let secret = presented_token(req)?;
        let app = service.app().clone();
        let client = crate::http::client::client_addr(req);
        let (actor, result) = web::block(move || {
            let mut actor = None;
            let result = app.writing(secret.as_ref(), |acting| {
                acting.from_client(client);
                let user = acting.caller().user();
                actor = Some(Actor {
                    user_id: user.id,
                    username: user.username.clone(),
                });
                work(acting)
            });
            (actor, result)
        })
        .await?;
        // For the access log's line about this write (see http::observe).
        if let Some(actor) = actor {
            req.extensions_mut().insert(actor);
        }
        result
    };
    throttled(req, outcome.await)
}

/// A 401 to a request that presented a token is a failed login: throttled (429 past the
/// threshold) and logged, summarised. `/api/v4` has no username, so it counts per address.
fn throttled<T>(req: &HttpRequest, outcome: Result<T, GitLabError>) -> Result<T, GitLabError> {
    let presented =
        req.headers().contains_key(PRIVATE_TOKEN) || req.headers().contains_key(AUTHORIZATION);
    match outcome {
        Err(e) if e.status == StatusCode::UNAUTHORIZED && presented => {
            let reason = "invalid or unusable token";
            let failure = failed_login(req, Surface::Api, "", None, reason);
            if failure.log {
                let attempt = Attempt {
                    surface: Surface::Api,
                    client: crate::http::client::client_addr(req),
                    username: "",
                    token_id: None,
                    reason,
                };
                log_failure(&attempt, failure.verdict);
            }
            match failure.verdict.retry_after_secs() {
                None => Err(e),
                Some(secs) => Err(GitLabError::too_many_requests(secs)),
            }
        }
        other => other,
    }
}

/// The configured external URL: the base of every `web_url` and `Link`. Never the request's
/// `Host` or `X-Forwarded-*`, which the client chooses.
pub fn base_url(req: &HttpRequest) -> String {
    req.app_data::<web::Data<ExternalUrl>>()
        .map(|url| url.as_str().to_owned())
        .unwrap_or_default()
}
