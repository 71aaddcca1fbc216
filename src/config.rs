//! One typed configuration: built-in defaults < TOML file < `REGAUTH_*` environment.
//! Every value goes through one parser per key, so a bad value is reported with the name
//! of the key (and the environment variable) it came from.

use crate::domain::forward::{HeaderFamily, Route, default_routes};
use crate::domain::proxy::ProxyService;
use crate::domain::session::SessionPolicy;
use crate::jwt::Algorithm;
use crate::storage::Location;
use serde::Deserialize;
use settings::env_name;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

mod forward;
mod key_ring;
pub mod network;
pub mod ops;
pub mod settings;
mod webhooks;

pub use key_ring::KeyRingSettings;

/// The service's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on (`REGAUTH_LISTEN`).
    pub listen: SocketAddr,
    /// The database (`REGAUTH_DATABASE`): an SQLite file path, or a `postgres://` URL.
    pub database: Location,
    /// Directory holding the signing key and certificate (`REGAUTH_KEYS_DIR`).
    pub keys_dir: PathBuf,
    /// Whether `serve` may create missing keys in `keys_dir` (`REGAUTH_KEYS_GENERATE`,
    /// default true); replicas sharing one keys directory set it to false.
    pub keys_generate: bool,
    /// JWT `iss`, the registry's `auth.token.issuer` (`REGAUTH_ISSUER`).
    pub issuer: String,
    /// Lifetime of issued registry tokens in seconds (`REGAUTH_TOKEN_LIFETIME`).
    pub token_lifetime: u64,
    /// Signing algorithm (`REGAUTH_SIGNING_ALGORITHM`).
    pub signing_algorithm: Algorithm,
    /// Whether tokens carry the certificate in an `x5c` header (`REGAUTH_X5C`).
    pub x5c: bool,
    /// The container registry's service name, the JWT `aud` (`REGAUTH_REGISTRY_SERVICE`).
    pub registry_service: String,
    /// Dependency-proxy services (`[[dependency_proxy]]`, `REGAUTH_DEPENDENCY_PROXY`).
    pub dependency_proxies: Vec<ProxyService>,
    /// Whether external authorization is on: deploy tokens are then refused for Git,
    /// packages, the registry and dependency proxies (`REGAUTH_EXTERNAL_AUTHORIZATION`).
    pub external_authorization: bool,
    /// The registry host (`registry.example.com`, `127.0.0.1:5000`) that CI variables name as
    /// `CI_REGISTRY` (`REGAUTH_CI_REGISTRY`); unset, no registry variables are given.
    pub ci_registry: Option<String>,
    /// Layouts guarded by forward auth (`[[forward_auth_route]]` tables in the file; when
    /// the file has none, GitLab's Git and package layouts).
    pub forward_auth_routes: Vec<Route>,
    /// The headers the proxy in front sets for the original method and URI, the only ones
    /// forward auth trusts (`REGAUTH_FORWARD_AUTH_HEADERS`: `x-original` or `x-forwarded`).
    pub forward_auth_headers: HeaderFamily,
    /// How long web UI sessions last: idle (`REGAUTH_SESSION_IDLE_TIMEOUT`) and in all
    /// (`REGAUTH_SESSION_LIFETIME`), in seconds.
    pub sessions: SessionPolicy,
    /// Timeouts, connection cap, external URL, trusted proxies, login throttle.
    pub network: network::Network,
    /// Log format (`REGAUTH_LOG_FORMAT`: `text` or `json`).
    pub log_format: ops::LogFormat,
    /// HTTPS certificate chain, PEM (`REGAUTH_TLS_CERT`); with `tls_key`, or neither.
    pub tls_cert: Option<PathBuf>,
    /// Its private key, PEM (`REGAUTH_TLS_KEY`).
    pub tls_key: Option<PathBuf>,
    /// Where expiry and revocation notices go (`[[webhook]]` tables in the file).
    pub webhooks: Vec<crate::domain::webhook::Webhook>,
    /// Seconds between two rounds of the webhook worker (`REGAUTH_WEBHOOK_INTERVAL`).
    pub webhook_interval: u64,
    /// Key-ring settings (`REGAUTH_PUBLIC_KEYS_DIR`, …).
    pub key_ring: KeyRingSettings,
    /// Seconds between writes of tokens' last use, and the window within which a token's
    /// uses make one write (`REGAUTH_LAST_USED_INTERVAL`, 0 to 3600, default 60; 0: not
    /// recorded).
    pub last_used_interval: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 5001)),
            database: Location::Sqlite(PathBuf::from("data/regauth.db")),
            keys_dir: PathBuf::from("keys"),
            keys_generate: true,
            issuer: "regauth".into(),
            token_lifetime: 900,
            signing_algorithm: Algorithm::Es256,
            x5c: true,
            registry_service: "container_registry".into(),
            dependency_proxies: vec![ProxyService {
                service: DEFAULT_PROXY_SERVICE.into(),
                group: None,
            }],
            external_authorization: false,
            ci_registry: None,
            forward_auth_routes: default_routes(),
            forward_auth_headers: HeaderFamily::default(),
            sessions: SessionPolicy::default(),
            network: network::Network::default(),
            log_format: ops::LogFormat::Text,
            tls_cert: None,
            tls_key: None,
            webhooks: Vec::new(),
            webhook_interval: 60,
            key_ring: KeyRingSettings::default(),
            last_used_interval: 60,
        }
    }
}

