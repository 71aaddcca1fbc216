//! Where the data lives, parsed once from `REGAUTH_DATABASE`: a `postgres://` (or
//! `postgresql://`) URL selects PostgreSQL, anything else is an SQLite file path. A URL's
//! password is never shown: `Debug` and `Display` print the URL without it.

use percent_encoding::percent_decode_str;
use std::path::PathBuf;
use std::str::FromStr;

/// The database a [`Store`](super::Store) opens.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file (created with its directory on first use).
    Sqlite(PathBuf),
    /// A PostgreSQL database (which must exist; its tables are created on first use).
    Postgres(Box<PostgresUrl>),
}

/// A parsed PostgreSQL connection URL, with the TLS settings regauth reads from it.
#[derive(Clone)]
pub struct PostgresUrl {
    pub(super) config: postgres::Config,
    /// `sslrootcert`: a PEM file of the certificate authorities trusted for the server's
    /// certificate; without it, the system's roots.
    pub(super) root_cert: Option<PathBuf>,
    shown: String,
}

impl PartialEq for PostgresUrl {
    fn eq(&self, other: &Self) -> bool {
        self.shown == other.shown && self.root_cert == other.root_cert
    }
}

impl Eq for PostgresUrl {}

impl Location {
    /// Parse a `REGAUTH_DATABASE` value; the error says what is wrong (the caller names the
    /// variable or key).
    pub fn parse(text: &str) -> Result<Location, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("must not be empty".into());
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return PostgresUrl::parse(text).map(|url| Location::Postgres(Box::new(url)));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(format!(
                "{scheme}:// is not a database regauth knows: give an SQLite file path or a \
                 postgres:// URL"
            ));
        }
        Ok(Location::Sqlite(PathBuf::from(text)))
    }
}

impl PostgresUrl {
    /// Parse a `postgres://user:password@host:port/db?sslmode=…&sslrootcert=…` URL.
    /// `sslrootcert` is taken out for regauth's TLS setup, and libpq's `verify-ca` and
    /// `verify-full` mean `require` here (a certificate is always verified, host name
    /// included), so URLs written for libpq work unchanged.
    fn parse(text: &str) -> Result<PostgresUrl, String> {
        let (base, query) = text.split_once('?').unwrap_or((text, ""));
        let mut root_cert = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sslrootcert" => {
                    let path = percent_decode_str(value).decode_utf8_lossy();
                    root_cert = Some(PathBuf::from(path.as_ref()));
                }
                "sslmode" if matches!(value, "verify-ca" | "verify-full") => {
                    kept.push("sslmode=require".to_owned())
                }
                _ => kept.push(pair.to_owned()),
            }
        }
        let rebuilt = match kept.is_empty() {
            true => base.to_owned(),
            false => format!("{base}?{}", kept.join("&")),
        };
        let config = postgres::Config::from_str(&rebuilt).map_err(|e| {
            // The driver's own message is generic; its cause names the option.
            let cause = std::error::Error::source(&e).map_or(e.to_string(), |c| c.to_string());
            format!("not a PostgreSQL URL ({cause})")
        })?;
        if config.get_hosts().is_empty() {
            return Err("the PostgreSQL URL names no host".into());
        }
        Ok(PostgresUrl {
            shown: shown(&config),
            config,
            root_cert,
        })
    }
}

/// `postgres://user@host:port/db`: the URL without its password, for messages.
fn shown(config: &postgres::Config) -> String {
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => String::new(),
    };
    let port = config
        .get_ports()
        .first()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let db = config.get_dbname().unwrap_or_default();
    format!("postgres://{user}{host}{port}/{db}")
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&url.shown),
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Location::Postgres(url) => f.debug_tuple("Postgres").field(&url.shown).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_postgres_and_paths_sqlite() {
        let pg = Location::parse("postgres://app:s3cret@db.example:5433/regauth").unwrap();
        assert_eq!(pg.to_string(), "postgres://app@db.example:5433/regauth");
        assert!(!format!("{pg:?}").contains("s3cret"), "{pg:?}");
        let pg = Location::parse("postgresql://app@db/regauth?sslmode=require").unwrap();
        assert!(matches!(pg, Location::Postgres(_)));
        assert_eq!(
            Location::parse("data/regauth.db").unwrap(),
            Location::Sqlite("data/regauth.db".into())
        );
        assert_eq!(
            Location::parse("/var/lib/regauth/db").unwrap(),
            Location::Sqlite("/var/lib/regauth/db".into())
        );
    }

    #[test]
    fn libpq_tls_settings_are_understood() {
        let url = "postgres://app@db/regauth?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem";
        let Location::Postgres(pg) = Location::parse(url).unwrap() else {
            panic!("not postgres");
        };
        assert_eq!(pg.config.get_ssl_mode(), postgres::config::SslMode::Require);
        assert_eq!(pg.root_cert, Some(PathBuf::from("/etc/ca.pem")));
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        let err = Location::parse("mysql://db/regauth").unwrap_err();
        assert!(err.contains("mysql:// is not a database"), "{err}");
        let err = Location::parse("postgres://db/regauth?sslmode=sometimes").unwrap_err();
        assert!(err.contains("not a PostgreSQL URL"), "{err}");
        let err = Location::parse("postgres://db/regauth?colour=blue").unwrap_err();
        assert!(err.contains("colour"), "{err}");
        assert!(Location::parse("  ").is_err());
    }
}
