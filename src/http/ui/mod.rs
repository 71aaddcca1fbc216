//! The web UI: server-rendered pages for people (sign-in, the groups and projects they see,
//! Settings › Repository › Deploy tokens, personal access tokens, administration). Each
//! page runs the same use cases and capability checks as `/api/v4`; a page below the
//! needed role is a 404, as hidden things are in the API. Every answer carries a strict
//! CSP (our own stylesheet and script only), `X-Frame-Options: DENY`, `Referrer-Policy`
//! and `Cache-Control: no-store`; every state-changing request needs the session's form
//! token.

mod admin;
mod deploy_tokens;
mod error;
mod flash;
mod form;
mod members;
mod namespaces;
mod pages;
mod personal_tokens;
mod routes;
mod session;
mod sign_in;
mod throttle;
mod views;

pub use error::UiError;
pub use session::CookieSettings;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpResponse, guard, web};

/// The policy every UI answer carries: nothing but our own files, no framing, forms post
/// only to us.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// Register the UI on `cfg`: after every other route, since projects live at `/{path}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("")
            .wrap(from_fn(security_headers))
            .route("/-/static/ui.css", web::get().to(stylesheet))
            .route("/-/static/ui.js", web::get().to(script))
            .route("/users/sign_in", web::get().to(sign_in::form))
            .route("/users/sign_in", web::post().to(sign_in::submit))
            .route("/users/sign_out", web::post().to(sign_in::sign_out))
            .route("/", web::get().to(namespaces::dashboard))
            .configure(personal_tokens::configure)
            .configure(admin::configure)
            // Any path may name a group or project page, but only a browser asks for one:
            // other clients keep getting the JSON 404 for an unknown endpoint.
            .route(
                "/groups/{tail:.+}",
                web::get().guard(browser()).to(routes::group_get),
            )
            .route(
                "/groups/{tail:.+}",
                web::post().guard(browser()).to(routes::group_post),
            )
            .route(
                "/{tail:.+}",
                web::get().guard(browser()).to(routes::project_get),
            )
            .route(
                "/{tail:.+}",
                web::post().guard(browser()).to(routes::project_post),
            )
            .default_service(web::to(not_found)),
    );
}

/// A request from a browser: it accepts HTML (every navigation and form post does).
fn browser() -> impl guard::Guard {
    guard::fn_guard(|ctx| accepts_html(ctx.head().headers()))
}

fn accepts_html(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Nothing here: an HTML page for a browser, the JSON error for anyone else.
async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    if accepts_html(req.headers()) {
        UiError::NotFound.error_response()
    } else {
        crate::http::error::ApiError::not_found("no such endpoint").error_response()
    }
}

async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let set = |name, value: &'static str| (name, HeaderValue::from_static(value));
    for (name, value) in [
        set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        set(header::X_FRAME_OPTIONS, "DENY"),
        set(header::REFERRER_POLICY, "same-origin"),
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, value);
    }
    // Pages may show a secret (and always show private data): never stored by the browser
    // or a proxy. The static files set their own caching.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

async fn stylesheet() -> HttpResponse {
    asset(
        "text/css; charset=utf-8",
        include_str!("../../../static/ui.css"),
    )
}

async fn script() -> HttpResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../../static/ui.js"),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body)
}
