//! Key-file plumbing: PEM decoding, the self-signed certificate, and writes that never leave
//! a half-written key behind.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair};
use rsa::pkcs8::EncodePrivateKey as _;
use rsa::pkcs8::SubjectPublicKeyInfoRef;
use rsa::pkcs8::der::{self, Reader as _};

use super::keys::{Algorithm, KeyError};

pub(super) const CERT_COMMON_NAME: &str = "regauth token signing";
const CERT_VALIDITY: time::Duration = time::Duration::days(3650);
const RSA_BITS: usize = 2048;

pub(super) fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> KeyError {
    let path = path.to_owned();
    move |source| KeyError::Io {
        action,
        path,
        source,
    }
}

pub(super) fn crypto_error<E: fmt::Display>(action: &'static str) -> impl FnOnce(E) -> KeyError {
    move |e| KeyError::Crypto {
        action,
        reason: e.to_string(),
    }
}

pub(super) fn invalid(path: &Path, reason: String) -> KeyError {
    KeyError::Invalid {
        path: path.to_owned(),
        reason,
    }
}

pub(super) fn read_text(path: &Path) -> Result<String, KeyError> {
    fs::read_to_string(path).map_err(io_error("read", path))
}

/// Decode a PEM file holding exactly one block, insisting on `label`.
pub(super) fn decode_pem(text: &[u8], label: &str, path: &Path) -> Result<Vec<u8>, KeyError> {
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

/// A self-signed certificate for `key`, as PEM.
pub(super) fn make_certificate(key: &rcgen::KeyPair) -> Result<String, KeyError> {
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
pub(super) fn certificate_spki(cert_der: &[u8]) -> der::Result<SubjectPublicKeyInfoRef<'_>> {
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

/// Create `dir` (and missing parents) with `mode`: 0700 for the private keys directory, which
/// nothing but regauth reads; 0755 for the public directory a registry running as another user
/// reads.
pub(super) fn create_dir(dir: &Path, mode: u32) -> Result<(), KeyError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, mode);
    #[cfg(not(unix))]
    let _ = mode;
    builder
        .create(dir)
        .map_err(io_error("create directory", dir))
}

/// Write via a temporary file and rename, so a crash never leaves a half-written key and a
/// reader (another replica, a registry starting) sees the old or the new file, never a mix.
/// The temporary name carries the process id: replicas sharing the directory may write the
/// same file at once.
pub(super) fn write_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), KeyError> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(".{}.tmp", std::process::id()));
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

/// A fresh PKCS#8 DER key; ring cannot generate RSA keys, so those come from the `rsa` crate.
pub(super) fn new_pkcs8(algorithm: Algorithm) -> Result<Vec<u8>, KeyError> {
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
