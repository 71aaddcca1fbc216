//! In-process test server: the real app on port 0 with a manual clock, plus helpers to
//! create namespaces and tokens and to verify issued JWTs with the published certificate.
#![allow(dead_code)]

#[path = "../backend/mod.rs"]
pub mod backend;
pub mod forward;
pub mod ui;

use backend::TestDatabase;
use regauth::app::deploy_tokens::CreateDeployToken;
use regauth::app::namespaces::HolderRef;
use regauth::app::{App, ManualClock};
use regauth::config::Config;
pub use regauth::config::network::Network;
use regauth::domain::forward::{HeaderFamily, Route, default_routes};
use regauth::domain::namespace::{RegistryAccess, Visibility};
use regauth::domain::proxy::ProxyService;
use regauth::jwt::Algorithm;
use serde_json::Value;
use std::sync::Arc;
use time::OffsetDateTime;
use time::macros::datetime;

/// The instant every test server starts at.
pub const START: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);
/// Service name of the registry.
pub const SERVICE: &str = "container_registry";
/// A dependency proxy belonging to group `acme`.
pub const PROXY: &str = "dependency_proxy";
/// A dependency proxy of no particular group.
pub const OPEN_PROXY: &str = "hub_mirror";
/// The `ci_registry` setting of every test server.
pub const CI_REGISTRY: &str = "registry.test:5050";

/// A running server and direct access to its application.
pub struct TestServer {
    pub base: String,
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::blocking::Client,
    /// The database the server keeps its data in (REGAUTH_TEST_DATABASE chooses the engine).
    pub db: TestDatabase,
    handle: actix_web::dev::ServerHandle,
    dir: tempfile::TempDir,
}

/// How to sign.
pub struct KeyOptions {
    pub algorithm: Algorithm,
    pub x5c: bool,
}

impl Default for KeyOptions {
    fn default() -> Self {
        KeyOptions {
            algorithm: Algorithm::Es256,
            x5c: true,
        }
    }
}

/// Forward-auth settings.
pub struct ForwardOptions {
    pub routes: Vec<Route>,
    pub external_authorization: bool,
    pub headers: HeaderFamily,
}

impl Default for ForwardOptions {
    fn default() -> Self {
        ForwardOptions {
            routes: default_routes(),
            external_authorization: false,
            headers: HeaderFamily::default(),
        }
    }
}

/// The default network settings with a throttle no test reaches by accident (the tables of
/// refusals send many bad logins from one address); `tests/http_throttle.rs` sets its own.
pub fn unthrottled() -> Network {
    let mut network = Network::default();
    network.throttle.max_failures = 1_000_000;
    network
}

impl TestServer {
    /// ES256 with x5c.
    pub fn start() -> TestServer {
        TestServer::start_with(KeyOptions::default())
    }

    pub fn start_with(keys: KeyOptions) -> TestServer {
        TestServer::launch(keys, ForwardOptions::default(), unthrottled())
    }

    /// ES256 with x5c, default forward auth, and these network settings (timeouts,
    /// connection cap, external URL, trusted proxies, throttle).
    pub fn start_network(network: Network) -> TestServer {
        TestServer::launch(KeyOptions::default(), ForwardOptions::default(), network)
    }

    /// ES256 with x5c, and these forward-auth settings (external authorization also
    /// applies to the token endpoint).
    pub fn start_forward(forward: ForwardOptions) -> TestServer {
        TestServer::launch(KeyOptions::default(), forward, unthrottled())
    }

