//! HTTP: routes shared by `serve` and the tests, and the server itself.

pub mod api;
pub mod error;
pub mod forward_auth;
pub mod keys;
pub mod registry_auth;
pub mod ui;

use crate::app::ci_variables::CiSettings;
use crate::app::forward_auth::ForwardAuth;
use crate::app::registry_auth::TokenService;
use actix_web::dev::Server;
use actix_web::{App as ActixApp, HttpResponse, HttpServer, web};
use error::ApiError;
use std::net::TcpListener;

/// Register every route on `cfg`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/jwt/auth", web::get().to(registry_auth::get))
        .route("/jwt/auth", web::post().to(registry_auth::post))
        .route("/jwt/certs.pem", web::get().to(keys::certificates))
        .route("/jwt/jwks.json", web::get().to(keys::jwks))
        .route("/auth/forward", web::route().to(forward_auth::check))
        .configure(api::configure)
        // Last: projects live at `/{path}`.
        .configure(ui::configure);
}

/// Liveness: answers without touching the database (the benchmark's HTTP floor).
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("no such endpoint"))
}

/// Start serving on an already bound listener, with forward auth and CI settings as
/// configured (`server::build` wires them from the configuration).
pub fn server_with(
    listener: TcpListener,
    service: TokenService,
    forward: ForwardAuth,
    ci: CiSettings,
) -> std::io::Result<Server> {
    let data = web::Data::new(service);
    let forward = web::Data::new(forward);
    let ci = web::Data::new(ci);
    let server = HttpServer::new(move || {
        ActixApp::new()
            .app_data(data.clone())
            .app_data(forward.clone())
            .app_data(ci.clone())
            .configure(configure)
            .default_service(web::to(not_found))
    })
    // Database calls run on each worker's blocking pool. Token requests take tens of
    // microseconds, so two threads a worker keep the cores busy; actix's default (hundreds)
    // only made them contend (measured with scripts/bench: 105 threads, more CPU a token).
    .worker_max_blocking_threads(2)
    .listen(listener)?
    .run();
    Ok(server)
}
