//! `GET /version` and `GET /metadata`: which GitLab API regauth speaks and which regauth
//! answers. The version is a GitLab version (tools such as the Terraform provider compare
//! it to enable features), with regauth's own version as build metadata after `+`, which
//! version comparisons ignore.

use super::auth::reading;
use super::error::GitLabError;
use crate::app::registry_auth::TokenService;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// The GitLab release whose API (for the endpoints regauth serves) regauth follows.
pub const GITLAB_API_VERSION: &str = "17.0.0";

/// `17.0.0+regauth.0.1.0`.
pub fn version_string() -> String {
    format!("{GITLAB_API_VERSION}+regauth.{}", env!("CARGO_PKG_VERSION"))
}

fn revision() -> String {
    format!("regauth-{}", env!("CARGO_PKG_VERSION"))
}

/// `GET /version`: `{"version","revision"}` (python-gitlab's `gl.version()`).
pub async fn version(
    req: HttpRequest,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    reading(&req, &service, |_| Ok(())).await?;
    Ok(HttpResponse::Ok().json(json!({"version": version_string(), "revision": revision()})))
}

/// `GET /metadata`: the version, no KAS, not the enterprise edition.
pub async fn metadata(
    req: HttpRequest,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    reading(&req, &service, |_| Ok(())).await?;
    let body: Value = json!({
        "version": version_string(),
        "revision": revision(),
        "kas": {"enabled": false, "externalUrl": null, "externalK8sProxyUrl": null, "version": null},
        "enterprise": false,
    });
    Ok(HttpResponse::Ok().json(body))
}
