//! GitLab's personal-access-token API: `GET /personal_access_tokens` (the caller's own;
//! administrators everyone's, or one user's with `user_id`), `GET` and `DELETE
//! /personal_access_tokens/:id` (or `self`, the token presented), `POST
//! /personal_access_tokens/:id/rotate` (a new secret, the old token revoked) and, for
//! administrators, `POST /users/:id/personal_access_tokens`. Another user's token is not
//! found. Secrets appear only in the answers that create them.

use super::auth::{reading, writing};
use super::error::GitLabError;
use super::pagination::Page;
use super::params::Params;
use crate::app::deploy_tokens::rfc3339;
use crate::app::personal_tokens::TokenKey;
use crate::app::registry_auth::TokenService;
use crate::app::users::{CreatePersonalToken, CreatedPersonalToken};
use crate::domain::user::PersonalAccessToken;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// `GET /personal_access_tokens?user_id=&state=&revoked=&search=`.
pub async fn list(
    req: HttpRequest,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let params = Params::query(&req);
    let now = service.app().now();
    let (tokens, page) = reading(&req, &service, move |acting| {
        let params = params?;
        let page = Page::from_params(&params)?;
        let user_id = params.positive("user_id")?.map(|n| n as i64);
        let active = match params.text("state")? {
            None => None,
            Some("active") => Some(true),
            Some("inactive") => Some(false),
            Some(_) => return Err(GitLabError::invalid("state", "expected active or inactive")),
        };
        let revoked = params.boolean("revoked")?;
        let search = params.text("search")?.map(str::to_lowercase);
        let tokens: Vec<PersonalAccessToken> = acting
            .personal_tokens_as(user_id)?
            .into_iter()
            .filter(|t| active.is_none_or(|a| t.is_active(now) == a))
            .filter(|t| revoked.is_none_or(|r| t.revoked == r))
            .filter(|t| {
                search
                    .as_deref()
                    .is_none_or(|s| t.name.to_lowercase().contains(s))
            })
            .collect();
        Ok((tokens, page))
    })
    .await?;
    Ok(page.respond(&req, tokens.iter().map(|t| token_json(t, now)).collect()))
}

/// `GET /personal_access_tokens/:id` and `/self`.
pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = token_key(&path)?;
    let token = reading(&req, &service, move |acting| {
        Ok(acting.personal_token_as(key)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(token_json(&token, service.app().now())))
}

/// `DELETE /personal_access_tokens/:id` and `/self`: 204; a revoked token is a 400.
pub async fn revoke(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = token_key(&path)?;
    writing(&req, &service, move |acting| {
        let token = acting.revoke_personal_token_as(key)?;
        tracing::info!(user = %acting.caller().user().username, token_id = token.id, owner = token.user_id, "personal access token revoked");
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /personal_access_tokens/:id/rotate` (or `self`) with optional `expires_at`
/// (default: a week from now): 200 with the new token and its secret.
pub async fn rotate(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = token_key(&path)?;
    let params = Params::with_body(&req, payload).await;
    let created = writing(&req, &service, move |acting| {
        let params = params?;
        let expires_at = params.text("expires_at")?.filter(|e| !e.is_empty());
        let created = acting.rotate_personal_token_as(key, expires_at)?;
        tracing::info!(user = %acting.caller().user().username, token_id = created.token.id, owner = created.token.user_id, "personal access token rotated");
        Ok(created)
    })
    .await?;
    Ok(HttpResponse::Ok().json(created_json(&created, service.app().now())))
}

/// `POST /users/:id/personal_access_tokens` with `name`, `scopes`, optional `expires_at`
/// (administrators): 201 with the secret.
pub async fn create_for_user(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = path.into_inner();
    let params = Params::with_body(&req, payload).await;
    let created = writing(&req, &service, move |acting| {
        let admin = acting.user_admin()?;
        let params = params?;
        let user = acting.find_user(&key)?;
        let scopes = params.list("scopes")?.ok_or_else(|| GitLabError::missing("scopes"))?;
        let request = CreatePersonalToken {
            name: params.required_text("name")?,
            scopes: scopes.iter().map(String::as_str).collect(),
            expires_at: params.text("expires_at")?.filter(|e| !e.is_empty()),
        };
        let created = acting.create_personal_token_for_as(&admin, user.id, &request)?;
        tracing::info!(user = %acting.caller().user().username, token_id = created.token.id, owner = %user.username, "personal access token created");
        Ok(created)
    })
    .await?;
    Ok(HttpResponse::Created().json(created_json(&created, service.app().now())))
}

fn token_key(text: &str) -> Result<TokenKey, GitLabError> {
    if text == "self" {
        return Ok(TokenKey::Current);
    }
    text.parse()
        .map(TokenKey::Id)
        .map_err(|_| GitLabError::invalid("id", "expected a numeric id or self"))
}

/// GitLab's personal-access-token entity.
pub fn token_json(token: &PersonalAccessToken, now: OffsetDateTime) -> Value {
    json!({
        "id": token.id,
        "name": token.name,
        "revoked": token.revoked,
        "created_at": rfc3339(token.created_at),
        "scopes": token.scopes.names(),
        "user_id": token.user_id,
        "last_used_at": token.last_used_at.map(rfc3339),
        "active": token.is_active(now),
        "expires_at": token.expires_at.map(rfc3339),
    })
}

fn created_json(created: &CreatedPersonalToken, now: OffsetDateTime) -> Value {
    let mut value = token_json(&created.token, now);
    value["token"] = json!(created.secret.expose());
    value
}
