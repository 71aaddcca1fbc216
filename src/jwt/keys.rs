//! Token signing keys: parsed once at start-up, reused for every signature, never printed.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair as _, RsaKeyPair, RsaPublicKeyComponents};
use serde_json::json;

pub use super::algorithm::{Algorithm, KeyError};
use super::jws::HeaderSegments;
pub use super::keyfiles::libtrust_kid;
use super::keyfiles::{
    certificate_spki, create_dir, crypto_error, decode_pem, invalid, io_error, make_certificate,
    new_pkcs8, read_text, write_file,
};

/// File name of the PKCS#8 PEM private key inside the key directory (mode 0600).
pub const KEY_FILE: &str = "signing-key.pem";
/// File name of the self-signed certificate; operators give it to the registry as `rootcertbundle`.
pub const CERT_FILE: &str = "signing-cert.pem";

/// Only regauth reads the keys directory: registries get the public directory instead.
const KEYS_DIR_MODE: u32 = 0o700;

/// The token signing key with its certificate, kid and pre-encoded JWT headers.
pub struct SigningKey {
    algorithm: Algorithm,
    signer: Signer,
    rng: SystemRandom,
    kid: String,
    cert_pem: String,
    cert_der: Vec<u8>,
    headers: HeaderSegments,
}

enum Signer {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

/// A private key parsed for both signing (ring) and certificate making (rcgen).
struct ParsedKey {
    algorithm: Algorithm,
    signer: Signer,
    cert_key: rcgen::KeyPair,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only public facts: the private key must never reach logs.
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Create a new key and self-signed certificate in `dir`, creating the directory.
    ///
    /// Without `force`, an existing key or certificate file is an [`KeyError::Exists`] error.
    pub fn generate(dir: &Path, algorithm: Algorithm, force: bool) -> Result<SigningKey, KeyError> {
        let (key_path, cert_path) = file_paths(dir);
        let existing = [&key_path, &cert_path].into_iter().find(|p| p.exists());
        if let (false, Some(existing)) = (force, existing) {
            return Err(KeyError::Exists(existing.clone()));
        }
        create_dir(dir, KEYS_DIR_MODE)?;
        Self::write_new(&key_path, &cert_path, algorithm)
    }

    /// Create a new key in `dir`, its files named from its kid by `names` (key file, certificate
    /// file), refusing to replace an existing file.
    pub(super) fn create_in(
        dir: &Path,
        algorithm: Algorithm,
        names: impl Fn(&str) -> (String, String),
    ) -> Result<SigningKey, KeyError> {
        let key = parse_pkcs8(&new_pkcs8(algorithm)?, dir)?;
        let (key_name, cert_name) = names(&libtrust_kid(&key.cert_key.public_key_der()));
        let (key_path, cert_path) = (dir.join(key_name), dir.join(cert_name));
        if let Some(existing) = [&key_path, &cert_path].into_iter().find(|p| p.exists()) {
            return Err(KeyError::Exists(existing.clone()));
        }
        create_dir(dir, KEYS_DIR_MODE)?;
        Self::write_parsed(key, &key_path, &cert_path)
    }

    fn write_new(
        key_path: &Path,
        cert_path: &Path,
        algorithm: Algorithm,
    ) -> Result<SigningKey, KeyError> {
        Self::write_parsed(
            parse_pkcs8(&new_pkcs8(algorithm)?, key_path)?,
            key_path,
            cert_path,
        )
    }

    fn write_parsed(
        key: ParsedKey,
        key_path: &Path,
        cert_path: &Path,
    ) -> Result<SigningKey, KeyError> {
        write_file(key_path, key.cert_key.serialize_pem().as_bytes(), 0o600)?;
        let cert_pem = make_certificate(&key.cert_key)?;
        write_file(cert_path, cert_pem.as_bytes(), 0o644)?;
        Self::assemble(key, cert_pem, key_path, cert_path)
    }

    /// Load an existing key and its certificate, of whatever algorithm they are.
    pub(super) fn load(key_path: &Path, cert_path: &Path) -> Result<SigningKey, KeyError> {
        let key = load_key(key_path)?;
        Self::assemble(key, read_text(cert_path)?, key_path, cert_path)
    }

    /// Load the key and certificate from `dir`, creating what is missing.
    ///
    /// With neither file present a new pair is generated. With only the key present a new
    /// certificate is made from it. The flag is `true` whenever this call wrote a file, i.e.
    /// the registry must be given the (new) certificate.
    pub fn load_or_generate(
        dir: &Path,
        algorithm: Algorithm,
    ) -> Result<(SigningKey, bool), KeyError> {
        let (key_path, cert_path) = file_paths(dir);
        if !key_path.exists() {
            if cert_path.exists() {
                return Err(KeyError::MissingKey {
                    cert: cert_path,
                    key: key_path,
                });
            }
            return Ok((Self::generate(dir, algorithm, false)?, true));
        }
        let key = load_key(&key_path)?;
        if key.algorithm != algorithm {
            return Err(KeyError::AlgorithmMismatch {
                found: key.algorithm,
                wanted: algorithm,
                path: key_path,
            });
        }
        let (cert_pem, created) = if cert_path.exists() {
            (read_text(&cert_path)?, false)
        } else {
            let cert_pem = make_certificate(&key.cert_key)?;
            write_file(&cert_path, cert_pem.as_bytes(), 0o644)?;
            (cert_pem, true)
        };
        Ok((
            Self::assemble(key, cert_pem, &key_path, &cert_path)?,
            created,
        ))
    }

