//! `GET`, `PUT` and `DELETE /api/v4/projects/:id` and `POST /api/v4/projects`, in GitLab's
//! project shape. `PUT` takes `name`, `visibility` and `container_registry_access_level`
//! (Maintainer; a path never changes); `DELETE` (Owner) removes the project and its deploy
//! tokens, which stop working at once, and answers 202.

use super::auth::{base_url, reading, writing};
use super::error::GitLabError;
use super::groups::{accepted, full_name, optional_visibility, same_path, visibility};
use super::params::Params;
use crate::app::deploy_tokens::rfc3339;
use crate::app::guarded::NamespaceFields;
use crate::app::registry_auth::TokenService;
use crate::domain::namespace::{Group, Project, RegistryAccess};
use crate::storage::ProjectChanges;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// `GET /projects/:id` (numeric id or URL-encoded full path).
pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = path.into_inner();
    let (project, namespaces) = reading(&req, &service, move |acting| {
        let access = acting.project_access(&key)?;
        Ok((access.project, access.namespaces))
    })
    .await?;
    Ok(HttpResponse::Ok().json(project_json(&project, &namespaces, &base_url(&req))))
}

/// `POST /projects` with `name` and/or `path`, `namespace_id` (a group id or full path),
/// optional `visibility` and `container_registry_access_level`. Needs Maintainer+ on the
/// group. regauth has no personal namespaces, so `namespace_id` is required.
pub async fn create(
    req: HttpRequest,
    payload: web::Payload,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let params = Params::with_body(&req, payload).await;
    let (project, namespaces) = writing(&req, &service, move |acting| {
        let params = params?;
        let (name, path) = name_and_path(&params)?;
        let visibility = visibility(&params)?;
        let registry = registry_access(&params)?.unwrap_or(RegistryAccess::Enabled);
        let namespace = params.id_or_path("namespace_id")?.ok_or_else(|| {
            GitLabError::bad_request(
                "namespace_id is missing: regauth has no personal namespaces; give a group id or full path",
            )
        })?;
        let group = acting.group_access(&namespace)?;
        let creator = group.project_creator()?;
        let fields = NamespaceFields {
            path: &path,
            name: &name,
            visibility,
        };
        let project = acting.create_project_as(&creator, &fields, registry)?;
        tracing::info!(user = %acting.caller().user().username, project = %project.path, "project created");
        Ok((project, group.chain))
    })
    .await?;
    let body = project_json(&project, &namespaces, &base_url(&req));
    Ok(HttpResponse::Created().json(body))
}

/// `PUT /projects/:id`.
pub async fn update(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = path.into_inner();
    let params = Params::with_body(&req, payload).await;
    let (project, namespaces) = writing(&req, &service, move |acting| {
        let access = acting.project_access(&key)?;
        let changer = access.changer()?;
        let params = params?;
        same_path(&params, &access.project.path)?;
        let changes = ProjectChanges {
            name: params.text("name")?,
            visibility: optional_visibility(&params)?,
            registry: registry_access(&params)?,
        };
        let project = acting.update_project_as(&changer, &changes)?;
        tracing::info!(user = %acting.caller().user().username, project = %project.path, "project changed");
        Ok((project, access.namespaces))
    })
    .await?;
    Ok(HttpResponse::Ok().json(project_json(&project, &namespaces, &base_url(&req))))
}

/// `DELETE /projects/:id`: 202.
pub async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let key = path.into_inner();
    writing(&req, &service, move |acting| {
        let access = acting.project_access(&key)?;
        let remover = access.remover()?;
        acting.delete_project_as(&remover)?;
        tracing::info!(user = %acting.caller().user().username, project = %access.project.path, "project deleted");
        Ok(())
    })
    .await?;
    Ok(accepted())
}

/// The `container_registry_access_level` parameter, if given.
fn registry_access(params: &Params) -> Result<Option<RegistryAccess>, GitLabError> {
    let key = "container_registry_access_level";
    params.text(key)?.map_or(Ok(None), |word| {
        word.parse()
            .map(Some)
            .map_err(|e| GitLabError::invalid(key, e))
    })
}

/// GitLab takes `name`, `path` or both; the missing one is derived from the other.
fn name_and_path(params: &Params) -> Result<(String, String), GitLabError> {
    match (params.text("name")?, params.text("path")?) {
        (Some(name), Some(path)) => Ok((name.to_owned(), path.to_owned())),
        (None, Some(path)) => Ok((path.to_owned(), path.to_owned())),
        (Some(name), None) => Ok((name.to_owned(), path_from_name(name))),
        (None, None) => Err(GitLabError::bad_request(
            "name, path are missing, at least one parameter must be provided",
        )),
    }
}

/// `My App` → `my-app`: lowercase, anything but letters, digits, `.` and `_` becomes `-`.
fn path_from_name(name: &str) -> String {
    let mut path = String::new();
    for c in name.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            path.push(c);
        } else if !path.ends_with('-') {
            path.push('-');
        }
    }
    path.trim_matches('-').to_owned()
}

/// GitLab's project entity; `namespaces` is the project's group chain, outermost first.
pub fn project_json(project: &Project, namespaces: &[Group], base: &str) -> Value {
    let namespace = namespaces.last().map_or(Value::Null, |g| {
        json!({
            "id": g.id,
            "name": g.name,
            "path": g.path.rsplit('/').next().unwrap_or(&g.path),
            "kind": "group",
            "full_path": g.path,
            "parent_id": g.parent_id,
            "web_url": format!("{base}/groups/{}", g.path),
        })
    });
    json!({
        "id": project.id,
        "name": project.name,
        "path": project.path.rsplit('/').next().unwrap_or(&project.path),
        "path_with_namespace": project.path,
        "name_with_namespace": format!("{} / {}", full_name(namespaces), project.name),
        "description": null,
        "visibility": project.visibility.as_str(),
        "container_registry_enabled": project.registry != RegistryAccess::Disabled,
        "container_registry_access_level": project.registry.as_str(),
        "namespace": namespace,
        "web_url": format!("{base}/{}", project.path),
        "created_at": rfc3339(project.created_at),
    })
}

#[cfg(test)]
mod tests {
    use super::path_from_name;

    #[test]
    fn paths_derived_from_names() {
        assert_eq!(path_from_name("My App"), "my-app");
        assert_eq!(path_from_name("  web.site_v2 "), "web.site_v2");
        assert_eq!(path_from_name("a -- b!"), "a-b");
    }
}
