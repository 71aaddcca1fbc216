//! `…/-/members` of a group or project, for administrators: the direct members with their
//! roles; add with a role, change, remove. To anyone else the page does not exist (404).

use super::admin::{field_error, notice_redirect, query_notice};
use super::form::Form;
use super::namespaces::{Target, resolve};
use super::pages::MembersPage;
use super::session::{chrome, reading, writing};
use super::views::{MemberForm, MemberRow, role_name, role_options};
use super::{UiError, error::render};
use crate::app::registry_auth::TokenService;
use crate::domain::role::AccessLevel;
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};

/// `GET …/-/members`.
pub async fn page(
    req: HttpRequest,
    service: web::Data<TokenService>,
    target: Target,
) -> Result<HttpResponse, UiError> {
    let notice = query_notice(&req);
    let form = MemberForm {
        role: AccessLevel::Developer.value(),
        ..MemberForm::default()
    };
    render_members(&req, &service, target, form, notice, StatusCode::OK).await
}

async fn render_members(
    req: &HttpRequest,
    service: &web::Data<TokenService>,
    target: Target,
    form: MemberForm,
    notice: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, UiError> {
    let page = reading(req, service, move |acting, secret| {
        let resolved = resolve(acting, &target)?;
        let manager = resolved.members.as_ref().ok_or(UiError::NotFound)?;
        let members = acting
            .members_as(manager)?
            .into_iter()
            .map(|(u, level)| MemberRow {
                username: u.username,
                role: level.value(),
            })
            .collect();
        Ok(MembersPage {
            chrome: chrome("Members", acting.caller(), secret),
            holder: resolved.view,
            section: "members",
            form,
            notice,
            roles: role_options(),
            members,
        })
    })
    .await?;
    let mut res = render(&page)?;
    *res.status_mut() = status;
    Ok(res)
}

fn role_of(form: &Form) -> Result<AccessLevel, UiError> {
    form.first("role")
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| UiError::BadRequest("choose a role".into()))
}

/// `POST …/-/members`: add a member with a role.
pub async fn add(
    req: HttpRequest,
    service: web::Data<TokenService>,
    target: Target,
    body: Bytes,
) -> Result<HttpResponse, UiError> {
    let form = Form::parse(&body)?;
    let level = role_of(&form)?;
    let username = form.text("username");
    let (t, name) = (target.clone(), username.clone());
    let outcome = writing(&req, &service, &form, move |acting, _| {
        let resolved = resolve(acting, &t)?;
        let manager = resolved.members.ok_or(UiError::NotFound)?;
        acting
            .add_member_as(&manager, &name, level)
            .map_err(field_error)?;
        Ok(format!("Added {name} as {}.", role_name(level)))
    })
    .await;
    match outcome {
        Ok(notice) => Ok(notice_redirect(&members_url(&target), &notice)),
        Err(UiError::Field { field, message }) => {
            let mut form = MemberForm {
                username,
                role: level.value(),
                ..MemberForm::default()
            };
            form.errors.set(field, message);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_members(&req, &service, target, form, None, status).await
        }
        Err(e) => Err(e),
    }
}

fn members_url(target: &Target) -> String {
    format!("{}/-/members", target.url())
}

/// `POST …/-/members/{username}`: change a member's role.
pub async fn change(
    req: HttpRequest,
    service: web::Data<TokenService>,
    target: Target,
    username: String,
    body: Bytes,
) -> Result<HttpResponse, UiError> {
    let form = Form::parse(&body)?;
    let level = role_of(&form)?;
    let t = target.clone();
    let notice = writing(&req, &service, &form, move |acting, _| {
        let resolved = resolve(acting, &t)?;
        let manager = resolved.members.ok_or(UiError::NotFound)?;
        acting.change_member_as(&manager, &username, level)?;
        Ok(format!("{username} is now {}.", role_name(level)))
    })
    .await?;
    Ok(notice_redirect(&members_url(&target), &notice))
}

/// `POST …/-/members/{username}/remove`: take a member's role away.
pub async fn remove(
    req: HttpRequest,
    service: web::Data<TokenService>,
    target: Target,
    username: String,
    body: Bytes,
) -> Result<HttpResponse, UiError> {
    let form = Form::parse(&body)?;
    let t = target.clone();
    let notice = writing(&req, &service, &form, move |acting, _| {
        let resolved = resolve(acting, &t)?;
        let manager = resolved.members.ok_or(UiError::NotFound)?;
        acting.remove_member_as(&manager, &username)?;
        Ok(format!("Removed {username}."))
    })
    .await?;
    Ok(notice_redirect(&members_url(&target), &notice))
}
