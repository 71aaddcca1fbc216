//! Operations settings of a server: whether it speaks TLS, and what `/readyz` checks on disk.

use super::health::Readiness;
use super::tls::{CertResolver, TlsError};
use crate::config::Config;
use crate::storage::Location;
use std::sync::Arc;

/// TLS (unset: plain HTTP) and the readiness checks.
#[derive(Default)]
pub struct Ops {
    /// Serve HTTPS with this certificate (reloaded on SIGHUP).
    pub tls: Option<Arc<CertResolver>>,
    /// What `/readyz` checks besides the pool and the key in memory.
    pub readiness: Readiness,
}

impl Ops {
    /// As `config` says: its TLS files read now (a bad file stops the start), readiness
    /// looking at its database file and keys directory.
    pub fn from_config(config: &Config) -> Result<Ops, TlsError> {
        let tls = config.tls().map(CertResolver::load).transpose()?;
        Ok(Ops {
            tls,
            readiness: Readiness {
                // A PostgreSQL server has no file here to look at: the ping covers it.
                database: match &config.database {
                    Location::Sqlite(path) => Some(path.clone()),
                    Location::Postgres(_) => None,
                },
                keys_dir: Some(config.keys_dir.clone()),
            },
        })
    }

    /// `https` or `http`, as the listening line says.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }
}
