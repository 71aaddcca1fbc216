//! GitLab's deploy-token API: `GET /deploy_tokens` (administrators), and list, show, create
//! and delete under `/projects/:id/` (Maintainer+) and `/groups/:id/` (Maintainer+ to read,
//! Owner to create and delete). DELETE revokes: the token stops working at once and stays
//! listed as revoked.

use super::auth::{reading, writing};
use super::error::GitLabError;
use super::pagination::Page;
use super::params::Params;
use crate::app::access::{AccessError, TokenManager, TokenReader};
use crate::app::acting::{Acting, Reading, Writing};
use crate::app::deploy_tokens::deploy_token_json;
use crate::app::guarded::DeployTokenFields;
use crate::app::registry_auth::TokenService;
use crate::storage::Reads;
use actix_web::{HttpRequest, HttpResponse, web};

/// `GET /deploy_tokens?active=`: every deploy token of the instance.
pub async fn list_all(
    req: HttpRequest,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    list_with(req, service, |acting| acting.all_tokens_reader()).await
}

/// `GET /projects/:id/deploy_tokens?active=` and `GET /groups/:id/deploy_tokens?active=`.
pub async fn list(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let (kind, key) = path.into_inner();
    list_with(req, service, move |acting| reader(acting, &kind, &key)).await
}

async fn list_with<F>(
    req: HttpRequest,
    service: web::Data<TokenService>,
    reader: F,
) -> Result<HttpResponse, GitLabError>
where
    F: for<'t> FnOnce(&mut Reading<'t>) -> Result<TokenReader<'t>, AccessError> + Send + 'static,
{
    let params = Params::query(&req);
    let (tokens, page) = reading(&req, &service, move |acting| {
        let reader = reader(acting)?;
        let params = params?;
        let page = Page::from_params(&params)?;
        let active = params.boolean("active")?.unwrap_or(false);
        Ok((acting.deploy_tokens_as(&reader, active)?, page))
    })
    .await?;
    let now = service.app().now();
    let items = tokens
        .iter()
        .map(|t| deploy_token_json(t, now, None))
        .collect();
    Ok(page.respond(&req, items))
}

/// `GET /projects/:id/deploy_tokens/:token_id` and the same under `/groups/:id/`.
pub async fn show(
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let (kind, key, token_id) = path.into_inner();
    let token = reading(&req, &service, move |acting| {
        let reader = reader(acting, &kind, &key)?;
        Ok(acting.deploy_token_as(&reader, token_id_of(&token_id)?)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(deploy_token_json(&token, service.app().now(), None)))
}

/// `POST /projects/:id/deploy_tokens` and the same under `/groups/:id/`: `name`, `scopes`
/// (array), optional `expires_at`, `username` and `repositories` (array, or one
/// comma-separated string, of repository patterns). 201 with the secret in `token`, once.
pub async fn create(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let (kind, key) = path.into_inner();
    let params = Params::with_body(&req, payload).await;
    let created = writing(&req, &service, move |acting| {
        let manager = manager(acting, &kind, &key)?;
        let params = params?;
        let scopes = params
            .list("scopes")?
            .ok_or_else(|| GitLabError::missing("scopes"))?;
        // A blank string (an empty form field) means no restriction, as for `username`; an
        // empty array is refused by the use case.
        let blank = matches!(params.text("repositories"), Ok(Some(s)) if s.trim().is_empty());
        let repositories = if blank {
            None
        } else {
            params.list("repositories")?
        };
        let fields = DeployTokenFields {
            name: params.required_text("name")?,
            scopes: scopes.iter().map(String::as_str).collect(),
            username: params.text("username")?.filter(|u| !u.is_empty()),
            expires_at: params.text("expires_at")?.filter(|e| !e.is_empty()),
            repositories: repositories
                .as_ref()
                .map(|r| r.iter().map(String::as_str).collect()),
        };
        let created = acting.create_deploy_token_as(&manager, &fields)?;
        tracing::info!(
            user = %acting.caller().user().username,
            holder = created.token.holder.path(),
            token_id = created.token.id,
            "deploy token created"
        );
        Ok(created)
    })
    .await?;
    let now = service.app().now();
    let body = deploy_token_json(&created.token, now, Some(&created.secret));
    Ok(HttpResponse::Created().json(body))
}

/// `DELETE /projects/:id/deploy_tokens/:token_id` and the same under `/groups/:id/`: 204.
pub async fn revoke(
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let (kind, key, token_id) = path.into_inner();
    writing(&req, &service, move |acting| {
        let manager = manager(acting, &kind, &key)?;
        let token = acting.revoke_deploy_token_as(&manager, token_id_of(&token_id)?)?;
        tracing::info!(
            user = %acting.caller().user().username,
            holder = token.holder.path(),
            token_id = token.id,
            "deploy token revoked"
        );
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Read access to the tokens of `/{kind}/{key}`.
fn reader<'t, S: Reads + ?Sized>(
    acting: &mut Acting<'t, S>,
    kind: &str,
    key: &str,
) -> Result<TokenReader<'t>, AccessError> {
    if kind == "groups" {
        acting.group_access(key)?.token_reader()
    } else {
        acting.project_access(key)?.token_reader()
    }
}

/// Write access to the tokens of `/{kind}/{key}`.
fn manager<'t>(
    acting: &mut Writing<'t>,
    kind: &str,
    key: &str,
) -> Result<TokenManager<'t>, AccessError> {
    if kind == "groups" {
        acting.group_access(key)?.token_manager()
    } else {
        acting.project_access(key)?.token_manager()
    }
}

fn token_id_of(text: &str) -> Result<i64, GitLabError> {
    text.parse()
        .map_err(|_| GitLabError::invalid("token_id", "expected a numeric id"))
}
