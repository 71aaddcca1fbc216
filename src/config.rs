//! One typed configuration: built-in defaults < TOML file < `REGAUTH_*` environment.
//! Every value goes through one parser per key, so a bad value is reported with the name
//! of the key (and the environment variable) it came from.

use crate::domain::forward::{Route, RouteKind, default_routes};
use crate::jwt::Algorithm;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The service's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on (`REGAUTH_LISTEN`).
    pub listen: SocketAddr,
    /// SQLite database file (`REGAUTH_DATABASE`).
    pub database: PathBuf,
    /// Directory holding the signing key and certificate (`REGAUTH_KEYS_DIR`).
    pub keys_dir: PathBuf,
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
    /// Whether external authorization is on: deploy tokens are then refused for Git,
    /// packages and the registry (`REGAUTH_EXTERNAL_AUTHORIZATION`).
    pub external_authorization: bool,
    /// The registry host (`registry.example.com`, `127.0.0.1:5000`) that CI variables name as
    /// `CI_REGISTRY` (`REGAUTH_CI_REGISTRY`); unset, no registry variables are given.
    pub ci_registry: Option<String>,
    /// Layouts guarded by forward auth (`[[forward_auth_route]]` tables in the file; when
    /// the file has none, GitLab's Git and package layouts).
    pub forward_auth_routes: Vec<Route>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 5001)),
            database: PathBuf::from("data/regauth.db"),
            keys_dir: PathBuf::from("keys"),
            issuer: "regauth".into(),
            token_lifetime: 900,
            signing_algorithm: Algorithm::Es256,
            x5c: true,
            registry_service: "container_registry".into(),
            external_authorization: false,
            ci_registry: None,
            forward_auth_routes: default_routes(),
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

/// Scalar keys: TOML name; the environment variable is `REGAUTH_` + the name in capitals.
const KEYS: &[&str] = &[
    "listen",
    "database",
    "keys_dir",
    "issuer",
    "token_lifetime",
    "signing_algorithm",
    "x5c",
    "registry_service",
    "external_authorization",
    "ci_registry",
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
        for key in KEYS {
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
        Ok(config)
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
                "forward_auth_route" => tables(value)
                    .and_then(routes)
                    .map(|r| self.forward_auth_routes = r),
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
            "database" => self.database = non_empty(value)?.into(),
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
            "external_authorization" => self.external_authorization = parse_bool(value)?,
            "ci_registry" => self.ci_registry = Some(registry_host(value)?),
            _ => return Err(format!("unknown key (known keys: {})", KEYS.join(", "))),
        }
        Ok(())
    }
}

/// `token_lifetime` → `REGAUTH_TOKEN_LIFETIME`.
fn env_name(key: &str) -> String {
    format!("REGAUTH_{}", key.to_ascii_uppercase())
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

/// An array of tables, each deserialized as `T` (unknown fields are errors).
fn tables<T: serde::de::DeserializeOwned>(value: toml::Value) -> Result<Vec<T>, String> {
    value
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_owned())
}

/// One `[[forward_auth_route]]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteTable {
    pattern: String,
    kind: String,
}

fn routes(tables: Vec<RouteTable>) -> Result<Vec<Route>, String> {
    tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let kind: RouteKind = t
                .kind
                .parse()
                .map_err(|e| format!("entry {}: {e}", i + 1))?;
            Route::parse(&t.pattern, kind).map_err(|e| format!("entry {}: {e}", i + 1))
        })
        .collect()
}

