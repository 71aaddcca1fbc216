//! `GET`, `PUT` and `DELETE /api/v4/groups/:id` and `POST /api/v4/groups`, in GitLab's
//! group shape. A group's path cannot change (every image name below it would), so `PUT`
//! takes `name` and `visibility`; `DELETE` removes the group with everything in it, as
//! GitLab does, and answers 202.

use super::auth::{base_url, reading, writing};
use super::error::GitLabError;
use super::params::Params;
use crate::app::deploy_tokens::rfc3339;
use crate::app::guarded::NamespaceFields;
use crate::app::registry_auth::TokenService;
use crate::domain::namespace::{Group, Visibility};
use crate::storage::GroupChanges;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// `GET /groups/:id` (numeric id or URL-encoded full path).
pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = path.into_inner();
    let chain = reading(&req, &service, move |acting| {
        Ok(acting.group_access(&key)?.chain)
    })
    .await?;
    Ok(HttpResponse::Ok().json(group_json(&chain, &base_url(&req))))
}

/// `POST /groups` with `name`, `path`, optional `parent_id` and `visibility`. Top-level
/// groups may be created by any user; subgroups need Maintainer+ on the parent. The creator
/// becomes the group's owner.
pub async fn create(
    req: HttpRequest,
    payload: web::Payload,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let params = Params::with_body(&req, payload).await;
    let chain = writing(&req, &service, move |acting| {
        let params = params?;
        let name = params.required_text("name")?;
        let path = params.required_text("path")?;
        let visibility = visibility(&params)?;
        let creator = match params.id_or_path("parent_id")? {
            Some(parent) => acting.group_access(&parent)?.subgroup_creator()?,
            None => acting.top_level_group_creator(),
        };
        let fields = NamespaceFields {
            path,
            name,
            visibility,
        };
        let chain = acting.create_group_as(&creator, &fields)?;
        let path = chain.last().map(|g| g.path.as_str()).unwrap_or_default();
        tracing::info!(user = %acting.caller().user().username, group = path, "group created");
        Ok(chain)
    })
    .await?;
    Ok(HttpResponse::Created().json(group_json(&chain, &base_url(&req))))
}

/// `PUT /groups/:id` with `name` and/or `visibility` (Owner).
pub async fn update(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = path.into_inner();
    let params = Params::with_body(&req, payload).await;
    let chain = writing(&req, &service, move |acting| {
        let access = acting.group_access(&key)?;
        let changer = access.changer()?;
        let params = params?;
        let current = access.group().path.clone();
        same_path(&params, &current)?;
        let changes = GroupChanges {
            name: params.text("name")?,
            visibility: optional_visibility(&params)?,
        };
        let chain = acting.update_group_as(&changer, &changes)?;
        tracing::info!(user = %acting.caller().user().username, group = %current, "group changed");
        Ok(chain)
    })
    .await?;
    Ok(HttpResponse::Ok().json(group_json(&chain, &base_url(&req))))
}

/// `DELETE /groups/:id` (Owner): the group, its subgroups and projects and all their deploy
/// tokens are removed. 202, as GitLab answers.
pub async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = path.into_inner();
    writing(&req, &service, move |acting| {
        let access = acting.group_access(&key)?;
        let remover = access.remover()?;
        let removed = acting.delete_group_as(&remover)?;
        tracing::info!(
            user = %acting.caller().user().username,
            group = %access.group().path,
            groups = removed.groups,
            projects = removed.projects,
            "group deleted"
        );
        Ok(())
    })
    .await?;
    Ok(accepted())
}

/// 202 `{"message":"202 Accepted"}`, GitLab's answer to a removal.
pub fn accepted() -> HttpResponse {
    HttpResponse::Accepted().json(serde_json::json!({"message": "202 Accepted"}))
}

/// A `path` parameter must be the current one: paths do not change.
pub fn same_path(params: &Params, full_path: &str) -> Result<(), GitLabError> {
    let last = full_path.rsplit('/').next().unwrap_or(full_path);
    match params.text("path")? {
        Some(path) if path != last => Err(GitLabError::invalid(
            "path",
            "regauth cannot change a path (image names below it would change); create a new one",
        )),
        _ => Ok(()),
    }
}

/// The `visibility` parameter, if given.
pub fn optional_visibility(params: &Params) -> Result<Option<Visibility>, GitLabError> {
    params.text("visibility")?.map_or(Ok(None), |word| {
        word.parse()
            .map(Some)
            .map_err(|e| GitLabError::invalid("visibility", e))
    })
}

/// The `visibility` parameter, `private` when absent.
pub fn visibility(params: &Params) -> Result<Visibility, GitLabError> {
    Ok(optional_visibility(params)?.unwrap_or(Visibility::Private))
}

/// `Acme / Backend`: the display names of a group chain.
pub fn full_name(chain: &[Group]) -> String {
    chain
        .iter()
        .map(|g| g.name.as_str())
        .collect::<Vec<_>>()
        .join(" / ")
}

/// GitLab's group entity for the last group of `chain` (its ancestors come first).
pub fn group_json(chain: &[Group], base: &str) -> Value {
    let Some(group) = chain.last() else {
        return Value::Null;
    };
    json!({
        "id": group.id,
        "name": group.name,
        "path": group.path.rsplit('/').next().unwrap_or(&group.path),
        "full_path": group.path,
        "full_name": full_name(chain),
        "parent_id": group.parent_id,
        "visibility": group.visibility.as_str(),
        "description": "",
        "web_url": format!("{base}/groups/{}", group.path),
        "created_at": rfc3339(group.created_at),
    })
}
