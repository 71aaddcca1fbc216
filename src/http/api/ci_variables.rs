//! `GET /api/v4/projects/:id/ci_variables`: the variables a CI job of the project gets, for a
//! CI runner acting as a Maintainer+ user or an administrator. GitLab's own runner receives
//! them inside the job payload, so GitLab has no such endpoint; this one sits beside
//! `deploy_tokens`, in the same snake_case style, and answers in the runner's variable shape.

use super::auth::reading;
use super::error::GitLabError;
use crate::app::ci_variables::CiSettings;
use crate::app::registry_auth::TokenService;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpRequest, HttpResponse, web};

/// `GET /projects/:id/ci_variables` (numeric id or URL-encoded full path): 200 with
/// `[{"key","value","public","masked"}]`, as `regauth ci-variables --format json` prints.
pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
    settings: web::Data<CiSettings>,
) -> Result<HttpResponse, GitLabError> {
    let key = path.into_inner();
    let registry = settings.registry.clone();
    let variables = reading(&req, &service, move |acting| {
        let reader = acting.project_access(&key)?.ci_variables_reader()?;
        let variables = acting.ci_variables_as(&reader, registry.as_deref())?;
        // Who read the secrets, never the secrets.
        tracing::info!(user = %acting.caller().user().username, project = %reader.project_path(), "CI variables read");
        Ok(variables)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(variables))
}
