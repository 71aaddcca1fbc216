//! GitLab's members API, alike for `projects` and `groups`: `GET …/members` (direct
//! members), `GET …/members/all` (everyone whose role reaches here, from the groups above
//! too), `GET …/members[/all]/:user_id`, `POST …/members` (`user_id` or `username`, and
//! `access_level`), `PUT …/members/:user_id` and `DELETE …/members/:user_id`. Anyone who
//! sees the project or group may list; Maintainers manage a project's members, Owners a
//! group's, never above their own role.

use super::auth::{base_url, reading, writing};
use super::error::GitLabError;
use super::pagination::Page;
use super::params::Params;
use super::users::user_json;
use crate::app::access::AccessError;
use crate::app::acting::{Acting, Writing};
use crate::app::admin::MemberManager;
use crate::app::members::Member;
use crate::app::registry_auth::TokenService;
use crate::domain::role::AccessLevel;
use crate::storage::Reads;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// `GET /{kind}/:id/members`.
pub async fn list(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let (kind, key) = path.into_inner();
    list_with(req, service, kind, key, false).await
}

/// `GET /{kind}/:id/members/all`.
pub async fn list_all(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let (kind, key) = path.into_inner();
    list_with(req, service, kind, key, true).await
}

async fn list_with(
    req: HttpRequest,
    service: web::Data<TokenService>,
    kind: String,
    key: String,
    inherited: bool,
) -> Result<HttpResponse, GitLabError> {
    let params = Params::query(&req);
    let (members, page) = reading(&req, &service, move |acting| {
        let params = params?;
        let page = Page::from_params(&params)?;
        let query = params.text("query")?.map(str::to_lowercase);
        let members = members_here(acting, &kind, &key, inherited)?
            .into_iter()
            .filter(|m| {
                query
                    .as_deref()
                    .is_none_or(|q| m.user.username.to_lowercase().contains(q))
            })
            .collect::<Vec<_>>();
        Ok((members, page))
    })
    .await?;
    let base = base_url(&req);
    Ok(page.respond(
        &req,
        members.iter().map(|m| member_json(m, &base)).collect(),
    ))
}

/// `GET /{kind}/:id/members/:user_id`.
pub async fn show(
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    show_with(req, path.into_inner(), service, false).await
}

/// `GET /{kind}/:id/members/all/:user_id`.
pub async fn show_all(
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    show_with(req, path.into_inner(), service, true).await
}

async fn show_with(
    req: HttpRequest,
    (kind, key, user_key): (String, String, String),
    service: web::Data<TokenService>,
    inherited: bool,
) -> Result<HttpResponse, GitLabError> {
    let member = reading(&req, &service, move |acting| {
        let members = members_here(acting, &kind, &key, inherited)?;
        let user = acting.find_user(&user_key)?;
        find(members, user.id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(member_json(&member, &base_url(&req))))
}

/// `POST /{kind}/:id/members`: 201, or 409 when the user is a member already.
pub async fn add(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let (kind, key) = path.into_inner();
    let params = Params::with_body(&req, payload).await;
    let member = writing(&req, &service, move |acting| {
        let manager = manager(acting, &kind, &key)?;
        let params = params?;
        let level = access_level(&params)?;
        let user_key = params
            .id_or_path("user_id")?
            .or(params.text("username")?.map(str::to_owned))
            .ok_or_else(|| GitLabError::missing("user_id"))?;
        let user = acting.find_user(&user_key)?;
        acting.add_member_as(&manager, &user.username, level)?;
        logged(acting, &manager, &user.username, "member added");
        let members = members_here(acting, &kind, &key, false)?;
        find(members, user.id)
    })
    .await?;
    Ok(HttpResponse::Created().json(member_json(&member, &base_url(&req))))
}

/// `PUT /{kind}/:id/members/:user_id` with `access_level`.
pub async fn change(
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    payload: web::Payload,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let (kind, key, user_key) = path.into_inner();
    let params = Params::with_body(&req, payload).await;
    let member = writing(&req, &service, move |acting| {
        let manager = manager(acting, &kind, &key)?;
        let level = access_level(&params?)?;
        let user = acting.find_user(&user_key)?;
        acting.change_member_as(&manager, &user.username, level)?;
        logged(acting, &manager, &user.username, "member changed");
        let members = members_here(acting, &kind, &key, false)?;
        find(members, user.id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(member_json(&member, &base_url(&req))))
}

/// `DELETE /{kind}/:id/members/:user_id`: 204.
pub async fn remove(
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let (kind, key, user_key) = path.into_inner();
    writing(&req, &service, move |acting| {
        let manager = manager(acting, &kind, &key)?;
        let user = acting.find_user(&user_key)?;
        acting.remove_member_as(&manager, &user.username)?;
        logged(acting, &manager, &user.username, "member removed");
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn members_here<S: Reads + ?Sized>(
    acting: &mut Acting<'_, S>,
    kind: &str,
    key: &str,
    inherited: bool,
) -> Result<Vec<Member>, AccessError> {
    if kind == "groups" {
        let access = acting.group_access(key)?;
        acting.group_members(&access, inherited)
    } else {
        let access = acting.project_access(key)?;
        acting.project_members(&access, inherited)
    }
}

fn manager<'t>(
    acting: &mut Writing<'t>,
    kind: &str,
    key: &str,
) -> Result<MemberManager<'t>, AccessError> {
    if kind == "groups" {
        acting.group_access(key)?.member_manager()
    } else {
        acting.project_access(key)?.member_manager()
    }
}

fn find(members: Vec<Member>, user_id: i64) -> Result<Member, GitLabError> {
    members
        .into_iter()
        .find(|m| m.user.id == user_id)
        .ok_or_else(|| GitLabError::not_found("Member"))
}

fn logged(acting: &Writing<'_>, manager: &MemberManager<'_>, member: &str, what: &'static str) {
    tracing::info!(
        user = %acting.caller().user().username,
        member,
        at = manager.of().path(),
        "{what}"
    );
}

/// The `access_level` parameter: 10, 20, 30, 40 or 50.
fn access_level(params: &Params) -> Result<AccessLevel, GitLabError> {
    let invalid = || GitLabError::bad_request("access_level does not have a valid value");
    let n = params
        .positive("access_level")
        .map_err(|_| invalid())?
        .ok_or_else(|| GitLabError::missing("access_level"))?;
    i64::try_from(n)
        .ok()
        .and_then(AccessLevel::from_value)
        .ok_or_else(invalid)
}

/// GitLab's member entity: the user's public fields and the role.
pub fn member_json(member: &Member, base: &str) -> Value {
    let mut value = user_json(&member.user, base, false);
    value["access_level"] = json!(member.level.value());
    value["expires_at"] = Value::Null;
    value["membership_state"] = json!("active");
    value
}
