//! HTTP: routes shared by `serve` and the tests, and the server itself.

pub mod access_log;
pub mod api;
pub mod error;
pub mod forward_auth;
pub mod health;
pub mod keys;
pub mod metrics;
pub mod observe;
pub mod ops;
pub mod registry_auth;
pub mod tls;

use crate::app::ci_variables::CiSettings;
use crate::app::forward_auth::ForwardAuth;
use crate::app::registry_auth::TokenService;
use actix_web::dev::Server;
use actix_web::{App as ActixApp, HttpResponse, HttpServer, guard, web};
use error::ApiError;
pub use ops::Ops;
use std::net::TcpListener;

/// Register every route on `cfg`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let get_or_head = || web::route().guard(guard::Any(guard::Get()).or(guard::Head()));
    cfg.route("/healthz", get_or_head().to(health::healthz))
        .route("/readyz", get_or_head().to(health::readyz))
        .route("/metrics", web::get().to(metrics::scrape))
        .route("/jwt/auth", web::get().to(registry_auth::get))
        .route("/jwt/auth", web::post().to(registry_auth::post))
        .route("/jwt/certs.pem", web::get().to(keys::certificates))
        .route("/jwt/jwks.json", web::get().to(keys::jwks))
        .route("/auth/forward", web::route().to(forward_auth::check))
        .configure(api::configure);
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("no such endpoint"))
}

/// Start serving on an already bound listener, with forward auth and CI settings as
/// configured, plain HTTP and readiness from what is in memory (`server::build` wires
/// them from the configuration).
pub fn server_with(
    listener: TcpListener,
    service: TokenService,
    forward: ForwardAuth,
    ci: CiSettings,
) -> std::io::Result<Server> {
    server_with_ops(listener, service, forward, ci, Ops::default())
}

/// [`server_with`] with operations settings. Call inside an actix system: with TLS, the
/// SIGHUP handler runs on it.
pub fn server_with_ops(
    listener: TcpListener,
    service: TokenService,
    forward: ForwardAuth,
    ci: CiSettings,
    ops: Ops,
) -> std::io::Result<Server> {
    let data = web::Data::new(service);
    let forward = web::Data::new(forward);
    let ci = web::Data::new(ci);
    let metrics = web::Data::new(metrics::Metrics::new());
    let readiness = web::Data::new(ops.readiness);
    let server = HttpServer::new(move || {
        ActixApp::new()
            .app_data(data.clone())
            .app_data(forward.clone())
            .app_data(ci.clone())
            .app_data(metrics.clone())
            .app_data(readiness.clone())
            .configure(configure)
            .default_service(web::to(not_found))
            .wrap(actix_web::middleware::from_fn(observe::observe))
    })
    // Database calls run on each worker's blocking pool. Token requests take tens of
    // microseconds, so two threads a worker keep the cores busy; actix's default (hundreds)
    // only made them contend (measured with scripts/bench: 105 threads, more CPU a token).
    .worker_max_blocking_threads(2);
    let server = match ops.tls {
        Some(resolver) => {
            let config = resolver.server_config().map_err(std::io::Error::other)?;
            resolver.reload_on_hangup()?;
            server.listen_rustls_0_23(listener, config)?
        }
        None => server.listen(listener)?,
    };
    Ok(server.run())
}