/// A configuration problem, naming the key it is about.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value did not parse or is out of range.
    #[error("invalid {key}: {message}")]
    Invalid {
        /// The key (`token_lifetime`) or variable (`REGAUTH_TOKEN_LIFETIME`).
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The file could not be read or is not TOML.
    #[error("cannot read config file {path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// Service name of a dependency proxy configured without one.
pub const DEFAULT_PROXY_SERVICE: &str = "dependency_proxy";

/// One `[[dependency_proxy]]` table of the file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProxyEntry {
    service: Option<String>,
    group: Option<String>,
}

/// Scalar keys: TOML name; the environment variable is `REGAUTH_` + the name in capitals.
const KEYS: &[&str] = &[
    "listen",
    "database",
    "keys_dir",
    "keys_generate",
    "issuer",
    "token_lifetime",
    "signing_algorithm",
    "x5c",
    "registry_service",
    "dependency_proxy",
    "external_authorization",
    "ci_registry",
    "forward_auth_headers",
    "session_idle_timeout",
    "session_lifetime",
    "log_format",
    "tls_cert",
    "tls_key",
    "webhook_interval",
    "last_used_interval",
];

impl Config {
    /// Build the configuration from an optional file and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load_with(file, |name| std::env::var(name).ok())
    }

    /// Build the configuration from an optional file and an environment lookup.
    pub fn load_with(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Some(path) = file {
            config.apply_file(path)?;
        }
        for key in KEYS.iter().chain(key_ring::KEYS).chain(network::KEYS) {
            let var = env_name(key);
            if let Some(value) = env(&var) {
                config
                    .set(key, &value)
                    .map_err(|message| ConfigError::Invalid {
                        key: var.clone(),
                        message,
                    })?;
            }
        }
        ops::check_tls_pair(&config)?;
        config.validate()?;
        Ok(config)
    }

    /// Where the certificate bundle and JWKS file are published for registries.
    pub fn public_keys_dir(&self) -> PathBuf {
        self.key_ring.public_dir(&self.keys_dir)
    }

    /// Checks across keys: every service name is distinct.
    fn validate(&self) -> Result<(), ConfigError> {
        let mut names = vec![self.registry_service.as_str()];
        for proxy in &self.dependency_proxies {
            if names.contains(&proxy.service.as_str()) {
                return Err(ConfigError::Invalid {
                    key: "dependency_proxy".into(),
                    message: format!("service name {:?} is used twice", proxy.service),
                });
            }
            names.push(&proxy.service);
        }
        if self.public_keys_dir() == self.keys_dir {
            return Err(ConfigError::Invalid {
                key: "public_keys_dir".into(),
                message: "must differ from keys_dir: registries read it, and must never see the private keys".into(),
            });
        }
        Ok(())
    }

    fn apply_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let file_error = |message: String| ConfigError::File {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| file_error(e.to_string()))?;
        for (key, value) in table {
            let outcome = match key.as_str() {
                // Arrays of tables, deserialized with serde: one arm each.
                "dependency_proxy" => proxies_from_toml(value).map(|p| self.dependency_proxies = p),
                "forward_auth_route" => {
                    forward::routes_from_toml(value).map(|r| self.forward_auth_routes = r)
                }
                "webhook" => webhooks::webhooks_from_toml(value).map(|w| self.webhooks = w),
                _ => self.set(&key, &scalar_text(value)),
            };
            outcome.map_err(|message| ConfigError::Invalid { key, message })?;
        }
        Ok(())
    }

    /// Set one key from its text form.
    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "listen" => {
                self.listen = value
                    .parse()
                    .map_err(|_| format!("{value:?} is not an address such as 127.0.0.1:5001"))?
            }
            "database" => self.database = Location::parse(value)?,
            "keys_dir" => self.keys_dir = non_empty(value)?.into(),
            "issuer" => self.issuer = non_empty(value)?.into(),
            "registry_service" => self.registry_service = non_empty(value)?.into(),
            "token_lifetime" => {
                self.token_lifetime = value
                    .parse()
                    .ok()
                    .filter(|s| (60..=86_400).contains(s))
                    .ok_or_else(|| {
                        format!("{value:?} is not a number of seconds from 60 to 86400")
                    })?
            }
            "signing_algorithm" => {
                self.signing_algorithm = value
                    .parse()
                    .map_err(|_| format!("{value:?} is not ES256 or RS256"))?
            }
            "x5c" => self.x5c = parse_bool(value)?,
            "keys_generate" => self.keys_generate = parse_bool(value)?,
            "dependency_proxy" => self.dependency_proxies = proxies_from_env(value)?,
            "external_authorization" => self.external_authorization = parse_bool(value)?,
            "ci_registry" => self.ci_registry = Some(forward::registry_host(value)?),
            "log_format" => self.log_format = value.parse()?,
            "tls_cert" => self.tls_cert = Some(non_empty(value)?.into()),
            "tls_key" => self.tls_key = Some(non_empty(value)?.into()),
            "forward_auth_headers" => self.forward_auth_headers = value.parse()?,
            "session_idle_timeout" => self.sessions.idle = session_seconds(value)?,
            "session_lifetime" => self.sessions.lifetime = session_seconds(value)?,
            "webhook_interval" => self.webhook_interval = webhooks::interval(value)?,
            "last_used_interval" => {
                self.last_used_interval =
                    value.parse().ok().filter(|s| *s <= 3600).ok_or_else(|| {
                        format!("{value:?} is not a number of seconds from 0 to 3600")
                    })?
            }
            k if key_ring::KEYS.contains(&k) => self.key_ring.set(k, value)?,
            _ if self.network.set(key, value)? => {}
            _ => {
                let known = settings::accepted_keys().join(", ");
                return Err(format!("unknown key (known keys: {known})"));
            }
        }
        Ok(())
    }
}

