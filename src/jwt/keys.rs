//! Token signing keys: parsed once at start-up, reused for every signature, never printed.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, KeyPair as _, RsaKeyPair, RsaPublicKeyComponents};
use rsa::pkcs8::der::{self, Reader as _};
use rsa::pkcs8::{EncodePrivateKey as _, SubjectPublicKeyInfoRef};
use serde_json::json;

use super::jws::HeaderSegments;

/// File name of the PKCS#8 PEM private key inside the key directory (mode 0600).
pub const KEY_FILE: &str = "signing-key.pem";
/// File name of the self-signed certificate; operators give it to the registry as `rootcertbundle`.
pub const CERT_FILE: &str = "signing-cert.pem";

const CERT_COMMON_NAME: &str = "regauth token signing";
const CERT_VALIDITY: time::Duration = time::Duration::days(3650);
const RSA_BITS: usize = 2048;

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

    fn cert_algorithm(self) -> &'static rcgen::SignatureAlgorithm {
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
    /// Key or certificate generation failed inside the crypto libraries.
    #[error("could not {action}: {reason}")]
    Crypto {
        /// What was being done.
        action: &'static str,
        /// The library's error.
        reason: String,
    },
}

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
        create_dir(dir)?;
        let key = parse_pkcs8(&new_pkcs8(algorithm)?, &key_path)?;
        write_file(&key_path, key.cert_key.serialize_pem().as_bytes(), 0o600)?;
        let cert_pem = make_certificate(&key.cert_key)?;
        write_file(&cert_path, cert_pem.as_bytes(), 0o644)?;
        Self::assemble(key, cert_pem, &key_path, &cert_path)
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

    /// The public key as a JWK set: `{"keys":[{kty, crv, x, y | n, e, kid, alg, use}]}`.
    pub fn jwks(&self) -> serde_json::Value {
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
        json!({ "keys": [jwk] })
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

/// The libtrust key id: SHA-256 of the DER SubjectPublicKeyInfo, first 30 bytes, base32 without
/// padding (48 characters), in 12 colon-separated groups of 4.
pub fn libtrust_kid(spki_der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, spki_der);
    let encoded = data_encoding::BASE32_NOPAD.encode(&digest.as_ref()[..30]);
    let mut kid = String::with_capacity(encoded.len() + encoded.len() / 4);
    for (i, c) in encoded.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            kid.push(':');
        }
        kid.push(c);
    }
    kid
}

fn file_paths(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join(KEY_FILE), dir.join(CERT_FILE))
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> KeyError {
    let path = path.to_owned();
    move |source| KeyError::Io {
        action,
        path,
        source,
    }
}

fn crypto_error<E: fmt::Display>(action: &'static str) -> impl FnOnce(E) -> KeyError {
    move |e| KeyError::Crypto {
        action,
        reason: e.to_string(),
    }
}

fn invalid(path: &Path, reason: String) -> KeyError {
    KeyError::Invalid {
        path: path.to_owned(),
        reason,
    }
}

fn read_text(path: &Path) -> Result<String, KeyError> {
    fs::read_to_string(path).map_err(io_error("read", path))
}

