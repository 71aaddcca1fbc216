//! Changing the ring, as `regauth keys …` does. Every change takes the ring lock, re-reads the
//! manifest, writes it back atomically, then rewrites the public files from it: the bundle a
//! registry reads always holds every published certificate. Key files are never overwritten.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::keyfiles::io_error;
use super::keyring::Snapshot;
use super::keys::{Algorithm, CERT_FILE, KEY_FILE, KeyError, SigningKey};
use super::manifest::{Entry, KeyState, MANIFEST_FILE, Manifest};
use super::{public, store};

/// The two directories a ring lives in.
#[derive(Clone, Copy, Debug)]
pub struct RingDirs<'a> {
    /// The private keys and `ring.json`.
    pub keys: &'a Path,
    /// `certs.pem` and `jwks.json`, for registries.
    pub public: &'a Path,
}

/// What bounds retirement: how long tokens live and how late a replica may see a change.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Registry token lifetime (`REGAUTH_TOKEN_LIFETIME`).
    pub token_lifetime: Duration,
    /// How often servers re-read the ring (`REGAUTH_KEY_RELOAD_INTERVAL`).
    pub reload_interval: Duration,
}

/// One key as `regauth keys list` shows it.
#[derive(Debug, Serialize)]
pub struct KeyInfo {
    /// The JWT `kid`.
    pub kid: String,
    /// `ES256` or `RS256`.
    pub algorithm: String,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// `active`, `published` or `retired`.
    pub state: KeyState,
    /// When it started (or will start) signing.
    #[serde(with = "time::serde::rfc3339::option")]
    pub activate_at: Option<OffsetDateTime>,
    /// When it was retired.
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
    /// From when `keys retire` accepts it without `--force` (unset while it signs or is retired).
    #[serde(with = "time::serde::rfc3339::option")]
    pub retirable_at: Option<OffsetDateTime>,
}

/// The keys of the ring with their states at `now`; an empty directory has none.
pub fn list(
    dirs: RingDirs<'_>,
    algorithm: Algorithm,
    timing: Timing,
    now: OffsetDateTime,
) -> Result<Vec<KeyInfo>, KeyError> {
    let manifest = match store::read(dirs.keys, now)? {
        Some((manifest, _)) => manifest,
        None if dirs.keys.join(KEY_FILE).exists() => store::ensure(dirs.keys, algorithm, now)?.0,
        None => Manifest::default(),
    };
    let info = (0..manifest.keys.len()).map(|i| {
        let entry = &manifest.keys[i];
        let state = manifest.state(i, now);
        let retirable_at = match state {
            KeyState::Retired => None,
            _ => manifest.retirable_at(i, now, timing.token_lifetime, timing.reload_interval),
        };
        KeyInfo {
            kid: entry.kid.clone(),
            algorithm: entry.algorithm.clone(),
            created_at: entry.created_at,
            state,
            activate_at: entry.activate_at,
            retired_at: entry.retired_at,
            retirable_at,
        }
    });
    Ok(info.collect())
}

/// Make a new `algorithm` key and publish it without signing with it; it activates after
/// `activate_after` if given, else on `keys activate`.
pub fn rotate(
    dirs: RingDirs<'_>,
    algorithm: Algorithm,
    activate_after: Option<Duration>,
    now: OffsetDateTime,
) -> Result<Entry, KeyError> {
    change(dirs, algorithm, now, |manifest| {
        let key = SigningKey::create_in(dirs.keys, algorithm, |kid| {
            (key_file_of(kid), cert_file_of(kid))
        })?;
        let entry = Entry {
            kid: key.kid().to_owned(),
            algorithm: key.algorithm().to_string(),
            created_at: now,
            key_file: key_file_of(key.kid()),
            cert_file: cert_file_of(key.kid()),
            activate_at: activate_after.map(|delay| now + delay),
            retired_at: None,
        };
        manifest.keys.push(entry.clone());
        Ok(entry)
    })
}

fn key_file_of(kid: &str) -> String {
    format!("signing-key-{}.pem", slug(kid))
}

fn cert_file_of(kid: &str) -> String {
    format!("signing-cert-{}.pem", slug(kid))
}

/// The first 16 kid characters without colons (80 bits): unique enough for a file name.
fn slug(kid: &str) -> String {
    kid.chars().filter(|c| *c != ':').take(16).collect()
}

/// Make key `kid` the signer from `now`; returns it and the key it replaces, if another.
pub fn activate(
    dirs: RingDirs<'_>,
    algorithm: Algorithm,
    kid: &str,
    now: OffsetDateTime,
) -> Result<(Entry, Option<Entry>), KeyError> {
    change(dirs, algorithm, now, |manifest| {
        let index = manifest.find(kid).map_err(KeyError::Refused)?;
        let previous = manifest.active(now).filter(|&i| i != index);
        match manifest.state(index, now) {
            KeyState::Retired => {
                return Err(KeyError::Refused(format!(
                    "key {} is retired and no longer published: registries would refuse its tokens; run `regauth keys rotate` for a new key",
                    manifest.keys[index].kid
                )));
            }
            KeyState::Active => {}
            KeyState::Published => manifest.keys[index].activate_at = Some(now),
        }
        let previous = previous.map(|i| manifest.keys[i].clone());
        Ok((manifest.keys[index].clone(), previous))
    })
}

