//! Sealing secrets that must be readable again (only `gitlab-deploy-token` secrets, for CI
//! variables): AES-256-GCM under a key file in the keys directory, created on first need
//! with mode 0600, and a fresh random nonce per secret. A process told not to make keys
//! (`REGAUTH_KEYS_GENERATE=false`, a replica) never creates it: a key of its own would seal
//! secrets that its peers could not open.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// File name of the sealing key inside the keys directory.
pub const KEY_FILE: &str = "ci-secrets.key";
const KEY_LEN: usize = 32;

/// A sealed secret: what the database keeps.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The random 96-bit nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext followed by the 16-byte tag.
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes)", self.ciphertext.len())
    }
}

/// Why sealing or opening failed. Never carries key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// No keys directory was given to the application.
    #[error("no keys directory is configured for sealing CI secrets")]
    NotConfigured,
    /// The key file could not be created or read.
    #[error("sealing key {path}: {message}")]
    Key {
        /// The key file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The ciphertext does not open under this key (the key file was replaced, or the row
    /// was tampered with).
    #[error("a sealed CI secret does not open with {0}: was the key file replaced?")]
    Open(String),
}

/// The sealing key's location; the key is read (or created) on each use, which is rare.
#[derive(Clone, Debug)]
pub struct SealingKey {
    path: PathBuf,
    generate: bool,
}

impl SealingKey {
    /// The key kept as [`KEY_FILE`] in `keys_dir`, created by the first seal.
    pub fn in_dir(keys_dir: &Path) -> SealingKey {
        SealingKey {
            path: keys_dir.join(KEY_FILE),
            generate: true,
        }
    }

    /// The same key, created by the first seal only if `generate`; otherwise a missing key
    /// makes sealing fail (naming the file) rather than making a key no peer shares.
    pub fn generating(mut self, generate: bool) -> SealingKey {
        self.generate = generate;
        self
    }

    /// The key file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Create the key file unless it exists (never replacing one: secrets sealed under it
    /// could not be opened again); whether this call created it.
    pub fn create_if_missing(&self) -> Result<bool, SealError> {
        if self.path.exists() {
            return Ok(false);
        }
        self.create()?;
        Ok(true)
    }