    /// Check that the certificate belongs to the key and precompute kid and headers.
    fn assemble(
        key: ParsedKey,
        cert_pem: String,
        key_path: &Path,
        cert_path: &Path,
    ) -> Result<SigningKey, KeyError> {
        let cert_der = decode_pem(cert_pem.as_bytes(), "CERTIFICATE", cert_path)?;
        let spki = certificate_spki(&cert_der)
            .map_err(|e| invalid(cert_path, format!("is not a valid X.509 certificate: {e}")))?;
        let private_public_key = match &key.signer {
            Signer::Ec(kp) => kp.public_key().as_ref(),
            Signer::Rsa(kp) => kp.public_key().as_ref(),
        };
        if spki.subject_public_key.raw_bytes() != private_public_key {
            return Err(KeyError::CertificateMismatch {
                cert: cert_path.to_owned(),
                key: key_path.to_owned(),
            });
        }
        // rcgen encodes the SubjectPublicKeyInfo canonically, as Go's libtrust does before hashing.
        let kid = libtrust_kid(&key.cert_key.public_key_der());
        let headers = HeaderSegments::new(key.algorithm, &kid, &cert_der);
        Ok(SigningKey {
            algorithm: key.algorithm,
            signer: key.signer,
            rng: SystemRandom::new(),
            kid,
            cert_pem,
            cert_der,
            headers,
        })
    }

    /// The key's JWS algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The libtrust key id of the certificate's public key (the JWT `kid`).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The PEM text of the certificate, as stored in [`CERT_FILE`].
    pub fn certificate_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The DER bytes of the certificate (what `x5c` carries).
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The public key as a JWK set of one: `{"keys":[`[`SigningKey::jwk`]`]}`.
    pub fn jwks(&self) -> serde_json::Value {
        json!({ "keys": [self.jwk()] })
    }

    /// The public key as one JWK: `{kty, crv, x, y | n, e, kid, alg, use}`.
    pub fn jwk(&self) -> serde_json::Value {
        let mut jwk = match &self.signer {
            Signer::Ec(kp) => {
                // ring gives the uncompressed point 0x04 || x || y.
                let (x, y) = kp.public_key().as_ref()[1..].split_at(32);
                let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
                json!({"kty": "EC", "crv": "P-256", "x": x, "y": y})
            }
            Signer::Rsa(kp) => {
                let public = RsaPublicKeyComponents::<Vec<u8>>::from(kp.public());
                let (n, e) = (
                    URL_SAFE_NO_PAD.encode(public.n),
                    URL_SAFE_NO_PAD.encode(public.e),
                );
                json!({"kty": "RSA", "n": n, "e": e})
            }
        };
        jwk["kid"] = json!(self.kid);
        jwk["alg"] = json!(self.algorithm.jwa_name());
        jwk["use"] = json!("sig");
        jwk
    }

    /// Sign `message`, returning the raw JWS signature (`r||s`, 64 bytes, for ES256).
    ///
    /// # Panics
    /// Only if the operating system's random generator fails, which ring treats as fatal.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.signer {
            Signer::Ec(kp) => kp
                .sign(&self.rng, message)
                .expect("ECDSA signing needs the OS random generator")
                .as_ref()
                .to_vec(),
            Signer::Rsa(kp) => {
                let mut sig = vec![0; kp.public().modulus_len()];
                kp.sign(&signature::RSA_PKCS1_SHA256, &self.rng, message, &mut sig)
                    .expect("RSA signing needs the OS random generator");
                sig
            }
        }
    }

    /// The base64url header segment, with or without `x5c`.
    pub(super) fn header_segments(&self) -> &HeaderSegments {
        &self.headers
    }
}

fn file_paths(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join(KEY_FILE), dir.join(CERT_FILE))
}

fn load_key(path: &Path) -> Result<ParsedKey, KeyError> {
    let text = fs::read(path).map_err(io_error("read", path))?;
    parse_pkcs8(&decode_pem(&text, "PRIVATE KEY", path)?, path)
}

/// Parse PKCS#8 DER, finding the algorithm by trying ring's EC parser, then its RSA parser.
fn parse_pkcs8(pkcs8: &[u8], path: &Path) -> Result<ParsedKey, KeyError> {
    let ec = EcdsaKeyPair::from_pkcs8(
        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        pkcs8,
        &SystemRandom::new(),
    );
    let (algorithm, signer) = match ec {
        Ok(kp) => (Algorithm::Es256, Signer::Ec(kp)),
        Err(ec) => match RsaKeyPair::from_pkcs8(pkcs8) {
            Ok(kp) => (Algorithm::Rs256, Signer::Rsa(kp)),
            Err(rsa) => {
                let reason = format!(
                    "is neither an ECDSA P-256 nor an RSA 2048-8192 bit key (as EC: {ec}; as RSA: {rsa})"
                );
                return Err(invalid(path, reason));
            }
        },
    };
    let cert_key =
        rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.into(), algorithm.cert_algorithm())
            .map_err(crypto_error("prepare the key for certificate signing"))?;
    Ok(ParsedKey {
        algorithm,
        signer,
        cert_key,
    })
}

#[cfg(test)]
#[path = "keys_tests.rs"]
pub(super) mod tests;