/// A registry host as image references start with: `host[:port]`, no scheme or path.
fn registry_host(value: &str) -> Result<String, String> {
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "{value:?} is not a registry host such as registry.example.com or 127.0.0.1:5000"
        ))
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
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_need_no_file() {
        let c = Config::load_with(None, env(&[])).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:5001");
        assert_eq!(c.database, PathBuf::from("data/regauth.db"));
        assert_eq!(c.keys_dir, PathBuf::from("keys"));
        assert_eq!(c.issuer, "regauth");
        assert_eq!(c.token_lifetime, 900);
        assert_eq!(c.signing_algorithm, Algorithm::Es256);
        assert!(c.x5c);
        assert_eq!(c.registry_service, "container_registry");
        assert!(!c.external_authorization);
        assert_eq!(c.ci_registry, None);
        assert_eq!(c.forward_auth_routes, default_routes());
    }

    #[test]
    fn forward_auth_routes_and_external_authorization() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("regauth.toml");
        std::fs::write(
            &file,
            "external_authorization = true\nci_registry = \"registry.example.com:5050\"\n\n\
             [[forward_auth_route]]\npattern = \"/git/{project}.git/\"\nkind = \"git\"\n\n\
             [[forward_auth_route]]\npattern = \"/pkg/{project}/\"\nkind = \"package\"\n",
        )
        .unwrap();
        let c = Config::load_with(Some(&file), env(&[])).unwrap();
        assert!(c.external_authorization);
        assert_eq!(c.ci_registry.as_deref(), Some("registry.example.com:5050"));
        let patterns: Vec<String> = c.forward_auth_routes.iter().map(Route::pattern).collect();
        assert_eq!(patterns, ["/git/{project}.git/", "/pkg/{project}/"]);
        assert_eq!(c.forward_auth_routes[1].kind(), RouteKind::Package);
        let off = Config::load_with(
            Some(&file),
            env(&[("REGAUTH_EXTERNAL_AUTHORIZATION", "false")]),
        )
        .unwrap();
        assert!(!off.external_authorization);
    }

    #[test]
    fn bad_routes_name_the_key_and_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("regauth.toml");
        let cases = [
            (
                "pattern = \"/{project}\"\nkind = \"git\"",
                "entry 1: pattern",
            ),
            (
                "pattern = \"/{project}/\"\nkind = \"npm\"",
                "entry 1: unknown kind",
            ),
            (
                "pattern = \"/{project}/\"\nkind = \"git\"\nextra = 1",
                "unknown field",
            ),
            ("kind = \"git\"", "missing field"),
        ];
        for (table, needle) in cases {
            std::fs::write(&file, format!("[[forward_auth_route]]\n{table}\n")).unwrap();
            let err = Config::load_with(Some(&file), env(&[]))
                .unwrap_err()
                .to_string();
            assert!(err.contains("forward_auth_route"), "{err}");
            assert!(err.contains(needle), "{needle}: {err}");
        }
        for (var, value) in [
            ("REGAUTH_CI_REGISTRY", "https://registry.example.com"),
            ("REGAUTH_CI_REGISTRY", "host/path"),
            ("REGAUTH_EXTERNAL_AUTHORIZATION", "sometimes"),
        ] {
            let err = Config::load_with(None, env(&[(var, value)])).unwrap_err();
            assert!(err.to_string().contains(var), "{var}={value}: {err}");
        }
    }

    #[test]
    fn environment_overrides_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("regauth.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:6001\"\ntoken_lifetime = 300\nx5c = false\nissuer = \"file\"\n",
        )
        .unwrap();
        let c = Config::load_with(
            Some(&file),
            env(&[
                ("REGAUTH_ISSUER", "env"),
                ("REGAUTH_SIGNING_ALGORITHM", "RS256"),
            ]),
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:6001");
        assert_eq!(c.token_lifetime, 300);
        assert!(!c.x5c);
        assert_eq!(c.issuer, "env");
        assert_eq!(c.signing_algorithm, Algorithm::Rs256);
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            ("REGAUTH_LISTEN", "nowhere"),
            ("REGAUTH_TOKEN_LIFETIME", "ten"),
            ("REGAUTH_TOKEN_LIFETIME", "30"),
            ("REGAUTH_SIGNING_ALGORITHM", "HS256"),
            ("REGAUTH_X5C", "maybe"),
            ("REGAUTH_ISSUER", ""),
        ];
        for (var, value) in cases {
            let err = Config::load_with(None, env(&[(var, value)])).unwrap_err();
            assert!(err.to_string().contains(var), "{var}={value}: {err}");
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let err = Config::load_with(Some(&file), env(&[])).unwrap_err();
        assert!(err.to_string().contains("lisen"), "{err}");
        std::fs::write(&file, "token_lifetime = \"x\"\n").unwrap();
        let err = Config::load_with(Some(&file), env(&[])).unwrap_err();
        assert!(err.to_string().contains("token_lifetime"), "{err}");
        let missing = Config::load_with(Some(&dir.path().join("none.toml")), env(&[]));
        assert!(missing.unwrap_err().to_string().contains("none.toml"));
    }
}
