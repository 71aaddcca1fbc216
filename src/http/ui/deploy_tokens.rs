//! Settings › Repository › Deploy tokens of a project (Maintainer+) or group (Maintainer+
//! to see, Owner to add and revoke), as the document describes it: the Add token form, the
//! once-only panel with the new username and token, Active Deploy Tokens with Revoke (after
//! a confirmation step), and revoked or expired tokens listed apart. Creating and revoking
//! run the API's use cases with the API's capabilities.

use super::flash::{self, NewSecret};
use super::form::Form;
use super::namespaces::{Target, resolve};
use super::pages::{ConfirmPage, DeployTokensPage};
use super::session::{chrome, reading, session_secret, writing};
use super::views::{CreatedView, TokenForm, TokenRow, date, deploy_scopes, expiry, last_use};
use super::{UiError, error::render};
use crate::app::AppError;
use crate::app::access::AccessError;
use crate::app::acting::Writing;
use crate::app::guarded::DeployTokenFields;
use crate::app::registry_auth::TokenService;
use crate::domain::token::DeployToken;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use time::OffsetDateTime;

fn page_url(target: &Target) -> String {
    format!("{}/-/settings/repository", target.url())
}

/// `GET …/-/settings/repository`: the section, with a just-created token shown once.
pub async fn page(
    req: HttpRequest,
    service: web::Data<TokenService>,
    target: Target,
) -> Result<HttpResponse, UiError> {
    let url = page_url(&target);
    let fresh = session_secret(&req).and_then(|s| flash::take(&req, service.app(), &s, &url));
    let revoked = req
        .query_string()
        .strip_prefix("revoked=")
        .map(str::to_owned);
    let (created, removal) = match fresh {
        Some((new, removal)) => (Some(new), Some(removal)),
        None => (
            None,
            flash::present(&req).then(|| super::session::removal(&req, flash::FLASH_COOKIE)),
        ),
    };
    let mut res = render_page(
        &req,
        &service,
        target,
        TokenForm::default(),
        created,
        revoked,
        StatusCode::OK,
    )
    .await?;
    if let Some(removal) = removal {
        res.add_cookie(&removal)
            .map_err(|e| UiError::internal(&e))?;
    }
    Ok(res)
}

