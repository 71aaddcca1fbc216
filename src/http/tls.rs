//! Serving HTTPS directly: a PEM certificate chain and key, read at start-up and again on
//! SIGHUP. The handshake asks a resolver for the certificate, and the resolver hands out an
//! `Arc` that a reload swaps, so connections made after a reload get the new certificate
//! while open ones keep theirs. A reload also forgets the sessions clients could resume, since
//! a resumed session skips the certificate. A reload that fails keeps the old certificate and
//! says why.

use rustls::crypto::CryptoProvider;
use rustls::server::{
    ClientHello, ResolvesServerCert, ServerConfig, ServerSessionMemoryCache, StoresServerSessions,
};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Where the certificate chain and its key are (`REGAUTH_TLS_CERT`, `REGAUTH_TLS_KEY`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// The PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// The PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why the certificate or key could not be used; names the file, never key bytes.
#[derive(Debug, thiserror::Error)]
#[error("TLS: {path}: {message}")]
pub struct TlsError {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn error(path: &Path, message: impl ToString) -> TlsError {
    TlsError {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// Hands the current certificate to every handshake.
#[derive(Debug)]
pub struct CertResolver {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
    sessions: Arc<Sessions>,
}

/// Sessions kept for resumption (rustls' memory cache), emptied by a reload.
#[derive(Debug)]
struct Sessions(RwLock<Arc<ServerSessionMemoryCache>>);

/// As many sessions as rustls keeps by default.
const SESSIONS: usize = 256;

impl Sessions {
    fn cache(&self) -> Arc<ServerSessionMemoryCache> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn forget(&self) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) =
            ServerSessionMemoryCache::new(SESSIONS);
    }
}

impl StoresServerSessions for Sessions {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        self.cache().put(key, value)
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.cache().get(key)
    }

    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.cache().take(key)
    }

    fn can_cache(&self) -> bool {
        true
    }
}

impl CertResolver {
    /// Read `files`; both must hold a certificate chain and the key that belongs to it.
    pub fn load(files: TlsFiles) -> Result<Arc<CertResolver>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let current = RwLock::new(Arc::new(read(&files, &provider)?));
        let sessions = Arc::new(Sessions(RwLock::new(ServerSessionMemoryCache::new(
            SESSIONS,
        ))));
        Ok(Arc::new(CertResolver {
            files,
            provider,
            current,
            sessions,
        }))
    }

    /// Read the files again and use them for new connections; on error nothing changes.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = Arc::new(read(&self.files, &self.provider)?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        self.sessions.forget();
        Ok(())
    }

    /// The rustls server configuration that asks this resolver (TLS 1.2 and 1.3, no client
    /// certificates; actix sets ALPN).
    pub fn server_config(self: &Arc<Self>) -> Result<ServerConfig, TlsError> {
        let mut config = ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| error(&self.files.cert, e))?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.session_storage = self.sessions.clone();
        Ok(config)
    }

    /// Reload on every SIGHUP, for as long as the actix system runs (call inside it).
    pub fn reload_on_hangup(self: &Arc<Self>) -> std::io::Result<()> {
        use actix_web::rt::signal::unix::{SignalKind, signal};
        let mut hangups = signal(SignalKind::hangup())?;
        let resolver = self.clone();
        actix_web::rt::spawn(async move {
            while hangups.recv().await.is_some() {
                match resolver.reload() {
                    Ok(()) => tracing::info!(
                        cert = %resolver.files.cert.display(),
                        "reloaded the TLS certificate: new connections use it"
                    ),
                    Err(e) => {
                        tracing::error!(error = %e, "TLS reload failed; the previous certificate stays")
                    }
                }
            }
        });
        Ok(())
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        )
    }
}

/// The chain and key from `files`, checked to belong together.
fn read(files: &TlsFiles, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| error(&files.cert, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(&files.cert, e))?;
    if chain.is_empty() {
        return Err(error(&files.cert, "holds no CERTIFICATE block"));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| error(&files.key, e))?;
    CertifiedKey::from_der(chain, key, provider)
        .map_err(|e| error(&files.key, format!("does not fit the certificate: {e}")))
}
