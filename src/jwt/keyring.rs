//! The key ring in memory: an immutable snapshot of the published keys, swapped whole when
//! `ring.json` changes, so a token is always signed by one consistent ring. Only the manifest
//! decides what is published; the public files are rewritten from it.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use time::OffsetDateTime;

use super::keys::{Algorithm, KeyError, SigningKey};
use super::manifest::{Entry, MANIFEST_FILE, Manifest};
use super::{keyfiles, public, store};

/// The ring's keys at one moment: the manifest and its published keys, parsed.
pub struct Snapshot {
    manifest: Manifest,
    /// `keys[i]` belongs to `manifest.keys[i]`; retired keys are not loaded.
    keys: Vec<Option<Arc<SigningKey>>>,
}

impl Snapshot {
    /// A ring of one key, active since forever (tests, benches, a fixed key).
    pub fn single(key: SigningKey) -> Snapshot {
        Snapshot {
            manifest: Manifest {
                version: 1,
                keys: vec![store::first_entry(&key, OffsetDateTime::UNIX_EPOCH)],
            },
            keys: vec![Some(Arc::new(key))],
        }
    }

    /// Load the published keys `manifest` lists from `dir`, reusing keys `previous` already
    /// parsed (an RSA key costs milliseconds to parse).
    pub(super) fn load(
        dir: &Path,
        manifest: Manifest,
        previous: Option<&Snapshot>,
    ) -> Result<Snapshot, KeyError> {
        let mut keys = Vec::with_capacity(manifest.keys.len());
        for entry in &manifest.keys {
            if entry.retired_at.is_some() {
                keys.push(None);
                continue;
            }
            let known = previous.and_then(|p| p.by_entry(entry));
            let key = match known {
                Some(key) => key,
                None => Arc::new(load_entry(dir, entry)?),
            };
            keys.push(Some(key));
        }
        Ok(Snapshot { manifest, keys })
    }

    fn by_entry(&self, entry: &Entry) -> Option<Arc<SigningKey>> {
        let i = self.manifest.keys.iter().position(|e| {
            e.kid == entry.kid && e.key_file == entry.key_file && e.cert_file == entry.cert_file
        })?;
        self.keys[i].clone()
    }

    /// The manifest this snapshot was loaded from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The key that signs at `now`.
    ///
    /// # Panics
    /// Never for a loaded ring: loading insists on an active key, and activations only add up
    /// as time passes. A clock stepping back before every activation falls back to the oldest
    /// published key.
    pub fn signer(&self, now: OffsetDateTime) -> &SigningKey {
        let index = self.manifest.active(now);
        index
            .and_then(|i| self.keys[i].as_deref())
            .or_else(|| self.keys.iter().flatten().next().map(|k| &**k))
            .expect("a loaded ring holds a published key")
    }

    /// Every published key (active or not), oldest first: what registries must trust.
    pub fn published(&self) -> Vec<&SigningKey> {
        self.keys.iter().flatten().map(|k| &**k).collect()
    }
}

/// Load one entry's key pair and check it is the key the manifest names.
fn load_entry(dir: &Path, entry: &Entry) -> Result<SigningKey, KeyError> {
    let key_path = dir.join(&entry.key_file);
    let key = SigningKey::load(&key_path, &dir.join(&entry.cert_file))?;
    if key.kid() != entry.kid {
        let reason = format!(
            "holds key {}, but {MANIFEST_FILE} says {}",
            key.kid(),
            entry.kid
        );
        return Err(keyfiles::invalid(&key_path, reason));
    }
    Ok(key)
}

/// The ring the issuer signs with, shared by every worker; re-read from the keys directory on
/// [`KeyRing::reload`].
#[derive(Clone)]
pub struct KeyRing {
    shared: Arc<Shared>,
}

struct Shared {
    /// Keys and public directories; `None` for a fixed ring.
    dirs: Option<(PathBuf, PathBuf)>,
    current: RwLock<Arc<Snapshot>>,
    /// The manifest bytes `current` came from, to skip unchanged re-reads.
    loaded: Mutex<Vec<u8>>,
}

impl KeyRing {
    /// A ring that never changes, holding `key` alone.
    pub fn fixed(key: SigningKey) -> KeyRing {
        KeyRing::from_parts(None, Snapshot::single(key), Vec::new())
    }

    /// Open the ring in `keys_dir`, creating the first key (or the manifest of a key made before
    /// rings existed) with `algorithm`, and write the public files into `public_dir`.
    pub fn open(
        keys_dir: &Path,
        public_dir: &Path,
        algorithm: Algorithm,
    ) -> Result<KeyRing, KeyError> {
        let (manifest, bytes) = store::ensure(keys_dir, algorithm, OffsetDateTime::now_utc())?;
        let snapshot = Snapshot::load(keys_dir, manifest, None)?;
        public::publish(public_dir, &snapshot.published())?;
        let kid = snapshot.signer(OffsetDateTime::now_utc()).kid().to_owned();
        let published = snapshot.published().len();
        tracing::info!(dir = %keys_dir.display(), kid, published, "key ring loaded");
        let dirs = Some((keys_dir.to_owned(), public_dir.to_owned()));
        Ok(KeyRing::from_parts(dirs, snapshot, bytes))
    }

    fn from_parts(dirs: Option<(PathBuf, PathBuf)>, snapshot: Snapshot, bytes: Vec<u8>) -> Self {
        KeyRing {
            shared: Arc::new(Shared {
                dirs,
                current: RwLock::new(Arc::new(snapshot)),
                loaded: Mutex::new(bytes),
            }),
        }
    }

    /// The ring as it is now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        // A panic while holding the lock cannot leave a half-swapped Arc behind.
        self.shared
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Re-read `ring.json`; when it changed, load the keys it lists, swap them in and rewrite
    /// the public files. Returns whether the ring changed. On error the old ring stays.
    pub fn reload(&self) -> Result<bool, KeyError> {
        let Some((keys_dir, public_dir)) = &self.shared.dirs else {
            return Ok(false);
        };
        let path = keys_dir.join(MANIFEST_FILE);
        let bytes = fs::read(&path).map_err(keyfiles::io_error("read", &path))?;
        let mut loaded = self
            .shared
            .loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *loaded == bytes {
            return Ok(false);
        }
        // Under the ring lock, the manifest cannot change between reading it and publishing
        // it, so a slow reload never writes an older bundle over a newer one. A replica whose
        // keys directory is read-only cannot lock; it publishes what it read.
        let _lock = store::lock(keys_dir)
            .inspect_err(|error| tracing::debug!(%error, "reloading the key ring unlocked"))
            .ok();
        let bytes = fs::read(&path).map_err(keyfiles::io_error("read", &path))?;
        let manifest = store::parse(&path, &bytes, OffsetDateTime::now_utc())?;
        let snapshot = Snapshot::load(keys_dir, manifest, Some(&self.snapshot()))?;
        let published = public::publish(public_dir, &snapshot.published());
        *self
            .shared
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(snapshot);
        *loaded = bytes;
        published.map(|_| true)
    }
}
