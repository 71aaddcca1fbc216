//! Certificates the tests make: a CA of their own and server certificates it signs for
//! `127.0.0.1` and `localhost`, written as PEM files (rcgen).

use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair};
use std::path::{Path, PathBuf};

/// A certificate authority.
pub struct Ca {
    cert: Certificate,
    key: KeyPair,
    /// The CA certificate, PEM.
    pub pem: String,
}

impl Ca {
    /// A new self-signed CA named `name`.
    pub fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().expect("CA key");
        let cert = params.self_signed(&key).expect("self-sign the CA");
        let pem = cert.pem();
        Ca { cert, key, pem }
    }

    /// Writes the CA certificate to `path`.
    pub fn write(&self, path: &Path) -> PathBuf {
        std::fs::write(path, &self.pem).expect("write CA certificate");
        path.to_owned()
    }

    /// A server certificate for 127.0.0.1 and localhost, written to `dir/NAME.crt` and
    /// `dir/NAME.key`; returns both paths.
    pub fn server(&self, dir: &Path, name: &str) -> (PathBuf, PathBuf) {
        self.server_for(dir, name, &["127.0.0.1", "localhost"])
    }

    /// A server certificate for the host names and addresses `sans`, written to
    /// `dir/NAME.crt` and `dir/NAME.key`; returns both paths.
    pub fn server_for(&self, dir: &Path, name: &str, sans: &[&str]) -> (PathBuf, PathBuf) {
        let sans = sans.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut params = CertificateParams::new(sans).expect("server params");
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().expect("server key");
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("sign the server certificate");
        let (cert_path, key_path) = (
            dir.join(format!("{name}.crt")),
            dir.join(format!("{name}.key")),
        );
        std::fs::write(&cert_path, cert.pem()).expect("write server certificate");
        std::fs::write(&key_path, key.serialize_pem()).expect("write server key");
        (cert_path, key_path)
    }
}

/// A blocking HTTPS client that trusts only `ca_pem`.
pub fn client_trusting(ca_pem: &str) -> reqwest::blocking::Client {
    let ca = reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("parse CA");
    reqwest::blocking::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        // A fresh connection per request: each one sees the certificate served now.
        .pool_max_idle_per_host(0)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("build HTTPS client")
}
