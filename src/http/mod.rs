//! HTTP: routes shared by `serve` and the tests, and the server itself.

pub mod access_log;
pub mod api;
pub mod client;
pub mod edge;
pub mod error;
pub mod forward_auth;
pub mod health;
pub mod keys;
pub mod limits;
pub mod metrics;
pub mod observe;
pub mod ops;
pub mod registry_auth;
pub mod throttle;
pub mod tls;
pub mod ui;
pub mod webhook_client;

use crate::app::ci_variables::CiSettings;
use crate::app::forward_auth::ForwardAuth;
use crate::app::registry_auth::TokenService;
use crate::config::network::Network;
use crate::domain::external_url::ExternalUrl;
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
        .configure(api::configure)
        // Last: projects live at `/{path}`.
        .configure(ui::configure);
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("no such endpoint"))
}

/// Start serving on an already bound listener, with forward auth and CI settings as
/// configured, plain HTTP, readiness from what is in memory and the default network
/// settings (`server::build` wires them all from the configuration).
pub fn server_with(
    listener: TcpListener,
    service: TokenService,
    forward: ForwardAuth,
    ci: CiSettings,
    network: Network,
) -> std::io::Result<Server> {
    server_with_ops(listener, service, forward, ci, Ops::default(), network)
}

/// [`server_with`] with operations and network settings: the request deadline, the
/// connection cap (after raising the descriptor limit), the external URL (unset: derived
/// from the bound address), trusted proxies and the login throttle. Call inside an actix
/// system: with TLS, the SIGHUP handler runs on it.
pub fn server_with_ops(
    listener: TcpListener,
    service: TokenService,
    forward: ForwardAuth,
    ci: CiSettings,
    ops: Ops,
    network: Network,
) -> std::io::Result<Server> {
    let external = match network.external_url.clone() {
        Some(url) => url,
        None => ExternalUrl::from_listen(listener.local_addr()?),
    };
    let cap = limits::prepare(&listener, network.max_connections)?;
    tracing::info!(
        external_url = %external,
        trusted_proxies = %network.trusted_proxies,
        max_connections = cap,
        request_timeout_secs = network.request_timeout.as_secs_f64(),
        "network settings"
    );
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let limit = network.request_timeout;
    let throttle = web::Data::new(throttle::LoginThrottle::new(network.throttle));
    spawn_flush(&throttle, service.app().clone());
    // Reached over HTTPS (served so, or behind a proxy the external URL names), the web
    // UI's cookies are never sent in clear.
    let cookies = web::Data::new(ui::CookieSettings {
        secure: ops.tls.is_some() || external.as_str().starts_with("https://"),
    });
    let external = web::Data::new(external);
    let proxies = web::Data::new(network.trusted_proxies);
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
            .app_data(cookies.clone())
            .app_data(throttle.clone())
            .app_data(external.clone())
            .app_data(proxies.clone())
            .configure(configure)
            .default_service(web::to(not_found))
            .wrap(actix_web::middleware::from_fn(observe::observe))
            // Outermost, so the deadline bounds everything else.
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                edge::deadline(limit, req, next)
            }))
    })
    .workers(workers)
    .max_connections(limits::per_worker(cap, workers))
    // The head keeps actix's 5 s, or the request timeout if that is shorter.
    .client_request_timeout(limit.min(std::time::Duration::from_secs(5)))
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

/// Put failed-login summaries in the audit trail (one event per client and window).
fn record_summaries(
    app: &crate::app::App,
    summaries: &[(std::net::IpAddr, crate::domain::throttle::Summary)],
) {
    for (client, summary) in summaries {
        let failures = crate::app::audit::SignInFailures {
            client: *client,
            surface: "*",
            failures: summary.failures,
            throttled: summary.throttled,
            window_start: None,
        };
        if let Err(e) = app.record_sign_in_failures(&failures) {
            tracing::error!(error = %e, client = %client, "audit: a failed-login summary was not written");
        }
    }
}

/// Summarise ended log windows periodically, until the server (the last holder of the
/// throttle) is gone.
fn spawn_flush(throttle: &web::Data<throttle::LoginThrottle>, app: crate::app::App) {
    let weak = std::sync::Arc::downgrade(&throttle.clone().into_inner());
    let window = throttle.policy().window.whole_seconds().clamp(1, 60) as u64;
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(window));
        loop {
            tick.tick().await;
            let Some(throttle) = weak.upgrade() else {
                break;
            };
            throttle.flush(app.now());
            let summaries = throttle.take_summaries();
            if !summaries.is_empty() {
                let app = app.clone();
                // A database write: on the blocking pool, never on this worker.
                let _ = web::block(move || record_summaries(&app, &summaries)).await;
            }
        }
    });
}
