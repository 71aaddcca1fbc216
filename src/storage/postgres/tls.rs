//! TLS to PostgreSQL, with rustls: used when the URL's `sslmode` asks for it (`prefer`,
//! the default, uses TLS when the server offers it; `require` refuses a server without
//! it). Whenever TLS is used the server's certificate is verified, host name included, as
//! libpq's `verify-full` does: against `sslrootcert` when the URL names one, else against
//! the system's roots. A certificate that does not verify fails the connection; it never
//! falls back to plain text.

use crate::storage::StorageError;
use crate::storage::location::PostgresUrl;
use postgres::config::SslMode;
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The TLS connector for `url`'s connections.
pub(super) fn connector(url: &PostgresUrl) -> Result<MakeRustlsConnect, StorageError> {
    let mut roots = RootCertStore::empty();
    match (&url.root_cert, url.config.get_ssl_mode()) {
        (_, SslMode::Disable) => {}
        (Some(path), _) => {
            let failed = |message: String| StorageError::Certificates {
                path: path.display().to_string(),
                message,
            };
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| failed(e.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| failed(e.to_string()))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(failed("no certificate in it".into()));
            }
        }
        (None, _) => {
            // Unreadable system certificates only matter if the server offers TLS, and
            // then the handshake says which certificate could not be verified.
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StorageError::Certificates {
            path: "(TLS setup)".into(),
            message: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}
