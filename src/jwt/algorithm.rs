//! The signing algorithm and the key errors: what an operator chooses and what can go wrong
//! with key files. Messages name files, never key bytes.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::str::FromStr;

/// JWS signature algorithm of the signing key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256, raw `r||s` signatures (the default).
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
}

impl Algorithm {
    /// The JWA name used in the JWT `alg` header.
    pub fn jwa_name(&self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::Rs256 => "RS256",
        }
    }

    pub(super) fn cert_algorithm(self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            Algorithm::Es256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            Algorithm::Rs256 => &rcgen::PKCS_RSA_SHA256,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.jwa_name())
    }
}

impl FromStr for Algorithm {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, KeyError> {
        if s.eq_ignore_ascii_case("ES256") {
            Ok(Algorithm::Es256)
        } else if s.eq_ignore_ascii_case("RS256") {
            Ok(Algorithm::Rs256)
        } else {
            Err(KeyError::UnknownAlgorithm(s.to_owned()))
        }
    }
}

/// Why a signing key could not be loaded or created. Messages name files, never key bytes.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The algorithm name is neither ES256 nor RS256.
    #[error("unknown signing algorithm {0:?}; expected ES256 or RS256")]
    UnknownAlgorithm(String),
    /// `generate` without `force` found this existing key or certificate file.
    #[error("{} already exists; pass --force to replace it", .0.display())]
    Exists(PathBuf),
    /// Reading or writing a file failed.
    #[error("could not {action} {}: {source}", .path.display())]
    Io {
        /// What was being done, e.g. "read".
        action: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The stored key is of another algorithm than the configured one.
    #[error(
        "signing key {} is {found} but {wanted} is configured; run `regauth keys generate --algorithm {wanted} --force` to replace it (then give the registry the new certificate), or configure {found}",
        .path.display()
    )]
    AlgorithmMismatch {
        /// Algorithm of the key on disk.
        found: Algorithm,
        /// Algorithm from the configuration.
        wanted: Algorithm,
        /// The key file.
        path: PathBuf,
    },
    /// The key file holds a PEM block other than an unencrypted PKCS#8 "PRIVATE KEY".
    #[error(
        "{} holds a \"{label}\" PEM block but regauth needs an unencrypted PKCS#8 \"PRIVATE KEY\"; convert it with `openssl pkcs8 -topk8 -nocrypt -in {} -out <new file>`",
        .path.display(), .path.display()
    )]
    NotPkcs8 {
        /// The key file.
        path: PathBuf,
        /// The PEM label found.
        label: String,
    },
    /// A key or certificate file is malformed or of an unsupported kind.
    #[error("{} {reason}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it, phrased to follow the path.
        reason: String,
    },
    /// The certificate's public key is not the private key's.
    #[error(
        "certificate {} does not belong to private key {}; restore the matching pair, or delete the certificate to have it re-made from the key",
        .cert.display(), .key.display()
    )]
    CertificateMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// A certificate exists without its private key; generating would silently change the trust anchor.
    #[error(
        "certificate {} exists without its private key {}; restore the key, or run `regauth keys generate --force` to make a new pair",
        .cert.display(), .key.display()
    )]
    MissingKey {
        /// The certificate file.
        cert: PathBuf,
        /// The missing key file.
        key: PathBuf,
    },
    /// A key-ring change was refused; the message says why and what to do instead.
    #[error("{0}")]
    Refused(String),
    /// Key or certificate generation failed inside the crypto libraries.
    #[error("could not {action}: {reason}")]
    Crypto {
        /// What was being done.
        action: &'static str,
        /// The library's error.
        reason: String,
    },
}
