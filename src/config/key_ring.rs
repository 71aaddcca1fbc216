//! Key-ring settings, kept apart from the rest of the configuration: where regauth publishes the
//! public verification files (never next to the private keys), and how ring changes are seen.

use std::path::{Path, PathBuf};

/// Scalar keys of this block; the environment variable is `REGAUTH_` + the name in capitals.
pub(super) const KEYS: &[&str] = &[
    "public_keys_dir",
    "key_activation_delay",
    "key_reload_interval",
];

/// Default seconds between re-reads of the ring manifest.
const DEFAULT_RELOAD_INTERVAL: u64 = 5;

/// Where the certificate bundle and JWKS file go, and how key changes are picked up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRingSettings {
    /// Directory for `certs.pem` and `jwks.json`, the only files a registry needs
    /// (`REGAUTH_PUBLIC_KEYS_DIR`); unset, `public/` inside the keys directory.
    pub public_dir: Option<PathBuf>,
    /// Seconds after `keys rotate` at which the new key starts signing by itself
    /// (`REGAUTH_KEY_ACTIVATION_DELAY`); unset, only `keys activate` activates.
    pub activation_delay: Option<u64>,
    /// Seconds between re-reads of `ring.json` by a running server
    /// (`REGAUTH_KEY_RELOAD_INTERVAL`, 1 to 300, default 5); SIGHUP re-reads at once.
    pub reload_interval: u64,
}

impl Default for KeyRingSettings {
    fn default() -> Self {
        KeyRingSettings {
            public_dir: None,
            activation_delay: None,
            reload_interval: DEFAULT_RELOAD_INTERVAL,
        }
    }
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
            "key_activation_delay" => {
                self.activation_delay = Some(
                    value
                        .parse()
                        .map_err(|_| format!("{value:?} is not a number of seconds"))?,
                )
            }
            "key_reload_interval" => {
                self.reload_interval = value
                    .parse()
                    .ok()
                    .filter(|s| (1..=300).contains(s))
                    .ok_or_else(|| format!("{value:?} is not a number of seconds from 1 to 300"))?
            }
            _ => unreachable!("only keys listed in KEYS reach this block"),
        }
        Ok(())
    }
}
