//! `GET /api/v4/audit_events`: the instance's audit trail for administrators, newest
//! first, in GitLab's shape and pagination; `created_after` narrows it. Anyone else is
//! refused (401 without a valid token, 403 for a user who is not an administrator).

use super::auth::reading;
use super::error::GitLabError;
use super::pagination::Page;
use super::params::Params;
use crate::app::audit::{audit_event_json, parse_since};
use crate::app::registry_auth::TokenService;
use crate::storage::audit::AuditQuery;
use actix_web::{HttpRequest, HttpResponse, web};

/// `GET /audit_events?created_after=&page=&per_page=`.
pub async fn list(
    req: HttpRequest,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, GitLabError> {
    let params = Params::query(&req);
    // Refusals noted on the token path are written first, so the list shows them.
    let app = service.app().clone();
    web::block(move || app.flush_audit()).await??;
    let (events, total, page) = reading(&req, &service, move |acting| {
        let reader = acting.audit_reader()?;
        let params = params?;
        let page = Page::from_params(&params)?;
        let since = params.text("created_after")?.map(parse_since).transpose()?;
        let query = AuditQuery {
            since,
            offset: page.offset(),
            limit: page.limit(),
        };
        let (events, total) = acting.audit_events_as(&reader, &query)?;
        Ok((events, total, page))
    })
    .await?;
    let items = events.iter().map(audit_event_json).collect();
    Ok(page.respond_counted(&req, items, total))
}
