//! `/-/user_settings/personal_access_tokens` (GitLab's path): the signed-in user's own
//! personal access tokens. Created with the CLI's and API's rules, shown once (after a
//! redirect, like deploy tokens), revoked after a confirmation step.

use super::admin::field_error;
use super::flash::{self, NewSecret};
use super::form::Form;
use super::pages::{ConfirmPage, PersonalTokensPage};
use super::session::{chrome, reading, removal, session_secret, writing};
use super::views::{CreatedView, TokenForm, TokenRow, date, expiry, last_use, personal_scopes};
use super::{UiError, error::render};
use crate::app::registry_auth::TokenService;
use crate::app::users::CreatePersonalToken;
use crate::domain::user::PersonalAccessToken;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};

const PAGE: &str = "/-/user_settings/personal_access_tokens";

/// Register the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(PAGE, web::get().to(page))
        .route(PAGE, web::post().to(create))
        .route(
            &format!("{PAGE}/{{id}}/revoke"),
            web::get().to(confirm_revoke),
        )
        .route(&format!("{PAGE}/{{id}}/revoke"), web::post().to(revoke));
}

async fn page(req: HttpRequest, service: web::Data<TokenService>) -> Result<HttpResponse, UiError> {
    let fresh = session_secret(&req).and_then(|s| flash::take(&req, service.app(), &s, PAGE));
    let revoked = req
        .query_string()
        .strip_prefix("revoked=")
        .map(str::to_owned);
    let had_flash = flash::present(&req);
    let created = fresh.map(|(new, _)| new);
    let mut res = render_page(
        &req,
        &service,
        TokenForm::default(),
        created,
        revoked,
        StatusCode::OK,
    )
    .await?;
    if had_flash {
        res.add_cookie(&removal(&req, flash::FLASH_COOKIE))
            .map_err(|e| UiError::internal(&e))?;
    }
    Ok(res)
}

async fn render_page(
    req: &HttpRequest,
    service: &web::Data<TokenService>,
    mut form: TokenForm,
    created: Option<NewSecret>,
    revoked: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, UiError> {
    let page = reading(req, service, move |acting, secret| {
        let tokens = acting.own_personal_tokens()?;
        let now = acting.now();
        let notice = revoked
            .and_then(|id| tokens.iter().find(|t| t.id.to_string() == id))
            .map(|t| {
                format!(
                    "Revoked personal access token “{}”. It no longer works.",
                    t.name
                )
            });
        let row = |t: &PersonalAccessToken| TokenRow {
            id: t.id,
            name: t.name.clone(),
            username: String::new(),
            created: date(t.created_at),
            expires: expiry(t.expires_at),
            last_used: last_use(t.last_used_at),
            scopes: t.scopes.names().join(", "),
            status: if t.revoked { "Revoked" } else { "Expired" },
        };
        let (active, inactive): (Vec<_>, Vec<_>) = tokens.iter().partition(|t| t.is_active(now));
        if form.scopes.is_empty() {
            form.scopes = personal_scopes(&[]);
        }
        Ok(PersonalTokensPage {
            chrome: chrome("Personal access tokens", acting.caller(), secret),
            form,
            created: created.map(|c| CreatedView {
                name: c.name,
                username: c.username,
                token: c.token,
            }),
            notice,
            active: active.into_iter().map(row).collect(),
            inactive: inactive.into_iter().map(row).collect(),
        })
    })
    .await?;
    let mut res = render(&page)?;
    *res.status_mut() = status;
    Ok(res)
}

async fn create(
    req: HttpRequest,
    body: Bytes,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let form = Form::parse(&body)?;
    let name = form.text("name");
    let scopes = form.all("scopes");
    let expires_at = form.optional("expires_at").map(str::to_owned);
    let (n, s, e) = (name.clone(), scopes.clone(), expires_at.clone());
    let outcome = writing(&req, &service, &form, move |acting, _| {
        let request = CreatePersonalToken {
            name: &n,
            scopes: s.iter().map(String::as_str).collect(),
            expires_at: e.as_deref(),
        };
        let created = acting
            .create_own_personal_token(&request)
            .map_err(field_error)?;
        Ok(NewSecret {
            name: created.token.name,
            username: String::new(),
            token: created.secret.expose().to_owned(),
        })
    })
    .await;
    match outcome {
        Ok(new) => {
            let secret = session_secret(&req).ok_or(UiError::SignInRequired)?;
            let cookie = flash::seal(&req, service.app(), &secret, PAGE, &new)?;
            Ok(HttpResponse::SeeOther()
                .insert_header((LOCATION, PAGE))
                .cookie(cookie)
                .finish())
        }
        Err(UiError::Field { field, message }) => {
            let mut form = TokenForm {
                name,
                expires_at: expires_at.unwrap_or_default(),
                scopes: personal_scopes(&scopes),
                open: true,
                ..TokenForm::default()
            };
            form.errors.set(field, message);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_page(&req, &service, form, None, None, status).await
        }
        Err(e) => Err(e),
    }
}

async fn confirm_revoke(
    req: HttpRequest,
    id: web::Path<i64>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let id = id.into_inner();
    let page = reading(&req, &service, move |acting, secret| {
        let token = acting
            .own_personal_tokens()?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(UiError::NotFound)?;
        Ok(ConfirmPage {
            chrome: chrome("Revoke personal access token", acting.caller(), secret),
            heading: format!("Revoke personal access token “{}”?", token.name),
            message: "Scripts and clients using it lose access at once. This cannot be undone."
                .into(),
            action: format!("{PAGE}/{id}/revoke"),
            button: format!("Revoke {}", token.name),
            cancel: PAGE.into(),
        })
    })
    .await?;
    render(&page)
}

async fn revoke(
    req: HttpRequest,
    id: web::Path<i64>,
    body: Bytes,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let id = id.into_inner();
    let form = Form::parse(&body)?;
    writing(&req, &service, &form, move |acting, _| {
        acting.revoke_own_personal_token(id)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("{PAGE}?revoked={id}")))
        .finish())
}
