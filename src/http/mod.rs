//! HTTP: routes shared by `serve` and the tests, and the server itself.

pub mod api;
pub mod error;
pub mod keys;
pub mod registry_auth;

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
        .configure(api::configure);
}

/// Liveness: answers without touching the database (the benchmark's HTTP floor).
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("no such endpoint"))
}

/// Start serving on an already bound listener.
pub fn server(listener: TcpListener, service: TokenService) -> std::io::Result<Server> {
    let data = web::Data::new(service);
    let server = HttpServer::new(move || {
        ActixApp::new()
            .app_data(data.clone())
            .configure(configure)
            .default_service(web::to(not_found))
    })
    .listen(listener)?
    .run();
    Ok(server)
}
