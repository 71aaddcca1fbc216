//! Who is calling `/api/v4`: a personal access token in `PRIVATE-TOKEN` or in
//! `Authorization: Bearer`. Basic credentials (how deploy tokens log in) are refused, and a
//! deploy token in either header is just an unknown personal access token: 401 both ways.

use super::error::GitLabError;
use crate::app::App;
use crate::app::access::{Caller, Need};
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

/// Authenticate the caller for `need`, then run `work` with them, all on the blocking pool.
/// Authentication comes first: nobody learns anything about a request they may not make.
pub async fn with_caller<T, F>(
    req: &HttpRequest,
    service: &web::Data<TokenService>,
    need: Need,
    work: F,
) -> Result<T, GitLabError>
where
    T: Send + 'static,
    F: FnOnce(&App, &Caller) -> Result<T, GitLabError> + Send + 'static,
{
    let secret = presented_token(req)?;
    let app = service.app().clone();
    let (actor, result) = web::block(move || {
        let caller = app.api_caller(secret.as_ref(), need)?;
        let actor = Actor {
            user_id: caller.user().id,
            username: caller.user().username.clone(),
        };
        Ok::<_, GitLabError>((actor, work(&app, &caller)))
    })
    .await??;
    // For the access log's line about this request (see http::observe).
    req.extensions_mut().insert(actor);
    result
}

/// `scheme://host` as the client addressed us: the base of every `web_url`.
pub fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}
