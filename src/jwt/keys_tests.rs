//! Key loading, generation and kid test vectors.

use super::*;
use crate::jwt::keyfiles::CERT_COMMON_NAME;
use rsa::pkcs8::der;

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
