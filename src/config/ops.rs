//! Operations settings: the log format and the TLS files (`tls_cert` and `tls_key`, both or
//! neither).

use super::ConfigError;
use crate::http::tls::TlsFiles;
use std::path::PathBuf;

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

/// `tls_cert` and `tls_key` as given, before the both-or-neither check.
#[derive(Clone, Debug, Default)]
pub struct TlsPaths {
    /// `tls_cert`.
    pub cert: Option<PathBuf>,
    /// `tls_key`.
    pub key: Option<PathBuf>,
}

impl TlsPaths {
    /// Both files, neither (plain HTTP), or an error naming the key that is missing.
    pub fn files(&self) -> Result<Option<TlsFiles>, ConfigError> {
        match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => Ok(Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(half("tls_key", "tls_cert")),
            (None, Some(_)) => Err(half("tls_cert", "tls_key")),
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
