//! The key material `serve` needs, made when missing only where `keys_generate` allows it.
//! A replica (`REGAUTH_KEYS_GENERATE=false`) is given the keys directory its peers use and
//! never makes keys of its own: a signing key of its own would sign tokens that registries
//! trusting its peers refuse, and a sealing key of its own would seal CI secrets its peers
//! cannot open.

use super::BuildError;
use crate::app::sealing::{self, SealingKey};
use crate::config::Config;
use crate::jwt::keyring::KeyRing;
use crate::jwt::manifest::MANIFEST_FILE;

/// The sealing key the application uses, created on first need only if allowed.
pub(super) fn sealing_key(config: &Config) -> SealingKey {
    SealingKey::in_dir(&config.keys_dir).generating(config.keys_generate)
}

/// The key ring `serve` signs with: loaded, or made when missing and allowed. Without
/// permission to make keys, the ring's manifest and the sealing key must already be there (a
/// replica that lacked only the sealing key would start and then fail its first
/// `gitlab-deploy-token`); a key file the manifest lists but the directory lacks is refused
/// by the ring itself.
pub(super) fn signing_ring(config: &Config) -> Result<KeyRing, BuildError> {
    if !config.keys_generate {
        require_files(config)?;
    }
    // With the manifest present this only reads the keys directory (a read-only volume is
    // enough); it writes the public files into the public keys directory.
    Ok(KeyRing::open(
        &config.keys_dir,
        &config.public_keys_dir(),
        config.signing_algorithm,
    )?)
}

/// Refuse to go on unless the keys directory holds the ring's manifest and the sealing key.
fn require_files(config: &Config) -> Result<(), BuildError> {
    let missing: Vec<&str> = [MANIFEST_FILE, sealing::KEY_FILE]
        .into_iter()
        .filter(|file| !config.keys_dir.join(file).exists())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(BuildError::KeysMissing {
        dir: config.keys_dir.display().to_string(),
        missing: missing.join(", "),
    })
}