/// Decode a PEM file holding exactly one block, insisting on `label`.
fn decode_pem(text: &[u8], label: &str, path: &Path) -> Result<Vec<u8>, KeyError> {
    let pem_error =
        |e: der::pem::Error| invalid(path, format!("is not a single-block PEM file: {e}"));
    // The RFC 7468 decoder rejects blank lines after the block, which editors like to leave.
    let text = text.trim_ascii_end();
    // The label is checked first so that legacy keys (which may carry PEM headers) get the hint.
    let found = der::pem::decode_label(text).map_err(pem_error)?;
    if found != label {
        return Err(match label {
            "PRIVATE KEY" => KeyError::NotPkcs8 {
                path: path.to_owned(),
                label: found.to_owned(),
            },
            _ => invalid(
                path,
                format!("holds a \"{found}\" PEM block, not \"{label}\""),
            ),
        });
    }
    der::pem::decode_vec(text)
        .map(|(_, der)| der)
        .map_err(pem_error)
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

/// A fresh PKCS#8 DER key; ring cannot generate RSA keys, so those come from the `rsa` crate.
fn new_pkcs8(algorithm: Algorithm) -> Result<Vec<u8>, KeyError> {
    match algorithm {
        Algorithm::Es256 => {
            let doc = EcdsaKeyPair::generate_pkcs8(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &SystemRandom::new(),
            )
            .map_err(crypto_error("generate an ECDSA P-256 key"))?;
            Ok(doc.as_ref().to_vec())
        }
        Algorithm::Rs256 => {
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_BITS)
                .map_err(crypto_error("generate an RSA key"))?;
            let doc = key
                .to_pkcs8_der()
                .map_err(crypto_error("encode the RSA key as PKCS#8"))?;
            Ok(doc.as_bytes().to_vec())
        }
    }
}

/// A self-signed certificate for `key`, as PEM.
fn make_certificate(key: &rcgen::KeyPair) -> Result<String, KeyError> {
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, CERT_COMMON_NAME);
    let now = time::OffsetDateTime::now_utc();
    // Back-dated an hour so a registry whose clock lags slightly still accepts it.
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + CERT_VALIDITY;
    // Random rather than rcgen's key-derived default: a re-made certificate must not reuse a serial.
    let mut serial = [0u8; 16];
    SystemRandom::new()
        .fill(&mut serial)
        .map_err(crypto_error("draw a certificate serial"))?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
    let cert = params
        .self_signed(key)
        .map_err(crypto_error("create the certificate"))?;
    Ok(cert.pem())
}

/// The SubjectPublicKeyInfo of a DER X.509 certificate (RFC 5280 §4.1), read with the `der` crate.
fn certificate_spki(cert_der: &[u8]) -> der::Result<SubjectPublicKeyInfoRef<'_>> {
    let mut reader = der::SliceReader::new(cert_der)?;
    let spki = reader.sequence(|cert| {
        let spki = cert.sequence(|tbs| {
            if tbs.peek_tag()?.is_context_specific() {
                tbs.tlv_bytes()?; // [0] version
            }
            for _ in 0..5 {
                tbs.tlv_bytes()?; // serialNumber, signature, issuer, validity, subject
            }
            let spki = tbs.decode()?;
            while !tbs.is_finished() {
                tbs.tlv_bytes()?; // unique ids, extensions
            }
            Ok(spki)
        })?;
        cert.tlv_bytes()?; // signatureAlgorithm
        cert.tlv_bytes()?; // signatureValue
        Ok(spki)
    })?;
    reader.finish(spki)
}

fn create_dir(dir: &Path) -> Result<(), KeyError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(io_error("create directory", dir))
}

