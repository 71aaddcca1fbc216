//! The server, built in one place: `serve`, the test harness, the benchmarks and the
//! benchmark seeder all call [`build`] with a [`Config`], so they all run the same wiring
//! (store, clock, sealing key, signing key, token service, forward auth, listener).

use crate::app::ci_variables::CiSettings;
use crate::app::forward_auth::ForwardAuth;
use crate::app::registry_auth::TokenService;
use crate::app::sealing::SealingKey;
use crate::app::{App, Clock, SystemClock};
use crate::config::Config;
use crate::config::network::Network;
use crate::http::Ops;
use crate::jwt::issuer::Issuer;
use crate::jwt::keyring::KeyRing;
use crate::jwt::keys::KeyError;
use crate::storage::{StorageError, Store};
use actix_web::dev::Server;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

/// Why the server could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The signing key could not be loaded or created.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// The TLS certificate or key could not be used.
    #[error(transparent)]
    Tls(#[from] crate::http::tls::TlsError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The configured address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// A built server: its use cases wired together and its listener bound, not yet serving.
pub struct Application {
    service: TokenService,
    forward: ForwardAuth,
    ci: CiSettings,
    network: Network,
    listener: TcpListener,
    addr: SocketAddr,
    ops: Ops,
    webhook_interval: std::time::Duration,
    /// The signing keys, re-read every `reload_every` while serving.
    ring: KeyRing,
    reload_every: std::time::Duration,
}

/// Build the server `config` describes, on the system clock.
pub fn build(config: &Config) -> Result<Application, BuildError> {
    build_with_clock(config, Arc::new(SystemClock))
}

/// Build the server `config` describes, on `clock` (tests use a manual one).
pub fn build_with_clock(config: &Config, clock: Arc<dyn Clock>) -> Result<Application, BuildError> {
    let app = open_app_with_clock(config, clock)?;
    let ring = KeyRing::open(
        &config.keys_dir,
        &config.public_keys_dir(),
        config.signing_algorithm,
    )?;
    let issuer = Issuer::with_ring(
        ring.clone(),
        config.issuer.clone(),
        config.token_lifetime,
        config.x5c,
    );
    let service = TokenService::new(app.clone(), issuer, config.registry_service.clone())
        .with_dependency_proxies(config.dependency_proxies.clone())
        .with_external_authorization(config.external_authorization);
    if config.external_authorization {
        tracing::info!(
            "external authorization is on: deploy tokens are refused for Git, packages, the registry and dependency proxies"
        );
    }
    let forward = ForwardAuth::new(
        app,
        config.forward_auth_routes.clone(),
        config.external_authorization,
    )
    .with_headers(config.forward_auth_headers);
    let ci = CiSettings {
        registry: config.ci_registry.clone(),
    };
    // Before binding: a bad certificate stops the start before anyone can connect.
    let ops = Ops::from_config(config)?;
    let listen_error = |source| BuildError::Listen {
        addr: config.listen,
        source,
    };
    let listener = TcpListener::bind(config.listen).map_err(listen_error)?;
    let addr = listener.local_addr().map_err(listen_error)?;
    Ok(Application {
        service,
        forward,
        ci,
        network: config.network.clone(),
        listener,
        addr,
        ops,
        webhook_interval: std::time::Duration::from_secs(config.webhook_interval),
        ring,
        reload_every: std::time::Duration::from_secs(config.key_ring.reload_interval),
    })
}

/// The application alone (no keys, no listener), for the commands that only run use cases.
pub fn open_app(config: &Config) -> Result<App, StorageError> {
    open_app_with_clock(config, Arc::new(SystemClock))
}

fn open_app_with_clock(config: &Config, clock: Arc<dyn Clock>) -> Result<App, StorageError> {
    let store = Store::open(&config.database)?;
    let last_used = std::time::Duration::from_secs(config.last_used_interval);
    Ok(App::with_clock(store, clock)
        .with_sealing_key(SealingKey::in_dir(&config.keys_dir))
        .with_session_policy(config.sessions)
        .with_webhooks(config.webhooks.clone())
        .with_last_used_interval(last_used))
}

impl Application {
    /// The address the listener is bound to (the real port when the config asked for 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https` when it serves TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        self.ops.scheme()
    }

    /// The port the listener is bound to.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The use cases behind the server (for seeding and direct calls).
    pub fn app(&self) -> &App {
        self.service.app()
    }

    /// The token service the server answers `/jwt/auth` with.
    pub fn token_service(&self) -> &TokenService {
        &self.service
    }

    /// Start serving; call inside an actix system. The returned server is a future that
    /// ends when the server stops, and hands out a handle to stop it.
    /// Ring changes (`regauth keys …`) are picked up from then on, without a restart.
    /// Tokens' last use is flushed in the background from here on.
    pub fn start(self) -> std::io::Result<Server> {
        self.app().start_last_used();
        let Application {
            service,
            forward,
            ci,
            network,
            ops,
            listener,
            ring,
            reload_every,
            webhook_interval,
            ..
        } = self;
        actix_web::rt::spawn(crate::jwt::reload::watch(ring, reload_every));
        crate::background::start(service.app().clone(), webhook_interval)?;
        crate::http::server_with_ops(listener, service, forward, ci, ops, network)
    }

    /// Serve until stopped (a signal), on an actix system of its own; then write the last
    /// uses noted since the last flush.
    pub fn run(self) -> std::io::Result<()> {
        let app = self.app().clone();
        let served = actix_web::rt::System::new().block_on(async move { self.start()?.await });
        app.last_used().stop();
        served
    }
}
