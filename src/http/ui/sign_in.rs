//! `GET/POST /users/sign_in` and `POST /users/sign_out` (GitLab's paths). Only a user's
//! password signs in; deploy tokens and personal access tokens are refused like any wrong
//! password. The sign-in form has a form token of its own, tied to a pre-session cookie,
//! so another site cannot sign a browser in to an account of its choosing.

use super::form::Form;
use super::pages::SignInPage;
use super::session::{
    FORM_TOKEN_FIELD, SESSION_COOKIE, cookie, form_secret, removal, session_secret,
};
use super::throttle;
use super::views::Chrome;
use super::{UiError, error::render};
use crate::app::registry_auth::TokenService;
use crate::app::sessions::SignInError;
use crate::domain::session::form_token;
use crate::domain::token::{PlainToken, constant_time_eq};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};

/// The pre-session cookie the sign-in form's token derives from.
const SIGN_IN_COOKIE: &str = "regauth_sign_in";
/// The one message for every failed sign-in.
const REFUSED: &str = "Invalid username or password.";

/// `GET /users/sign_in`.
pub async fn form(req: HttpRequest) -> Result<HttpResponse, UiError> {
    let signed_out = req.query_string() == "signed_out=1";
    page(&req, String::new(), None, signed_out, StatusCode::OK)
}

/// The form, with a pre-session cookie (a fresh one unless the browser has one).
fn page(
    req: &HttpRequest,
    username: String,
    error: Option<&str>,
    signed_out: bool,
    status: StatusCode,
) -> Result<HttpResponse, UiError> {
    let (value, fresh) = match req.cookie(SIGN_IN_COOKIE) {
        Some(c) => (c.value().to_owned(), false),
        None => (PlainToken::generate("").expose().to_owned(), true),
    };
    let page = SignInPage {
        chrome: Chrome {
            title: "Sign in".into(),
            user: None,
            csrf: form_token(&value),
        },
        username,
        error: error.map(str::to_owned),
        signed_out,
    };
    let mut res = render(&page)?;
    *res.status_mut() = status;
    if fresh {
        res.add_cookie(&cookie(req, SIGN_IN_COOKIE, value))
            .map_err(|e| UiError::internal(&e))?;
    }
    Ok(res)
}

/// `POST /users/sign_in`: username and password. A good password starts a new session
/// (ending the one the browser had) and goes to the dashboard; anything else shows the form
/// again with one message, and repeated failures are throttled.
pub async fn submit(
    req: HttpRequest,
    body: Bytes,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let form = Form::parse(&body)?;
    let pre = req.cookie(SIGN_IN_COOKIE).map(|c| c.value().to_owned());
    let given = form.first(FORM_TOKEN_FIELD).unwrap_or_default();
    if !pre.is_some_and(|p| constant_time_eq(&form_token(&p), given)) {
        return Err(UiError::Csrf);
    }
    let username = form.text("username");
    throttle::check(&req, &username)?;
    let password = form.text("password");
    let app = service.app().clone();
    let name = username.clone();
    let outcome = web::block(move || app.sign_in(&name, &password)).await?;
    let signed_in = match outcome {
        Ok(signed_in) => signed_in,
        Err(SignInError::Refused) => {
            throttle::failed(&req, &username, "wrong username or password")?;
            return page(
                &req,
                username,
                Some(REFUSED),
                false,
                StatusCode::UNAUTHORIZED,
            );
        }
        Err(SignInError::Storage(e)) => return Err(UiError::internal(&e)),
    };
    if let Some(old) = session_secret(&req) {
        let app = service.app().clone();
        web::block(move || app.sign_out(&old)).await??;
    }
    tracing::info!(user = %signed_in.user.username, "signed in to the web UI");
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/"))
        .cookie(cookie(
            &req,
            SESSION_COOKIE,
            signed_in.secret.expose().to_owned(),
        ))
        .cookie(removal(&req, SIGN_IN_COOKIE))
        .finish())
}

/// `POST /users/sign_out`: ends the session, so its cookie stops working everywhere.
pub async fn sign_out(
    req: HttpRequest,
    body: Bytes,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let form = Form::parse(&body)?;
    let secret = form_secret(&req, &form)?;
    let app = service.app().clone();
    web::block(move || app.sign_out(&secret)).await??;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/users/sign_in?signed_out=1"))
        .cookie(removal(&req, SESSION_COOKIE))
        .finish())
}
