//! Key-ring settings, kept apart from the rest of the configuration: where regauth publishes the
//! public verification files (never next to the private keys), and how ring changes are seen.

use std::path::{Path, PathBuf};

/// Scalar keys of this block; the environment variable is `REGAUTH_` + the name in capitals.
pub(super) const KEYS: &[&str] = &["public_keys_dir"];

/// Where the certificate bundle and JWKS file go, and how key changes are picked up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyRingSettings {
    /// Directory for `certs.pem` and `jwks.json`, the only files a registry needs
    /// (`REGAUTH_PUBLIC_KEYS_DIR`); unset, `public/` inside the keys directory.
    pub public_dir: Option<PathBuf>,
}

impl KeyRingSettings {
    /// The public directory for a keys directory `keys_dir`.
    pub fn public_dir(&self, keys_dir: &Path) -> PathBuf {
        self.public_dir
            .clone()
            .unwrap_or_else(|| keys_dir.join("public"))
    }

    /// Set one key of this block from its text form.
    pub(super) fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "public_keys_dir" => self.public_dir = Some(super::non_empty(value)?.into()),
            _ => unreachable!("only keys listed in KEYS reach this block"),
        }
        Ok(())
    }
}