/// Write via a temporary file and rename, so a crash never leaves a half-written key.
fn write_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), KeyError> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    match fs::remove_file(&tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(io_error("remove stale", &tmp)(e));
        }
        _ => {}
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&tmp).map_err(io_error("create", &tmp))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(io_error("write", &tmp))?;
    fs::rename(&tmp, path).map_err(io_error("replace", path))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    const ES256_KEY: &str = include_str!("../../tests/fixtures/es256-key.pem");
    const ES256_CERT: &str = include_str!("../../tests/fixtures/es256-cert.pem");
    const RS256_KEY: &str = include_str!("../../tests/fixtures/rs256-key.pem");
    const RS256_CERT: &str = include_str!("../../tests/fixtures/rs256-cert.pem");
    const ES256_SEC1_KEY: &str = include_str!("../../tests/fixtures/es256-sec1-key.pem");
    // Computed independently with openssl; see tests/fixtures/README.md.
    const ES256_KID: &str = "OTOT:RU5T:BKTN:JTEP:ZJWV:ZGHB:6EJ3:RGNT:JLSW:ZWGA:QNMA:4UFR";
    const RS256_KID: &str = "NRVP:5ZVY:IPSK:TM5A:G7U7:YKBF:IWTR:MGOI:GME6:6XE2:6YZS:XFVP";

    /// A key directory holding the openssl-made fixture pair for `algorithm`.
    pub(in super::super) fn fixture_key(algorithm: Algorithm) -> (tempfile::TempDir, SigningKey) {
        let (key, cert) = match algorithm {
            Algorithm::Es256 => (ES256_KEY, ES256_CERT),
            Algorithm::Rs256 => (RS256_KEY, RS256_CERT),
        };
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(KEY_FILE), key).unwrap();
        fs::write(dir.path().join(CERT_FILE), cert).unwrap();
        let (signing_key, created) = SigningKey::load_or_generate(dir.path(), algorithm).unwrap();
        assert!(!created);
        (dir, signing_key)
    }

    /// The DER SubjectPublicKeyInfo of a DER certificate.
    pub(in super::super) fn certificate_spki_der(cert_der: &[u8]) -> Vec<u8> {
        der::Encode::to_der(&certificate_spki(cert_der).unwrap()).unwrap()
    }

    #[test]
    fn kid_matches_openssl_for_fixtures() {
        assert_eq!(fixture_key(Algorithm::Es256).1.kid(), ES256_KID);
        assert_eq!(fixture_key(Algorithm::Rs256).1.kid(), RS256_KID);
    }

    #[test]
    fn libtrust_kid_hashes_the_certificate_spki() {
        let der = der::pem::decode_vec(ES256_CERT.as_bytes()).unwrap().1;
        let kid = libtrust_kid(&certificate_spki_der(&der));
        assert_eq!(kid, ES256_KID);
        assert_eq!(kid.len(), 48 + 11);
        assert_eq!(kid.split(':').count(), 12);
    }

    #[test]
    fn algorithm_names_round_trip() {
        for (text, alg) in [
            ("ES256", Algorithm::Es256),
            ("es256", Algorithm::Es256),
            ("RS256", Algorithm::Rs256),
            ("rs256", Algorithm::Rs256),
        ] {
            assert_eq!(text.parse::<Algorithm>().unwrap(), alg);
        }
        assert_eq!(Algorithm::Es256.to_string(), "ES256");
        assert_eq!(Algorithm::Rs256.to_string(), "RS256");
        assert!(matches!(
            "HS256".parse::<Algorithm>(),
            Err(KeyError::UnknownAlgorithm(_))
        ));
    }

    fn round_trip(algorithm: Algorithm) {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("nested/keys");
        let (generated, created) = SigningKey::load_or_generate(&keys, algorithm).unwrap();
        assert!(created);
        assert_eq!(generated.algorithm(), algorithm);
        let (loaded, created) = SigningKey::load_or_generate(&keys, algorithm).unwrap();
        assert!(!created);
        assert_eq!(loaded.kid(), generated.kid());
        assert_eq!(loaded.certificate_der(), generated.certificate_der());
        assert_eq!(
            loaded.certificate_pem(),
            fs::read_to_string(keys.join(CERT_FILE)).unwrap()
        );
        let key_pem = fs::read_to_string(keys.join(KEY_FILE)).unwrap();
        assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let cn = CERT_COMMON_NAME.as_bytes();
        assert!(loaded.certificate_der().windows(cn.len()).any(|w| w == cn));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(keys.join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let debug = format!("{loaded:?}");
        assert!(debug.contains(loaded.kid()));
        let secret_line = key_pem.lines().nth(1).unwrap();
        assert!(!debug.contains(secret_line) && !debug.contains("PRIVATE"));
    }

    #[test]
    fn generate_then_load_es256() {
        round_trip(Algorithm::Es256);
    }

    #[test]
    fn generate_then_load_rs256() {
        round_trip(Algorithm::Rs256);
    }

    #[test]
    fn generate_refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let first = SigningKey::generate(dir.path(), Algorithm::Es256, false).unwrap();
        match SigningKey::generate(dir.path(), Algorithm::Es256, false) {
            Err(KeyError::Exists(path)) => assert_eq!(path, dir.path().join(KEY_FILE)),
            other => panic!("expected Exists, got {other:?}"),
        }
        let second = SigningKey::generate(dir.path(), Algorithm::Es256, true).unwrap();
        assert_ne!(first.kid(), second.kid());
        let (loaded, _) = SigningKey::load_or_generate(dir.path(), Algorithm::Es256).unwrap();
        assert_eq!(loaded.kid(), second.kid());
    }

    #[test]
    fn algorithm_mismatch_names_the_fix() {
        let (dir, _) = fixture_key(Algorithm::Es256);
        let err = SigningKey::load_or_generate(dir.path(), Algorithm::Rs256).unwrap_err();
        assert!(matches!(
            err,
            KeyError::AlgorithmMismatch {
                found: Algorithm::Es256,
                wanted: Algorithm::Rs256,
                ..
            }
        ));
        let message = err.to_string();
        assert!(
            message.contains("regauth keys generate --algorithm RS256 --force"),
            "{message}"
        );
        assert!(message.contains(KEY_FILE), "{message}");
    }

    #[test]
    fn certificate_of_another_key_is_rejected() {
        let (dir, _) = fixture_key(Algorithm::Es256);
        let other = tempfile::tempdir().unwrap();
        SigningKey::generate(other.path(), Algorithm::Es256, false).unwrap();
        fs::copy(other.path().join(CERT_FILE), dir.path().join(CERT_FILE)).unwrap();
        let err = SigningKey::load_or_generate(dir.path(), Algorithm::Es256).unwrap_err();
        assert!(matches!(err, KeyError::CertificateMismatch { .. }), "{err}");
    }

    #[test]
    fn missing_certificate_is_made_from_the_key() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(KEY_FILE), RS256_KEY).unwrap();
        let (key, created) = SigningKey::load_or_generate(dir.path(), Algorithm::Rs256).unwrap();
        assert!(created);
        assert_eq!(key.kid(), RS256_KID);
        assert_eq!(
            fs::read_to_string(dir.path().join(CERT_FILE)).unwrap(),
            key.certificate_pem()
        );
    }

    #[test]
    fn certificate_without_key_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(CERT_FILE), ES256_CERT).unwrap();
        let err = SigningKey::load_or_generate(dir.path(), Algorithm::Es256).unwrap_err();
        assert!(matches!(err, KeyError::MissingKey { .. }), "{err}");
    }

    #[test]
    fn legacy_ec_key_gets_conversion_hint() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(KEY_FILE), ES256_SEC1_KEY).unwrap();
        let err = SigningKey::load_or_generate(dir.path(), Algorithm::Es256).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, KeyError::NotPkcs8 { ref label, .. } if label == "EC PRIVATE KEY"));
        assert!(
            message.contains("openssl pkcs8 -topk8 -nocrypt"),
            "{message}"
        );
        assert!(!message.contains(ES256_SEC1_KEY.lines().nth(1).unwrap()));
    }

    #[test]
    fn openssl_text_output_and_trailing_blank_lines_are_accepted() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(KEY_FILE), format!("{ES256_KEY}\n\n")).unwrap();
        let cert = format!("Certificate:\n    Data: ...\n{ES256_CERT}\r\n\n");
        fs::write(dir.path().join(CERT_FILE), cert).unwrap();
        let (key, _) = SigningKey::load_or_generate(dir.path(), Algorithm::Es256).unwrap();
        assert_eq!(key.kid(), ES256_KID);
    }

    #[test]
    fn garbage_key_file_is_a_pem_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(KEY_FILE), "not a key").unwrap();
        let err = SigningKey::load_or_generate(dir.path(), Algorithm::Es256).unwrap_err();
        assert!(matches!(err, KeyError::Invalid { .. }), "{err}");
    }
}
