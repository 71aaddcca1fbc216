//! Users in GitLab's shapes: `GET /user` (the caller), `GET /users` and `GET /users/:id`
//! (any signed-in user, as in GitLab, so members can be named; administrators see more of
//! each), and for administrators `POST /users`, `PUT /users/:id` (`admin`, `password`,
//! `state` active or blocked),
//! `DELETE /users/:id` and `POST /users/:id/block` / `unblock`.

use super::auth::{base_url, reading, writing};
use super::error::GitLabError;
use super::pagination::Page;
use super::params::Params;
use crate::app::deploy_tokens::rfc3339;
use crate::app::registry_auth::TokenService;
use crate::domain::user::User;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// `GET /user`.
pub async fn current(
    req: HttpRequest,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let user = reading(&req, &service, |acting| Ok(acting.caller().user().clone())).await?;
    Ok(HttpResponse::Ok().json(user_json(&user, &base_url(&req), true)))
}

/// `GET /users?username=&search=&blocked=&active=`.
pub async fn list(
    req: HttpRequest,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let params = Params::query(&req);
    let (users, page, admin) = reading(&req, &service, move |acting| {
        let params = params?;
        let page = Page::from_params(&params)?;
        let username = params.text("username")?.map(str::to_owned);
        let search = params.text("search")?.map(str::to_lowercase);
        let blocked = params.boolean("blocked")?;
        let active = params.boolean("active")?;
        let users: Vec<User> = acting
            .all_users()?
            .into_iter()
            .filter(|u| username.as_deref().is_none_or(|n| u.username == n))
            .filter(|u| {
                search
                    .as_deref()
                    .is_none_or(|s| u.username.to_lowercase().contains(s))
            })
            .filter(|u| blocked.is_none_or(|b| u.blocked == b))
            .filter(|u| active.is_none_or(|a| u.blocked != a))
            .collect();
        Ok((users, page, acting.caller().user().is_admin))
    })
    .await?;
    let base = base_url(&req);
    let items = users.iter().map(|u| user_json(u, &base, admin)).collect();
    Ok(page.respond(&req, items))
}

/// `GET /users/:id`.
pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = path.into_inner();
    let (user, detailed) = reading(&req, &service, move |acting| {
        let user = acting.find_user(&key)?;
        let me = acting.caller().user();
        let detailed = me.is_admin || me.id == user.id;
        Ok((user, detailed))
    })
    .await?;
    Ok(HttpResponse::Ok().json(user_json(&user, &base_url(&req), detailed)))
}

/// `POST /users` with `username`, optional `password` (without one the user has no web
/// sign-in) and `admin`; `name`, `email` and GitLab's other fields are accepted and not kept.
pub async fn create(
    req: HttpRequest,
    payload: web::Payload,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let params = Params::with_body(&req, payload).await;
    let user = writing(&req, &service, move |acting| {
        let admin = acting.user_admin()?;
        let params = params?;
        let username = params.required_text("username")?;
        let password = params.text("password")?;
        let is_admin = params.boolean("admin")?.unwrap_or(false);
        let user = acting.create_account_as(&admin, username, password, is_admin)?;
        tracing::info!(user = %acting.caller().user().username, created = %user.username, "user created");
        Ok(user)
    })
    .await?;
    Ok(HttpResponse::Created().json(user_json(&user, &base_url(&req), true)))
}

/// `PUT /users/:id` with `admin`, `password` and/or `state` (not on one's own account).
pub async fn update(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = path.into_inner();
    let params = Params::with_body(&req, payload).await;
    let user = writing(&req, &service, move |acting| {
        let admin = acting.user_admin()?;
        let params = params?;
        let mut user = acting.find_user(&key)?;
        if let Some(is_admin) = params.boolean("admin")? {
            user = acting.set_admin_as(&admin, &user.username, is_admin)?;
        }
        if let Some(password) = params.text("password")? {
            acting.set_password_as(&admin, &user, password)?;
        }
        match params.text("state")? {
            None => {}
            Some("blocked") => user = acting.set_blocked_as(&admin, &user.username, true)?,
            Some("active") => user = acting.set_blocked_as(&admin, &user.username, false)?,
            Some(_) => return Err(GitLabError::invalid("state", "expected active or blocked")),
        }
        tracing::info!(user = %acting.caller().user().username, changed = %user.username, "user changed");
        Ok(user)
    })
    .await?;
    Ok(HttpResponse::Ok().json(user_json(&user, &base_url(&req), true)))
}

/// `DELETE /users/:id`: 204; their tokens stop working at once.
pub async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = path.into_inner();
    writing(&req, &service, move |acting| {
        let admin = acting.user_admin()?;
        let user = acting.find_user(&key)?;
        acting.delete_user_as(&admin, &user)?;
        tracing::info!(user = %acting.caller().user().username, deleted = %user.username, "user deleted");
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /users/:id/block`: 201 `true`.
pub async fn block(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    set_blocked(req, path.into_inner(), service, true).await
}

/// `POST /users/:id/unblock`: 201 `true`.
pub async fn unblock(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    set_blocked(req, path.into_inner(), service, false).await
}

async fn set_blocked(
    req: HttpRequest,
    key: String,
    service: web::Data<TokenService>,
    blocked: bool,
) -> Result<HttpResponse, GitLabError> {
    writing(&req, &service, move |acting| {
        let admin = acting.user_admin()?;
        let user = acting.find_user(&key)?;
        let user = acting.set_blocked_as(&admin, &user.username, blocked)?;
        tracing::info!(user = %acting.caller().user().username, target = %user.username, blocked, "user block changed");
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Created().json(true))
}

/// GitLab's user entity: the public fields, and with `detailed` (administrators, or the
/// user themselves) `is_admin` and `created_at` too.
pub fn user_json(user: &User, base: &str, detailed: bool) -> Value {
    let mut value = json!({
        "id": user.id,
        "username": user.username,
        "name": user.username,
        "state": if user.blocked { "blocked" } else { "active" },
        "locked": false,
        "avatar_url": null,
        "web_url": format!("{base}/{}", user.username),
        "bot": false,
    });
    if detailed {
        value["is_admin"] = json!(user.is_admin);
        value["created_at"] = json!(rfc3339(user.created_at));
    }
    value
}