    fn launch(keys: KeyOptions, forward: ForwardOptions, network: Network) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDatabase::new(dir.path(), "regauth.db");
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: db.location(),
            keys_dir: dir.path().join("keys"),
            signing_algorithm: keys.algorithm,
            x5c: keys.x5c,
            registry_service: SERVICE.into(),
            dependency_proxies: vec![
                ProxyService {
                    service: PROXY.into(),
                    group: Some("acme".into()),
                },
                ProxyService {
                    service: OPEN_PROXY.into(),
                    group: None,
                },
            ],
            external_authorization: forward.external_authorization,
            ci_registry: Some(CI_REGISTRY.into()),
            forward_auth_routes: forward.routes,
            forward_auth_headers: forward.headers,
            // Last uses are written when a test flushes them (or at the end), never by
            // surprise in the middle of one.
            last_used_interval: 3600,
            network,
            // The default issuer (`regauth`) and token lifetime (900 s).
            ..Config::default()
        };
        let clock = Arc::new(ManualClock::new(START));
        let application = regauth::server::build_with_clock(&config, clock.clone()).unwrap();
        let base = format!("http://{}", application.addr());
        let app = application.app().clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = application.start().unwrap();
                tx.send(server.handle()).unwrap();
                server.await.unwrap();
            })
        });
        let handle = rx.recv().unwrap();
        TestServer {
            base,
            app,
            clock,
            http: reqwest::blocking::Client::new(),
            db,
            handle,
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Create the usual tree: groups acme, acme/backend, acme/frontend, other; projects
    /// acme/backend/api (private), acme/frontend/web (private), acme/pub (public).
    pub fn seed(&self) {
        for g in ["acme", "acme/backend", "acme/frontend", "other"] {
            self.app.create_group(g, Visibility::Private).unwrap();
        }
        let p = |path, vis| {
            self.app
                .create_project(path, vis, RegistryAccess::Enabled)
                .unwrap()
        };
        p("acme/backend/api", Visibility::Private);
        p("acme/frontend/web", Visibility::Private);
        p("acme/pub", Visibility::Public);
        p("other/app", Visibility::Private);
    }

    /// Create a token and return (id, username, secret).
    pub fn token(&self, holder: HolderRef<'_>, scopes: &[&str]) -> (i64, String, String) {
        self.token_expiring(holder, scopes, None)
    }

    pub fn token_expiring(
        &self,
        holder: HolderRef<'_>,
        scopes: &[&str],
        expires_at: Option<&str>,
    ) -> (i64, String, String) {
        let created = self
            .app
            .create_deploy_token(&CreateDeployToken {
                holder,
                name: "ci",
                scopes: scopes.to_vec(),
                username: None,
                expires_at,
                repositories: None,
            })
            .unwrap();
        (
            created.token.id,
            created.token.username.clone(),
            created.secret.expose().to_owned(),
        )
    }

    /// GET /jwt/auth with a raw query and optional Basic credentials.
    pub fn get_token(&self, query: &str, creds: Option<(&str, &str)>) -> (u16, Value) {
        let mut req = self.http.get(self.url(&format!("/jwt/auth?{query}")));
        if let Some((u, p)) = creds {
            req = req.basic_auth(u, Some(p));
        }
        let res = req.send().unwrap();
        let status = res.status().as_u16();
        (status, res.json().unwrap())
    }

    /// POST /jwt/auth with a form body.
    pub fn post_token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let res = self
            .http
            .post(self.url("/jwt/auth"))
            .form(form)
            .send()
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().unwrap())
    }

    /// A refresh token from the password grant with `access_type=offline` for `service`.
    pub fn refresh_token(&self, user: &str, secret: &str, service: &str) -> String {
        let (status, body) = self.post_token(&[
            ("grant_type", "password"),
            ("username", user),
            ("password", secret),
            ("service", service),
            ("access_type", "offline"),
        ]);
        assert_eq!(status, 200, "{body}");
        body["refresh_token"].as_str().unwrap().to_owned()
    }

    /// The refresh-token grant for `service`, no scope.
    pub fn refresh(&self, refresh_token: &str, service: &str) -> (u16, Value) {
        self.post_token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("service", service),
        ])
    }

    /// Verify a JWT's signature with the certificate published at /jwt/certs.pem and
    /// return (header, claims).
    pub fn verify(&self, jwt: &str) -> (jsonwebtoken::Header, Value) {
        self.verify_for(jwt, SERVICE)
    }

    /// Like [`TestServer::verify`], for a token whose audience is `audience`.
    pub fn verify_for(&self, jwt: &str, audience: &str) -> (jsonwebtoken::Header, Value) {
        let pem = self
            .http
            .get(self.url("/jwt/certs.pem"))
            .send()
            .unwrap()
            .text()
            .unwrap();
        let header = jsonwebtoken::decode_header(jwt).unwrap();
        let key = match header.alg {
            jsonwebtoken::Algorithm::ES256 => {
                jsonwebtoken::DecodingKey::from_ec_pem(pem.as_bytes())
            }
            _ => jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()),
        }
        .unwrap();
        let mut validation = jsonwebtoken::Validation::new(header.alg);
        validation.set_audience(&[audience]);
        validation.set_issuer(&["regauth"]);
        // The server's clock is a manual one; expiry is checked against it by the tests.
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Value>(jwt, &key, &validation).unwrap();
        (data.header, data.claims)
    }

    /// The `access` claim of a verified JWT, compactly: `name:actions` per entry.
    pub fn access(&self, jwt: &str) -> Vec<String> {
        let (_, claims) = self.verify(jwt);
        claims["access"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let actions: Vec<&str> = a["actions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect();
                format!(
                    "{}:{}:{}",
                    a["type"].as_str().unwrap(),
                    a["name"].as_str().unwrap(),
                    actions.join(",")
                )
            })
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Fire and forget: the server thread ends when the handle's stop completes.
        drop(self.handle.stop(false));
    }
}

/// The `errors[0]` of a registry error body as (code, message).
pub fn error_of(body: &Value) -> (String, String) {
    let e = &body["errors"][0];
    (
        e["code"].as_str().unwrap_or_default().to_owned(),
        e["message"].as_str().unwrap_or_default().to_owned(),
    )
}
