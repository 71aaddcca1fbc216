//! `/api/v4`: the parts of GitLab's REST API that regauth manages (users, groups, projects,
//! members, personal access tokens, deploy tokens, CI variables, version), with GitLab's
//! paths, JSON shapes, errors and pagination, so that python-gitlab and other GitLab
//! clients work unmodified. Callers authenticate with a personal access token; deploy
//! tokens are refused everywhere here. A known path asked with a method it does not take
//! answers 405 with `Allow`; an unknown path 404.

pub mod audit_events;
pub mod auth;
pub mod ci_variables;
pub mod deploy_tokens;
pub mod error;
pub mod groups;
pub mod listing;
pub mod members;
pub mod meta;
pub mod pagination;
pub mod params;
pub mod personal_tokens;
pub mod projects;
pub mod users;

use actix_web::http::StatusCode;
use actix_web::middleware::{NormalizePath, TrailingSlash};
use actix_web::{HttpResponse, Resource, web};
use error::GitLabError;

/// `projects` or `groups` in a path: both hold deploy tokens and members the same way.
const HOLDER: &str = "/{kind:projects|groups}/{id}";

/// Register `/api/v4` on `cfg`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v4")
            // GitLab's own examples end some paths with `/`.
            .wrap(NormalizePath::new(TrailingSlash::Trim))
            .configure(namespaces)
            .configure(people)
            .configure(tokens)
            .default_service(web::to(not_found)),
    );
}

/// Groups, projects and their members.
fn namespaces(cfg: &mut web::ServiceConfig) {
    let members = format!("{HOLDER}/members");
    cfg.service(
        resource("/groups", "GET, POST")
            .route(web::get().to(listing::groups))
            .route(web::post().to(groups::create)),
    )
    .service(
        resource("/groups/{id}", "GET, PUT, DELETE")
            .route(web::get().to(groups::show))
            .route(web::put().to(groups::update))
            .route(web::delete().to(groups::delete)),
    )
    .service(resource("/groups/{id}/subgroups", "GET").route(web::get().to(listing::subgroups)))
    .service(resource("/groups/{id}/projects", "GET").route(web::get().to(listing::group_projects)))
    .service(
        resource("/projects", "GET, POST")
            .route(web::get().to(listing::projects))
            .route(web::post().to(projects::create)),
    )
    .service(
        resource("/projects/{id}", "GET, PUT, DELETE")
            .route(web::get().to(projects::show))
            .route(web::put().to(projects::update))
            .route(web::delete().to(projects::delete)),
    )
    .service(
        resource("/projects/{id}/ci_variables", "GET").route(web::get().to(ci_variables::show)),
    )
    .service(
        resource(&members, "GET, POST")
            .route(web::get().to(members::list))
            .route(web::post().to(members::add)),
    )
    .service(resource(&format!("{members}/all"), "GET").route(web::get().to(members::list_all)))
    .service(
        resource(&format!("{members}/all/{{user_id}}"), "GET")
            .route(web::get().to(members::show_all)),
    )
    .service(
        resource(&format!("{members}/{{user_id}}"), "GET, PUT, DELETE")
            .route(web::get().to(members::show))
            .route(web::put().to(members::change))
            .route(web::delete().to(members::remove)),
    );
}

/// Users, the caller, the audit trail and the instance's version.
fn people(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/user", "GET").route(web::get().to(users::current)))
        .service(
            resource("/users", "GET, POST")
                .route(web::get().to(users::list))
                .route(web::post().to(users::create)),
        )
        .service(
            resource("/users/{id}", "GET, PUT, DELETE")
                .route(web::get().to(users::show))
                .route(web::put().to(users::update))
                .route(web::delete().to(users::delete)),
        )
        .service(resource("/users/{id}/block", "POST").route(web::post().to(users::block)))
        .service(resource("/users/{id}/unblock", "POST").route(web::post().to(users::unblock)))
        .service(
            resource("/users/{id}/personal_access_tokens", "POST")
                .route(web::post().to(personal_tokens::create_for_user)),
        )
        .service(resource("/audit_events", "GET").route(web::get().to(audit_events::list)))
        .service(resource("/version", "GET").route(web::get().to(meta::version)))
        .service(resource("/metadata", "GET").route(web::get().to(meta::metadata)));
}

/// Personal access tokens and deploy tokens.
fn tokens(cfg: &mut web::ServiceConfig) {
    let deploy = format!("{HOLDER}/deploy_tokens");
    cfg.service(
        resource("/personal_access_tokens", "GET").route(web::get().to(personal_tokens::list)),
    )
    .service(
        resource("/personal_access_tokens/{id}", "GET, DELETE")
            .route(web::get().to(personal_tokens::show))
            .route(web::delete().to(personal_tokens::revoke)),
    )
    .service(
        resource("/personal_access_tokens/{id}/rotate", "POST")
            .route(web::post().to(personal_tokens::rotate)),
    )
    .service(resource("/deploy_tokens", "GET").route(web::get().to(deploy_tokens::list_all)))
    .service(
        resource(&deploy, "GET, POST")
            .route(web::get().to(deploy_tokens::list))
            .route(web::post().to(deploy_tokens::create)),
    )
    .service(
        resource(&format!("{deploy}/{{token_id}}"), "GET, DELETE")
            .route(web::get().to(deploy_tokens::show))
            .route(web::delete().to(deploy_tokens::revoke)),
    );
}

/// A path whose other methods answer 405 with `Allow: allow` (without this, actix would
/// hand them to the scope's 404).
fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<HttpResponse, _>(GitLabError::not_allowed(allow))
    }))
}

/// Anything else under `/api/v4`, as GitLab answers it.
async fn not_found() -> Result<HttpResponse, GitLabError> {
    Err(GitLabError::with_status(
        StatusCode::NOT_FOUND,
        "404 Not Found",
    ))
}
