//! The public verification material, and only that: every published certificate in one PEM
//! bundle (distribution's `rootcertbundle`) and every published key in one JWKS document (v3's
//! `jwks`), written to a directory of their own so a registry never sees a private key.

use std::fs;
use std::path::Path;

use serde_json::json;

use super::keyfiles::{create_dir, write_file};
use super::keys::{KeyError, SigningKey};

/// The certificate bundle in the public directory; registries read it as `rootcertbundle`.
pub const BUNDLE_FILE: &str = "certs.pem";
/// The JWK set in the public directory; distribution v3 reads it as `jwks`.
pub const JWKS_FILE: &str = "jwks.json";

/// The public directory is readable by a registry running as another user.
const PUBLIC_DIR_MODE: u32 = 0o755;

/// The PEM bundle of `keys`' certificates, in the order given.
pub fn bundle<'a>(keys: impl IntoIterator<Item = &'a SigningKey>) -> String {
    keys.into_iter()
        .map(|key| {
            let pem = key.certificate_pem();
            if pem.ends_with('\n') {
                pem.to_owned()
            } else {
                format!("{pem}\n")
            }
        })
        .collect()
}

/// The JWK set of `keys`, in the order given.
pub fn jwks<'a>(keys: impl IntoIterator<Item = &'a SigningKey>) -> serde_json::Value {
    let keys: Vec<_> = keys.into_iter().map(SigningKey::jwk).collect();
    json!({ "keys": keys })
}

/// Write [`BUNDLE_FILE`] and [`JWKS_FILE`] for `keys` into `dir`, creating it, each atomically
/// and only when its content changes (a registry may be reading it). Returns whether a file
/// was written.
pub fn publish(dir: &Path, keys: &[&SigningKey]) -> Result<bool, KeyError> {
    create_dir(dir, PUBLIC_DIR_MODE)?;
    let jwks_text = format!(
        "{}\n",
        serde_json::to_string_pretty(&jwks(keys.iter().copied()))
            .expect("a JWK set of strings always serialises")
    );
    let mut written = false;
    for (name, text) in [
        (BUNDLE_FILE, bundle(keys.iter().copied())),
        (JWKS_FILE, jwks_text),
    ] {
        let path = dir.join(name);
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            write_file(&path, text.as_bytes(), 0o644)?;
            written = true;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::super::keys::tests::fixture_key;
    use super::*;
    use crate::jwt::Algorithm;

    #[test]
    fn publishes_every_certificate_and_key_and_nothing_private() {
        let (_es, es) = fixture_key(Algorithm::Es256);
        let (_rs, rs) = fixture_key(Algorithm::Rs256);
        let dir = tempfile::tempdir().unwrap();
        let public = dir.path().join("public");
        assert!(publish(&public, &[&es, &rs]).unwrap());
        let bundle = fs::read_to_string(public.join(BUNDLE_FILE)).unwrap();
        assert_eq!(bundle.matches("-----BEGIN CERTIFICATE-----").count(), 2);
        assert!(bundle.starts_with(es.certificate_pem().trim_end()));
        assert!(!bundle.contains("PRIVATE KEY"));
        let set: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(public.join(JWKS_FILE)).unwrap()).unwrap();
        let kids: Vec<_> = set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| &k["kid"])
            .collect();
        assert_eq!(kids, [es.kid(), rs.kid()]);
        // Private EC (`d`) and RSA (`d`, `p`, `q`) parameters never appear.
        assert!(
            set["keys"]
                .as_array()
                .unwrap()
                .iter()
                .all(|k| k.get("d").is_none())
        );
        let mut names: Vec<_> = fs::read_dir(&public)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, [BUNDLE_FILE, JWKS_FILE]);
        // Same content: nothing rewritten.
        assert!(!publish(&public, &[&es, &rs]).unwrap());
        assert!(publish(&public, &[&rs]).unwrap());
        let bundle = fs::read_to_string(public.join(BUNDLE_FILE)).unwrap();
        assert_eq!(bundle.trim_end(), rs.certificate_pem().trim_end());
    }
}
