//! Operations settings: the log format and the TLS files (`tls_cert` and `tls_key`, both or
//! neither).

use super::{Config, ConfigError};
use crate::http::tls::TlsFiles;

/// How log lines are written to stderr (`REGAUTH_LOG_FORMAT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable `key=value` lines (the default).
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(value: &str) -> Result<LogFormat, String> {
        match value.to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("{value:?} is not text or json")),
        }
    }
}

/// Both TLS files or neither; else an error naming the key that is missing.
pub(super) fn check_tls_pair(config: &Config) -> Result<(), ConfigError> {
    match (&config.tls_cert, &config.tls_key) {
        (Some(_), None) => Err(half("tls_key", "tls_cert")),
        (None, Some(_)) => Err(half("tls_cert", "tls_key")),
        _ => Ok(()),
    }
}

impl Config {
    /// The TLS files when both are set (HTTPS), else `None` (plain HTTP).
    pub fn tls(&self) -> Option<TlsFiles> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        }
    }
}

fn half(missing: &str, given: &str) -> ConfigError {
    ConfigError::Invalid {
        key: format!("{missing} (REGAUTH_{})", missing.to_ascii_uppercase()),
        message: format!(
            "must be set when {given} is: HTTPS needs both the certificate and its key"
        ),
    }
}
