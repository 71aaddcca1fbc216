//! The ring on disk: `ring.json` read and written whole (atomically, by rename), changed only
//! under an exclusive lock on `ring.lock`, and made for a keys directory that has none.

use std::fs::{self, File};
use std::path::Path;

use time::OffsetDateTime;

use super::keyfiles::{create_dir, invalid, io_error, write_file};
use super::keys::{Algorithm, CERT_FILE, KEY_FILE, KeyError, SigningKey};
use super::manifest::{Entry, MANIFEST_FILE, Manifest};

/// The lock file serialising ring changes between `regauth keys …` runs (and replicas making
/// the first manifest).
const LOCK_FILE: &str = "ring.lock";

/// An exclusive lock on the keys directory's ring, released on drop.
pub(super) struct Lock(File);

impl Drop for Lock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first just says so.
        let _ = self.0.unlock();
    }
}

/// Take the ring lock of `dir` (creating the directory), waiting for another holder.
pub(super) fn lock(dir: &Path) -> Result<Lock, KeyError> {
    create_dir(dir, 0o700)?;
    let path = dir.join(LOCK_FILE);
    let mut options = fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&path).map_err(io_error("open", &path))?;
    file.lock().map_err(io_error("lock", &path))?;
    Ok(Lock(file))
}

/// Parse and check manifest bytes read from `path`.
pub(super) fn parse(path: &Path, bytes: &[u8], now: OffsetDateTime) -> Result<Manifest, KeyError> {
    let manifest: Manifest = serde_json::from_slice(bytes)
        .map_err(|e| invalid(path, format!("is not a key-ring manifest: {e}")))?;
    manifest
        .validate(now)
        .map_err(|reason| invalid(path, format!("is not a usable key ring: {reason}")))?;
    Ok(manifest)
}

/// The manifest of `dir` and its bytes, if it has one.
pub(super) fn read(
    dir: &Path,
    now: OffsetDateTime,
) -> Result<Option<(Manifest, Vec<u8>)>, KeyError> {
    let path = dir.join(MANIFEST_FILE);
    match fs::read(&path) {
        Ok(bytes) => Ok(Some((parse(&path, &bytes, now)?, bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", &path)(e)),
    }
}

/// Replace the manifest of `dir` atomically (hold the [`lock`]); returns the bytes written.
pub(super) fn write(dir: &Path, manifest: &Manifest) -> Result<Vec<u8>, KeyError> {
    let mut bytes = serde_json::to_vec_pretty(manifest).expect("a manifest always serialises");
    bytes.push(b'\n');
    write_file(&dir.join(MANIFEST_FILE), &bytes, 0o600)?;
    Ok(bytes)
}

/// The manifest of `dir`, made first if missing: for a key made before rings existed
/// (`signing-key.pem`), a ring of that key alone; for an empty directory, a new `algorithm` key.
pub(super) fn ensure(
    dir: &Path,
    algorithm: Algorithm,
    now: OffsetDateTime,
) -> Result<(Manifest, Vec<u8>), KeyError> {
    if let Some(found) = read(dir, now)? {
        return Ok(found);
    }
    let _lock = lock(dir)?;
    ensure_locked(dir, algorithm, now)
}

/// [`ensure`] for a caller already holding the [`lock`].
pub(super) fn ensure_locked(
    dir: &Path,
    algorithm: Algorithm,
    now: OffsetDateTime,
) -> Result<(Manifest, Vec<u8>), KeyError> {
    // Another process may have made it while this one waited for the lock.
    if let Some(found) = read(dir, now)? {
        return Ok(found);
    }
    let (key, _) = SigningKey::load_or_generate(dir, algorithm)?;
    // The key file's time, not `now`: replicas migrating at once write the same manifest.
    let created_at = fs::metadata(dir.join(KEY_FILE))
        .and_then(|m| m.modified())
        .map(OffsetDateTime::from)
        .unwrap_or(now)
        .replace_nanosecond(0)
        .unwrap_or(now);
    let manifest = Manifest {
        version: 1,
        keys: vec![first_entry(&key, created_at)],
    };
    let bytes = write(dir, &manifest)?;
    Ok((manifest, bytes))
}

/// The entry of a ring's first key, kept in the historical file names and active at once.
pub(super) fn first_entry(key: &SigningKey, created_at: OffsetDateTime) -> Entry {
    Entry {
        kid: key.kid().to_owned(),
        algorithm: key.algorithm().to_string(),
        created_at,
        key_file: KEY_FILE.into(),
        cert_file: CERT_FILE.into(),
        activate_at: Some(created_at),
        retired_at: None,
    }
}