    /// Seal `plaintext`, binding it to `aad` (the token's digest, so a sealed secret cannot
    /// be moved to another row).
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Sealed, SealError> {
        let key = self.load(true)?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| self.error("the system random generator failed"))?;
        let mut in_out = plaintext.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut in_out,
        )
        .map_err(|_| self.error("sealing failed"))?;
        Ok(Sealed {
            nonce: nonce.to_vec(),
            ciphertext: in_out,
        })
    }

    /// Open a sealed secret bound to `aad`.
    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<Vec<u8>, SealError> {
        let key = self.load(false)?;
        let opened = || SealError::Open(self.path.display().to_string());
        let nonce = Nonce::try_assume_unique_for_key(&sealed.nonce).map_err(|_| opened())?;
        let mut in_out = sealed.ciphertext.clone();
        let plain = key
            .open_in_place(nonce, Aad::from(aad), &mut in_out)
            .map_err(|_| opened())?;
        Ok(plain.to_vec())
    }

    fn error(&self, message: &str) -> SealError {
        SealError::Key {
            path: self.path.display().to_string(),
            message: message.to_owned(),
        }
    }

    /// Read the key; a missing one is created only when `create` (sealing), since a new key
    /// could never open what an old one sealed.
    fn load(&self, create: bool) -> Result<LessSafeKey, SealError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if create && e.kind() == std::io::ErrorKind::NotFound => {
                if !self.generate {
                    return Err(self.error(
                        "missing, and REGAUTH_KEYS_GENERATE is false: this process makes no \
                         key of its own; give it the keys directory its peers use",
                    ));
                }
                self.create()?
            }
            Err(e) => return Err(self.error(&e.to_string())),
        };
        if bytes.len() != KEY_LEN {
            return Err(self.error("expected exactly 32 bytes"));
        }
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| self.error("bad key"))?;
        Ok(LessSafeKey::new(key))
    }

    /// Write a fresh key to a private temporary file, then link it into place: the link
    /// fails if another process won the race, and then its key is the one used.
    fn create(&self) -> Result<Vec<u8>, SealError> {
        let io = |e: std::io::Error| self.error(&e.to_string());
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut key = [0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| self.error("the system random generator failed"))?;
        let tmp = self
            .path
            .with_extension(format!("tmp-{}", std::process::id()));
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .and_then(|mut f| f.write_all(&key).and_then(|()| f.sync_all()));
        let linked = written.and_then(|()| std::fs::hard_link(&tmp, &self.path));
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(key.to_vec()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                std::fs::read(&self.path).map_err(io)
            }
            Err(e) => Err(io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn key_created_once_private_and_nonces_random() {
        let dir = tempfile::tempdir().unwrap();
        let key = SealingKey::in_dir(&dir.path().join("keys"));
        let a = key.seal(b"gldt-secret", b"digest-a").unwrap();
        let path = dir.path().join("keys").join(KEY_FILE);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let stored = std::fs::read(&path).unwrap();
        let b = key.seal(b"gldt-secret", b"digest-a").unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            stored,
            "key reused, not recreated"
        );
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
        assert_eq!(a.nonce.len(), 12);
        assert!(!a.ciphertext.windows(11).any(|w| w == b"gldt-secret"));
        assert_eq!(key.open(&a, b"digest-a").unwrap(), b"gldt-secret");
        assert_eq!(key.open(&b, b"digest-a").unwrap(), b"gldt-secret");
    }

    #[test]
    fn a_key_that_must_not_be_generated_is_never_created() {
        let dir = tempfile::tempdir().unwrap();
        let replica = SealingKey::in_dir(dir.path()).generating(false);
        let err = replica.seal(b"gldt-secret", b"d").unwrap_err().to_string();
        assert!(err.contains("REGAUTH_KEYS_GENERATE"), "{err}");
        assert!(
            err.contains(&dir.path().join(KEY_FILE).display().to_string()),
            "{err}"
        );
        assert!(!dir.path().join(KEY_FILE).exists());
        // Once the shared key is there, the replica seals with it, and its peer opens it.
        assert!(SealingKey::in_dir(dir.path()).create_if_missing().unwrap());
        assert!(!SealingKey::in_dir(dir.path()).create_if_missing().unwrap());
        let sealed = replica.seal(b"gldt-secret", b"d").unwrap();
        let peer = SealingKey::in_dir(dir.path());
        assert_eq!(peer.open(&sealed, b"d").unwrap(), b"gldt-secret");
    }

    #[test]
    fn wrong_aad_wrong_key_or_tampering_do_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let key = SealingKey::in_dir(dir.path());
        let sealed = key.seal(b"gldt-secret", b"digest-a").unwrap();
        assert!(matches!(
            key.open(&sealed, b"digest-b"),
            Err(SealError::Open(_))
        ));
        let mut tampered = sealed.clone();
        tampered.ciphertext[0] ^= 1;
        assert!(key.open(&tampered, b"digest-a").is_err());
        std::fs::remove_file(dir.path().join(KEY_FILE)).unwrap();
        assert!(matches!(
            key.open(&sealed, b"digest-a"),
            Err(SealError::Key { .. })
        ));
        assert!(
            !dir.path().join(KEY_FILE).exists(),
            "opening never creates a key"
        );
        key.seal(b"other", b"z").unwrap();
        assert!(matches!(
            key.open(&sealed, b"digest-a"),
            Err(SealError::Open(_))
        ));
        std::fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        let err = key.seal(b"x", b"y").unwrap_err().to_string();
        assert!(err.contains("32 bytes"), "{err}");
    }
}
