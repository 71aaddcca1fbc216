//! The key material `serve` needs, made when missing only where `keys_generate` allows it.
//! A replica (`REGAUTH_KEYS_GENERATE=false`) is given the keys directory its peers use and
//! never makes keys of its own: a signing key of its own would sign tokens that registries
//! trusting its peers refuse, and a sealing key of its own would seal CI secrets its peers
//! cannot open.

use super::BuildError;
use crate::app::sealing::{self, SealingKey};
use crate::config::Config;
use crate::jwt::SigningKey;
use crate::jwt::keys::{CERT_FILE, KEY_FILE};

/// The sealing key the application uses, created on first need only if allowed.
pub(super) fn sealing_key(config: &Config) -> SealingKey {
    SealingKey::in_dir(&config.keys_dir).generating(config.keys_generate)
}

/// The signing key `serve` signs with: loaded, or made when missing and allowed. Without
/// permission to make keys, every key file must already be there (a replica that lacked
/// only the sealing key would start and then fail its first `gitlab-deploy-token`).
pub(super) fn signing_key(config: &Config) -> Result<SigningKey, BuildError> {
    if !config.keys_generate {
        require_files(config)?;
    }
    // With every file present this only reads: a read-only keys volume is enough.
    let (key, created) = SigningKey::load_or_generate(&config.keys_dir, config.signing_algorithm)?;
    if created {
        tracing::info!(dir = %config.keys_dir.display(), kid = key.kid(), "created signing key and certificate");
    }
    Ok(key)
}

/// Refuse to go on unless the keys directory holds every key file.
fn require_files(config: &Config) -> Result<(), BuildError> {
    let missing: Vec<&str> = [KEY_FILE, CERT_FILE, sealing::KEY_FILE]
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
