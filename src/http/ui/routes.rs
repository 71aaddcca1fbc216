//! Which page a group or project URL names: `/groups/{path}` and `/{path}`, with the page
//! below it after `/-/` (GitLab's layout), dispatched to the page's handler.

use super::namespaces::{Target, overview};
use super::{UiError, deploy_tokens, members};
use crate::app::registry_auth::TokenService;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};

/// `GET /groups/{path}[/-/…]`.
pub async fn group_get(
    req: HttpRequest,
    tail: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let (path, rest) = split(&tail);
    get(req, service, Target::Group(path), rest).await
}

/// `GET /{path}[/-/…]`.
pub async fn project_get(
    req: HttpRequest,
    tail: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let (path, rest) = split(&tail);
    get(req, service, Target::Project(path), rest).await
}

/// `POST /groups/{path}/-/…`.
pub async fn group_post(
    req: HttpRequest,
    tail: web::Path<String>,
    body: Bytes,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let (path, rest) = split(&tail);
    post(req, service, Target::Group(path), rest, body).await
}

/// `POST /{path}/-/…`.
pub async fn project_post(
    req: HttpRequest,
    tail: web::Path<String>,
    body: Bytes,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let (path, rest) = split(&tail);
    post(req, service, Target::Project(path), rest, body).await
}

/// `acme/app/-/settings/repository` → (`acme/app`, `settings/repository`).
fn split(tail: &str) -> (String, Option<String>) {
    match tail.split_once("/-/") {
        Some((path, rest)) => (path.to_owned(), Some(rest.trim_end_matches('/').to_owned())),
        None => (tail.trim_end_matches('/').to_owned(), None),
    }
}

async fn get(
    req: HttpRequest,
    service: web::Data<TokenService>,
    target: Target,
    rest: Option<String>,
) -> Result<HttpResponse, UiError> {
    let parts: Vec<&str> = rest
        .as_deref()
        .map(|r| r.split('/').collect())
        .unwrap_or_default();
    match parts.as_slice() {
        [] => overview(req, service, target).await,
        ["settings", "repository"] => deploy_tokens::page(req, service, target).await,
        ["deploy_tokens", id, "revoke"] => {
            deploy_tokens::confirm_revoke(req, service, target, token_id(id)?).await
        }
        ["members"] => members::page(req, service, target).await,
        _ => Err(UiError::NotFound),
    }
}

async fn post(
    req: HttpRequest,
    service: web::Data<TokenService>,
    target: Target,
    rest: Option<String>,
    body: Bytes,
) -> Result<HttpResponse, UiError> {
    let parts: Vec<&str> = rest
        .as_deref()
        .map(|r| r.split('/').collect())
        .unwrap_or_default();
    match parts.as_slice() {
        ["settings", "repository", "deploy_tokens"] => {
            deploy_tokens::create(req, service, target, body).await
        }
        ["deploy_tokens", id, "revoke"] => {
            deploy_tokens::revoke(req, service, target, token_id(id)?, body).await
        }
        ["members"] => members::add(req, service, target, body).await,
        ["members", user] => {
            let user = (*user).to_owned();
            members::change(req, service, target, user, body).await
        }
        ["members", user, "remove"] => {
            let user = (*user).to_owned();
            members::remove(req, service, target, user, body).await
        }
        _ => Err(UiError::NotFound),
    }
}

fn token_id(text: &str) -> Result<i64, UiError> {
    text.parse().map_err(|_| UiError::NotFound)
}
