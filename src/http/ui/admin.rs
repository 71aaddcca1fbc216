//! `/admin/users`, for administrators: create users with a password, make or unmake
//! administrators, block and unblock. To anyone else the page does not exist (404).

use super::form::Form;
use super::pages::AdminUsersPage;
use super::session::{chrome, reading, writing};
use super::views::{UserForm, UserRow, date};
use super::{UiError, error::render};
use crate::app::AppError;
use crate::app::access::AccessError;
use crate::app::registry_auth::TokenService;
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
pub(super) fn field_error(e: AccessError) -> UiError {
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

pub(super) fn query_notice(req: &HttpRequest) -> Option<String> {
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

pub(super) fn notice_redirect(base: &str, notice: &str) -> HttpResponse {
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
