//! `GET /api/v4/user`: the caller, in GitLab's user shape (python-gitlab's `gl.auth()`).

use super::auth::{base_url, reading};
use super::error::GitLabError;
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
    Ok(HttpResponse::Ok().json(user_json(&user, &base_url(&req))))
}

/// GitLab's user entity (the fields regauth knows).
pub fn user_json(user: &User, base: &str) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "name": user.username,
        "state": "active",
        "locked": false,
        "avatar_url": null,
        "web_url": format!("{base}/{}", user.username),
        "created_at": rfc3339(user.created_at),
        "is_admin": user.is_admin,
        "bot": false,
    })
}
