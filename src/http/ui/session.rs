//! The browser's side of a session: the cookie (HttpOnly, SameSite=Lax, Secure when the
//! external URL is https), the form token every state-changing form carries, and running a
//! use case as the session's user on the blocking pool.

use super::UiError;
use super::form::Form;
use super::views::{Chrome, UserView};
use crate::app::access::Caller;
use crate::app::acting::{Reading, Writing};
use crate::app::registry_auth::TokenService;
use crate::domain::session::SessionSecret;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, web};

/// The session cookie.
pub const SESSION_COOKIE: &str = "regauth_session";
/// Name of the form token field (GitLab's).
pub const FORM_TOKEN_FIELD: &str = "authenticity_token";

/// Whether cookies get `Secure`: the UI is reached over https.
pub fn secure(req: &HttpRequest) -> bool {
    req.app_data::<web::Data<CookieSettings>>()
        .is_some_and(|s| s.secure)
}

/// How cookies are set, from the configured external URL.
#[derive(Clone, Copy, Debug, Default)]
pub struct CookieSettings {
    /// `Secure` on every cookie (the external URL is https).
    pub secure: bool,
}

/// A cookie of ours: HttpOnly, SameSite=Lax, path `/`, Secure when served over https.
pub fn cookie(req: &HttpRequest, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(req))
        .finish()
}

/// A cookie that removes `name` from the browser.
pub fn removal(req: &HttpRequest, name: &'static str) -> Cookie<'static> {
    let mut c = cookie(req, name, String::new());
    c.make_removal();
    c
}

/// The session secret the browser sent, if any.
pub fn session_secret(req: &HttpRequest) -> Option<SessionSecret> {
    req.cookie(SESSION_COOKIE)
        .map(|c| SessionSecret::from_cookie(c.value()))
}

/// The page frame for `caller`.
pub fn chrome(title: impl Into<String>, caller: &Caller, secret: &SessionSecret) -> Chrome {
    Chrome {
        title: title.into(),
        user: Some(UserView {
            username: caller.user().username.clone(),
            is_admin: caller.user().is_admin,
        }),
        csrf: secret.form_token(),
    }
}

/// Run `work` as the session's user in a read transaction; no session is a redirect to
/// the sign-in page.
pub async fn reading<T, F>(
    req: &HttpRequest,
    service: &web::Data<TokenService>,
    work: F,
) -> Result<T, UiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Reading<'_>, &SessionSecret) -> Result<T, UiError> + Send + 'static,
{
    let secret = session_secret(req).ok_or(UiError::SignInRequired)?;
    let app = service.app().clone();
    web::block(move || app.reading_session(Some(&secret), |acting| work(acting, &secret))).await?
}

/// The session secret of a form post carrying that session's form token; a post without a
/// session goes to sign in, one without the right token is refused.
pub fn form_secret(req: &HttpRequest, form: &Form) -> Result<SessionSecret, UiError> {
    let secret = session_secret(req).ok_or(UiError::SignInRequired)?;
    let given = form.first(FORM_TOKEN_FIELD).unwrap_or_default();
    if !secret.form_token_matches(given) {
        tracing::info!(path = %req.path(), "form refused: form token missing or wrong");
        return Err(UiError::Csrf);
    }
    Ok(secret)
}

/// Check the form token, then run `work` as the session's user in a write transaction.
/// A form without this session's token changes nothing.
pub async fn writing<T, F>(
    req: &HttpRequest,
    service: &web::Data<TokenService>,
    form: &Form,
    work: F,
) -> Result<T, UiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Writing<'_>, &SessionSecret) -> Result<T, UiError> + Send + 'static,
{
    let secret = form_secret(req, form)?;
    let app = service.app().clone();
    // The audit trail names the client, as the API's writes do.
    let client = crate::http::client::client_addr(req);
    web::block(move || {
        app.writing_session(Some(&secret), |acting| {
            acting.from_client(client);
            work(acting, &secret)
        })
    })
    .await?
}
