//! Who is calling `/api/v4`: a personal access token in `PRIVATE-TOKEN` or in
//! `Authorization: Bearer`. Basic credentials (how deploy tokens log in) are refused, and a
//! deploy token in either header is just an unknown personal access token: 401 both ways.

use super::error::GitLabError;
use crate::app::acting::{Reading, Writing};
use crate::app::registry_auth::TokenService;
use crate::domain::token::PlainToken;
use crate::http::access_log::Actor;
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
    let secret = presented_token(req)?;
    let app = service.app().clone();
    web::block(move || app.reading(secret.as_ref(), work)).await?
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
    let secret = presented_token(req)?;
    let app = service.app().clone();
    let (actor, result) = web::block(move || {
        let mut actor = None;
        let result = app.writing(secret.as_ref(), |acting| {
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
}

/// `scheme://host` as the client addressed us: the base of every `web_url`.
pub fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}