/// Stop publishing key `kid`: refused for the signer, and before every token it signed has
/// expired unless `force`.
pub fn retire(
    dirs: RingDirs<'_>,
    algorithm: Algorithm,
    kid: &str,
    force: bool,
    timing: Timing,
    now: OffsetDateTime,
) -> Result<Entry, KeyError> {
    change(dirs, algorithm, now, |manifest| {
        let index = manifest.find(kid).map_err(KeyError::Refused)?;
        let kid = manifest.keys[index].kid.clone();
        let refuse = |why: String| Err(KeyError::Refused(why));
        match manifest.state(index, now) {
            KeyState::Retired => return refuse(format!("key {kid} is already retired")),
            KeyState::Active => {
                return refuse(format!(
                    "key {kid} is the active signing key: activate another key first (`regauth keys activate KID`)"
                ));
            }
            KeyState::Published => {}
        }
        let until =
            manifest.retirable_at(index, now, timing.token_lifetime, timing.reload_interval);
        if let Some(until) = until.filter(|until| now < *until && !force) {
            return refuse(format!(
                "tokens signed by key {kid} may still be valid until {} (tokens live {} s after it stopped signing, registries allow 60 s of leeway, servers reload the ring every {} s); retire it then, or pass --force to cut those tokens off now",
                rfc3339(until),
                timing.token_lifetime.whole_seconds(),
                timing.reload_interval.whole_seconds()
            ));
        }
        manifest.keys[index].retired_at = Some(now);
        Ok(manifest.keys[index].clone())
    })
}

/// `keys generate`: the ring's first key. An existing ring is replaced only with `force`, and
/// then moved whole (manifest and key files) into a `backup-…` directory first.
pub fn generate(
    dirs: RingDirs<'_>,
    algorithm: Algorithm,
    force: bool,
    now: OffsetDateTime,
) -> Result<(SigningKey, Option<PathBuf>), KeyError> {
    let _lock = store::lock(dirs.keys)?;
    let found = [MANIFEST_FILE, KEY_FILE, CERT_FILE]
        .map(|name| dirs.keys.join(name))
        .into_iter()
        .find(|path| path.exists());
    let backup = match (found, force) {
        (None, _) => None,
        (Some(path), false) => return Err(KeyError::Exists(path)),
        (Some(_), true) => Some(back_up(dirs.keys, now)?),
    };
    let key = SigningKey::generate(dirs.keys, algorithm, false)?;
    let manifest = Manifest {
        version: 1,
        keys: vec![store::first_entry(&key, now)],
    };
    store::write(dirs.keys, &manifest)?;
    public::publish(dirs.public, &[&key])?;
    Ok((key, backup))
}

/// Move the manifest and every key file it (or the pre-ring layout) names into a new
/// `backup-<time>` directory inside the keys directory.
fn back_up(dir: &Path, now: OffsetDateTime) -> Result<PathBuf, KeyError> {
    let mut names = vec![MANIFEST_FILE.to_owned(), KEY_FILE.into(), CERT_FILE.into()];
    if let Ok(Some((manifest, _))) = store::read(dir, now) {
        for entry in manifest.keys {
            names.extend([entry.key_file, entry.cert_file]);
        }
    }
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    let mut backup = dir.join(format!("backup-{stamp}"));
    for n in 2.. {
        if !backup.exists() {
            break;
        }
        backup = dir.join(format!("backup-{stamp}-{n}"));
    }
    super::keyfiles::create_dir(&backup, 0o700)?;
    for name in names {
        let from = dir.join(&name);
        if from.exists() {
            fs::rename(&from, backup.join(&name)).map_err(io_error("move to backup", &from))?;
        }
    }
    Ok(backup)
}

/// Lock, read (or make) the manifest, apply `edit`, check the result, write it, publish.
fn change<T>(
    dirs: RingDirs<'_>,
    algorithm: Algorithm,
    now: OffsetDateTime,
    edit: impl FnOnce(&mut Manifest) -> Result<T, KeyError>,
) -> Result<T, KeyError> {
    let _lock = store::lock(dirs.keys)?;
    let (mut manifest, _) = store::ensure_locked(dirs.keys, algorithm, now)?;
    let outcome = edit(&mut manifest)?;
    manifest.validate(now).map_err(KeyError::Refused)?;
    // Load before writing: a manifest naming a key that does not load is never written.
    let snapshot = Snapshot::load(dirs.keys, manifest, None)?;
    store::write(dirs.keys, snapshot.manifest())?;
    public::publish(dirs.public, &snapshot.published())?;
    Ok(outcome)
}

/// An instant as RFC 3339, for messages.
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "rotation_tests.rs"]
mod tests;
