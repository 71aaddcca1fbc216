//! Administration pages: `/admin/users` (create with a password, make or unmake
//! administrator, block and unblock) and `…/-/members` of a group or project (add with a
//! role, change, remove). Only administrators get the capabilities; to anyone else these
//! pages do not exist (404).

use super::form::Form;
use super::namespaces::{Target, resolve};
use super::pages::{AdminUsersPage, MembersPage};
use super::session::{chrome, reading, writing};
use super::views::{MemberForm, MemberRow, UserForm, UserRow, date, role_options};
use super::{UiError, error::render};
use crate::app::AppError;
use crate::app::access::AccessError;
use crate::app::registry_auth::TokenService;
use crate::domain::role::AccessLevel;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};

const USERS: &str = "/admin/users";

/// Register the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(USERS, web::get().to(users_page))
        .route(USERS, web::post().to(create_user))
        .route(
            "/admin/users/{username}/{action:admin|block|unblock}",
            web::post().to(change_user),
        );
}

/// A use case's refusal of a field, kept for showing next to it.
fn field_error(e: AccessError) -> UiError {
    match e {
        AccessError::App(AppError::Invalid { field, message }) => UiError::Field { field, message },
        AccessError::App(AppError::Conflict(message)) => UiError::Field {
            field: "username",
            message,
        },
        AccessError::App(AppError::NotFound(message)) => UiError::Field {
            field: "username",
            message,
        },
        e => e.into(),
    }
}

async fn users_page(
    req: HttpRequest,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let notice = query_notice(&req);
    render_users(&req, &service, UserForm::default(), notice, StatusCode::OK).await
}

fn query_notice(req: &HttpRequest) -> Option<String> {
    let query: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).ok()?;
    query
        .into_iter()
        .find(|(k, _)| k == "notice")
        .map(|(_, v)| v)
}

async fn render_users(
    req: &HttpRequest,
    service: &web::Data<TokenService>,
    form: UserForm,
    notice: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, UiError> {
    let page = reading(req, service, move |acting, secret| {
        let admin = acting.user_admin()?;
        let me = acting.caller().user().id;
        let users = acting
            .users_as(&admin)?
            .into_iter()
            .map(|u| UserRow {
                created: date(u.created_at),
                is_self: u.id == me,
                username: u.username,
                is_admin: u.is_admin,
                blocked: u.blocked,
            })
            .collect();
        Ok(AdminUsersPage {
            chrome: chrome("Users", acting.caller(), secret),
            form,
            password_rule: "At least 8 characters. The user signs in with it and creates their own access tokens.",
            notice,
            users,
        })
    })
    .await?;
    let mut res = render(&page)?;
    *res.status_mut() = status;
    Ok(res)
}

fn notice_redirect(base: &str, notice: &str) -> HttpResponse {
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("{base}?{query}")))
        .finish()
}

async fn create_user(
    req: HttpRequest,
    body: Bytes,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let form = Form::parse(&body)?;
    let username = form.text("username");
    let password = form.text("password");
    let admin = form.first("admin") == Some("1");
    let name = username.clone();
    let outcome = writing(&req, &service, &form, move |acting, _| {
        let capability = acting.user_admin()?;
        let user = acting
            .create_user_as(&capability, &name, &password, admin)
            .map_err(field_error)?;
        tracing::info!(admin = %acting.caller().user().username, user = %user.username, "user created in the web UI");
        Ok(user)
    })
    .await;
    match outcome {
        Ok(user) => Ok(notice_redirect(
            USERS,
            &format!("Created user {}.", user.username),
        )),
        Err(UiError::Field { field, message }) => {
            let mut form = UserForm {
                username,
                admin,
                open: true,
                ..UserForm::default()
            };
            form.errors.set(field, message);
            render_users(&req, &service, form, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

async fn change_user(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: Bytes,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let (username, action) = path.into_inner();
    let form = Form::parse(&body)?;
    let make_admin = form.first("admin") == Some("1");
    let notice = writing(&req, &service, &form, move |acting, _| {
        let capability = acting.user_admin()?;
        let notice = match action.as_str() {
            "admin" => {
                let u = acting.set_admin_as(&capability, &username, make_admin)?;
                let what = if make_admin { "is now an administrator" } else { "is no longer an administrator" };
                format!("{} {what}.", u.username)
            }
            verb => {
                let u = acting.set_blocked_as(&capability, &username, verb == "block")?;
                format!("{} is {verb}ed.", u.username)
            }
        };
        tracing::info!(admin = %acting.caller().user().username, change = %notice, "user changed in the web UI");
        Ok(notice)
    })
    .await?;
    Ok(notice_redirect(USERS, &notice))
}

/// `GET …/-/members`.
pub async fn members_page(
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
pub async fn add_member(
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
        Ok(format!(
            "Added {name} as {}.",
            super::views::role_name(level)
        ))
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
pub async fn change_member(
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
        Ok(format!(
            "{username} is now {}.",
            super::views::role_name(level)
        ))
    })
    .await?;
    Ok(notice_redirect(&members_url(&target), &notice))
}

/// `POST …/-/members/{username}/remove`: take a member's role away.
pub async fn remove_member(
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