async fn render_page(
    req: &HttpRequest,
    service: &web::Data<TokenService>,
    target: Target,
    mut form: TokenForm,
    created: Option<NewSecret>,
    revoked: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, UiError> {
    let page = reading(req, service, move |acting, secret| {
        let resolved = resolve(acting, &target)?;
        let reader = resolved.reader.as_ref().ok_or(UiError::NotFound)?;
        let tokens = acting.deploy_tokens_as(reader, false)?;
        let now = acting.now();
        let notice = revoked
            .and_then(|id| tokens.iter().find(|t| t.id.to_string() == id))
            .map(|t| format!("Revoked deploy token “{}”. It no longer works.", t.name));
        let (active, inactive) = rows(&tokens, now);
        if form.scopes.is_empty() {
            form.scopes = deploy_scopes(&[]);
        }
        Ok(DeployTokensPage {
            chrome: chrome("Repository settings", acting.caller(), secret),
            can_manage: resolved.manager.is_some(),
            holder: resolved.view,
            section: "repository",
            form,
            created: created.map(|c| CreatedView {
                name: c.name,
                username: c.username,
                token: c.token,
            }),
            notice,
            active,
            inactive,
        })
    })
    .await?;
    let mut res = render(&page)?;
    *res.status_mut() = status;
    Ok(res)
}

fn rows(tokens: &[DeployToken], now: OffsetDateTime) -> (Vec<TokenRow>, Vec<TokenRow>) {
    let row = |t: &DeployToken| TokenRow {
        id: t.id,
        name: t.name.clone(),
        username: t.username.clone(),
        created: date(t.created_at),
        expires: expiry(t.expires_at),
        last_used: last_use(t.last_used_at),
        scopes: t.scopes.names().join(", "),
        status: if t.revoked { "Revoked" } else { "Expired" },
    };
    let (active, inactive): (Vec<&DeployToken>, Vec<&DeployToken>) =
        tokens.iter().partition(|t| t.is_active(now));
    (
        active.into_iter().map(row).collect(),
        inactive.into_iter().map(row).collect(),
    )
}

/// The fields of the Add token form, as typed.
#[derive(Clone)]
struct Typed {
    name: String,
    scopes: Vec<String>,
    username: Option<String>,
    expires_at: Option<String>,
}

impl Typed {
    fn of(form: &Form) -> Typed {
        Typed {
            name: form.text("name"),
            scopes: form.all("scopes"),
            username: form.optional("username").map(str::to_owned),
            expires_at: form.optional("expires_at").map(str::to_owned),
        }
    }

    /// The form again, open, with `message` next to `field`.
    fn refused(self, field: &str, message: String) -> TokenForm {
        let mut form = TokenForm {
            name: self.name,
            expires_at: self.expires_at.unwrap_or_default(),
            username: self.username.unwrap_or_default(),
            scopes: deploy_scopes(&self.scopes),
            open: true,
            ..TokenForm::default()
        };
        form.errors.set(field, message);
        form
    }
}

/// Create the token with the API's capability and use case; a refused field rolls the
/// transaction back and comes back as [`UiError::Field`].
fn create_in(
    acting: &mut Writing<'_>,
    target: &Target,
    typed: &Typed,
) -> Result<NewSecret, UiError> {
    let resolved = resolve(acting, target)?;
    let manager = resolved.manager.ok_or(UiError::NotFound)?;
    let fields = DeployTokenFields {
        name: &typed.name,
        scopes: typed.scopes.iter().map(String::as_str).collect(),
        username: typed.username.as_deref(),
        expires_at: typed.expires_at.as_deref(),
        // The document's form has no repository restriction: the API sets one.
        repositories: None,
    };
    match acting.create_deploy_token_as(&manager, &fields) {
        Ok(created) => {
            tracing::info!(
                user = %acting.caller().user().username,
                holder = created.token.holder.path(),
                token_id = created.token.id,
                "deploy token created in the web UI"
            );
            Ok(NewSecret {
                name: created.token.name,
                username: created.token.username,
                token: created.secret.expose().to_owned(),
            })
        }
        Err(AccessError::App(AppError::Invalid { field, message })) => {
            Err(UiError::Field { field, message })
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST …/-/settings/repository/deploy_tokens`: create, then show the token once on the
/// page (after a redirect, so reloading it neither shows the token again nor creates
/// another). Bad fields show next to the field and nothing is stored.
pub async fn create(
    req: HttpRequest,
    service: web::Data<TokenService>,
    target: Target,
    body: Bytes,
) -> Result<HttpResponse, UiError> {
    let form = Form::parse(&body)?;
    let typed = Typed::of(&form);
    let (t, fields) = (target.clone(), typed.clone());
    let outcome = writing(&req, &service, &form, move |acting, _| {
        create_in(acting, &t, &fields)
    })
    .await;
    match outcome {
        Ok(new) => {
            let secret = session_secret(&req).ok_or(UiError::SignInRequired)?;
            let url = page_url(&target);
            let cookie = flash::seal(&req, service.app(), &secret, &url, &new)?;
            Ok(HttpResponse::SeeOther()
                .insert_header((LOCATION, url))
                .cookie(cookie)
                .finish())
        }
        Err(UiError::Field { field, message }) => {
            let form = typed.refused(field, message);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_page(&req, &service, target, form, None, None, status).await
        }
        Err(e) => Err(e),
    }
}

/// `GET …/-/deploy_tokens/{id}/revoke`: the confirmation step.
pub async fn confirm_revoke(
    req: HttpRequest,
    service: web::Data<TokenService>,
    target: Target,
    id: i64,
) -> Result<HttpResponse, UiError> {
    let page = reading(&req, &service, move |acting, secret| {
        let resolved = resolve(acting, &target)?;
        resolved.manager.as_ref().ok_or(UiError::NotFound)?;
        let reader = resolved.reader.as_ref().ok_or(UiError::NotFound)?;
        let token = acting.deploy_token_as(reader, id)?;
        Ok(ConfirmPage {
            chrome: chrome("Revoke deploy token", acting.caller(), secret),
            heading: format!("Revoke deploy token “{}”?", token.name),
            message: format!(
                "Anything using {} with this token (CI jobs, build servers) loses access at once. This cannot be undone.",
                token.username
            ),
            action: format!("{}/-/deploy_tokens/{id}/revoke", target.url()),
            button: format!("Revoke {}", token.name),
            cancel: page_url(&target),
        })
    })
    .await?;
    render(&page)
}

/// `POST …/-/deploy_tokens/{id}/revoke`: revoke, then back to the section.
pub async fn revoke(
    req: HttpRequest,
    service: web::Data<TokenService>,
    target: Target,
    id: i64,
    body: Bytes,
) -> Result<HttpResponse, UiError> {
    let form = Form::parse(&body)?;
    let t = target.clone();
    writing(&req, &service, &form, move |acting, _| {
        let resolved = resolve(acting, &t)?;
        let manager = resolved.manager.ok_or(UiError::NotFound)?;
        let token = acting.revoke_deploy_token_as(&manager, id)?;
        tracing::info!(
            user = %acting.caller().user().username,
            holder = token.holder.path(),
            token_id = token.id,
            "deploy token revoked in the web UI"
        );
        Ok(())
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("{}?revoked={id}", page_url(&target))))
        .finish())
}
