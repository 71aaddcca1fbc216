//! `/api/v4`: the parts of GitLab's REST API that regauth manages (the current user, groups,
//! projects, deploy tokens, CI variables), with GitLab's paths, JSON shapes, errors and pagination, so
//! that python-gitlab and other GitLab clients work unmodified. Callers authenticate with a
//! personal access token; deploy tokens are refused everywhere here.

pub mod audit_events;
pub mod auth;
pub mod ci_variables;
pub mod deploy_tokens;
pub mod error;
pub mod groups;
pub mod pagination;
pub mod params;
pub mod projects;
pub mod users;

use actix_web::middleware::{NormalizePath, TrailingSlash};
use actix_web::web;
use error::GitLabError;

/// `projects` or `groups` in a path: both hold deploy tokens the same way.
const HOLDER: &str = "/{kind:projects|groups}/{id}";

/// Register `/api/v4` on `cfg`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let tokens = format!("{HOLDER}/deploy_tokens");
    let token = format!("{HOLDER}/deploy_tokens/{{token_id}}");
    cfg.service(
        web::scope("/api/v4")
            // GitLab's own examples end some paths with `/`.
            .wrap(NormalizePath::new(TrailingSlash::Trim))
            .route("/user", web::get().to(users::current))
            .route("/groups", web::post().to(groups::create))
            .route("/groups/{id}", web::get().to(groups::show))
            .route("/projects", web::post().to(projects::create))
            .route("/projects/{id}", web::get().to(projects::show))
            .route(
                "/projects/{id}/ci_variables",
                web::get().to(ci_variables::show),
            )
            .route("/audit_events", web::get().to(audit_events::list))
            .route("/deploy_tokens", web::get().to(deploy_tokens::list_all))
            .route(&tokens, web::get().to(deploy_tokens::list))
            .route(&tokens, web::post().to(deploy_tokens::create))
            .route(&token, web::get().to(deploy_tokens::show))
            .route(&token, web::delete().to(deploy_tokens::revoke))
            .default_service(web::to(not_found)),
    );
}

/// Anything else under `/api/v4`, as GitLab answers it.
async fn not_found() -> Result<actix_web::HttpResponse, GitLabError> {
    Err(GitLabError::with_status(
        actix_web::http::StatusCode::NOT_FOUND,
        "404 Not Found",
    ))
}
