//! GitLab's lists of groups and projects: `GET /groups`, `GET /groups/:id/subgroups`,
//! `GET /projects` and `GET /groups/:id/projects`, with `search`, `owned`,
//! `min_access_level`, `all_available`, `membership`, `top_level_only`, `visibility`,
//! `include_subgroups` and offset pagination. Only what the caller may see is listed.

use super::auth::{base_url, reading};
use super::error::GitLabError;
use super::groups::group_json;
use super::pagination::Page;
use super::params::Params;
use super::projects::project_json;
use crate::app::listing::ListFilter;
use crate::app::registry_auth::TokenService;
use crate::domain::role::AccessLevel;
use actix_web::{HttpRequest, HttpResponse, web};

/// `GET /groups`.
pub async fn groups(
    req: HttpRequest,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    list_groups(req, service, None).await
}

/// `GET /groups/:id/subgroups`: the groups directly in it.
pub async fn subgroups(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    list_groups(req, service, Some(path.into_inner())).await
}

async fn list_groups(
    req: HttpRequest,
    service: web::Data<TokenService>,
    parent: Option<String>,
) -> Result<HttpResponse, GitLabError> {
    let params = Params::query(&req);
    let (listed, page) = reading(&req, &service, move |acting| {
        let params = params?;
        let (filter, page) = (filter(&params)?, Page::from_params(&params)?);
        let parent = parent.map(|key| acting.group_access(&key)).transpose()?;
        Ok((acting.list_groups(&filter, parent.as_ref())?, page))
    })
    .await?;
    let base = base_url(&req);
    let items = listed.iter().map(|g| group_json(&g.chain, &base)).collect();
    Ok(page.respond(&req, items))
}

/// `GET /projects`.
pub async fn projects(
    req: HttpRequest,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    list_projects(req, service, None).await
}

/// `GET /groups/:id/projects` (with `include_subgroups=true`, those of its subgroups too).
pub async fn group_projects(
    req: HttpRequest,
    path: web::Path<String>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    list_projects(req, service, Some(path.into_inner())).await
}

async fn list_projects(
    req: HttpRequest,
    service: web::Data<TokenService>,
    group: Option<String>,
) -> Result<HttpResponse, GitLabError> {
    let params = Params::query(&req);
    let (listed, page) = reading(&req, &service, move |acting| {
        let params = params?;
        let (filter, page) = (filter(&params)?, Page::from_params(&params)?);
        let deep = params.boolean("include_subgroups")?.unwrap_or(false);
        let group = group.map(|key| acting.group_access(&key)).transpose()?;
        let within = group.as_ref().map(|g| (g, deep));
        Ok((acting.list_projects(&filter, within)?, page))
    })
    .await?;
    let base = base_url(&req);
    let items = listed
        .iter()
        .map(|p| project_json(&p.item, &p.chain, &base))
        .collect();
    Ok(page.respond(&req, items))
}

/// The filters GitLab's lists take; each bad value is a 400 naming it.
fn filter(params: &Params) -> Result<ListFilter, GitLabError> {
    let min_access_level = match params.positive("min_access_level")? {
        Some(n) => Some(
            i64::try_from(n)
                .ok()
                .and_then(AccessLevel::from_value)
                .ok_or_else(|| {
                    GitLabError::bad_request("min_access_level does not have a valid value")
                })?,
        ),
        None => None,
    };
    let visibility = match params.text("visibility")? {
        Some(word) => Some(
            word.parse()
                .map_err(|e| GitLabError::invalid("visibility", e))?,
        ),
        None => None,
    };
    Ok(ListFilter {
        search: params
            .text("search")?
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        owned: params.boolean("owned")?.unwrap_or(false),
        min_access_level,
        all_available: params.boolean("all_available")?,
        membership: params.boolean("membership")?.unwrap_or(false),
        top_level_only: params.boolean("top_level_only")?.unwrap_or(false),
        visibility,
    })
}