/// `[[dependency_proxy]]` tables: `service` (default `dependency_proxy`) and optional `group`.
fn proxies_from_toml(value: toml::Value) -> Result<Vec<ProxyService>, String> {
    let entries: Vec<ProxyEntry> = value.try_into().map_err(|e: toml::de::Error| {
        format!(
            "expected [[dependency_proxy]] tables with service and group: {}",
            e.message()
        )
    })?;
    entries
        .into_iter()
        .map(|e| proxy(e.service.as_deref(), e.group.as_deref()))
        .collect()
}

/// `service[=group]` items separated by commas; an empty value configures no proxy.
fn proxies_from_env(value: &str) -> Result<Vec<ProxyService>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| match item.split_once('=') {
            Some((service, group)) => proxy(Some(service), Some(group)),
            None => proxy(Some(item), None),
        })
        .collect()
}

fn proxy(service: Option<&str>, group: Option<&str>) -> Result<ProxyService, String> {
    let service = non_empty(service.unwrap_or(DEFAULT_PROXY_SERVICE))?
        .trim()
        .to_owned();
    let group = match group.map(str::trim) {
        Some(g) => Some(
            crate::domain::namespace::NamespacePath::parse(g)
                .map_err(|e| e.to_string())?
                .to_string(),
        ),
        None => None,
    };
    Ok(ProxyService { service, group })
}

/// A session timeout: 60 seconds to 30 days.
fn session_seconds(value: &str) -> Result<time::Duration, String> {
    value
        .parse::<i64>()
        .ok()
        .filter(|s| (60..=30 * 86_400).contains(s))
        .map(time::Duration::seconds)
        .ok_or_else(|| format!("{value:?} is not a number of seconds from 60 to 2592000"))
}

fn non_empty(value: &str) -> Result<&str, String> {
    if value.trim().is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(value)
    }
}

/// The text form of a scalar TOML value, as `set` takes it.
fn scalar_text(value: toml::Value) -> String {
    match value {
        toml::Value::String(s) => s,
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => other.to_string(),
    }
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("{value:?} is not true or false")),
    }
}

#[cfg(test)]
pub(crate) mod tests;
