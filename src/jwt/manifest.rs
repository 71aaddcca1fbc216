//! The key ring's state, kept in one small JSON file in the keys directory so that every replica
//! sharing the directory sees the same ring. The state of a key is derived from timestamps and
//! `now`, never stored: a scheduled activation happens on every replica at the same instant,
//! with nothing to write.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// File name of the ring manifest inside the keys directory.
pub const MANIFEST_FILE: &str = "ring.json";

/// How long after `exp` distribution still accepts a token (its fixed clock leeway).
pub const REGISTRY_LEEWAY: Duration = Duration::seconds(60);

/// The whole ring: every key regauth has made, retired ones included (their files are kept).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Format version; only 1 exists.
    pub version: u32,
    /// The keys, oldest first.
    pub keys: Vec<Entry>,
}

/// One key of the ring.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The libtrust key id (the JWT `kid`), checked against the key file when loaded.
    pub kid: String,
    /// `ES256` or `RS256`, for listing; the key file decides.
    pub algorithm: String,
    /// When the key was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The PKCS#8 private key, a file name inside the keys directory.
    pub key_file: String,
    /// Its certificate, a file name inside the keys directory.
    pub cert_file: String,
    /// From when the key signs (the latest activation not in the future wins); unset: not yet.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub activate_at: Option<OffsetDateTime>,
    /// When it stopped being published; set, the key is out of the ring for good.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

/// Where a key stands at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    /// Published and the one signer.
    Active,
    /// Published (registries trust it) but not signing: new, or superseded.
    Published,
    /// No longer published.
    Retired,
}

impl KeyState {
    /// `active`, `published` or `retired`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Published => "published",
            KeyState::Retired => "retired",
        }
    }
}

impl Manifest {
    /// The index of the signer at `now`: the published key with the latest activation not after
    /// `now` (the later-made key on a tie).
    pub fn active(&self, now: OffsetDateTime) -> Option<usize> {
        self.keys
            .iter()
            .enumerate()
            .filter(|(_, e)| e.retired_at.is_none())
            .filter_map(|(i, e)| e.activate_at.filter(|at| *at <= now).map(|at| (at, i)))
            .max()
            .map(|(_, i)| i)
    }

    /// The state of key `index` at `now`.
    pub fn state(&self, index: usize, now: OffsetDateTime) -> KeyState {
        if self.keys[index].retired_at.is_some() {
            KeyState::Retired
        } else if self.active(now) == Some(index) {
            KeyState::Active
        } else {
            KeyState::Published
        }
    }

    /// Indexes of the published keys (active or not), oldest first.
    pub fn published(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.keys.len()).filter(|&i| self.keys[i].retired_at.is_none())
    }

    /// When key `index` stopped signing: the first activation of another key after its own (in
    /// the order [`Manifest::active`] uses), if that has happened by `now`. `None` while it
    /// signs or if it never did.
    pub fn superseded_at(&self, index: usize, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let own = (self.keys[index].activate_at.filter(|at| *at <= now)?, index);
        self.keys
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.activate_at.map(|at| (at, i)))
            .filter(|later| *later > own && later.0 <= now)
            .min()
            .map(|(at, _)| at)
    }

    /// From when key `index` may be retired: once every token it signed has expired. A token
    /// lives `lifetime`; the registry adds [`REGISTRY_LEEWAY`]; a replica may keep signing with
    /// the old key for up to `reload` after the change. `None`: not while it signs; a key that
    /// never signed may go at once.
    pub fn retirable_at(
        &self,
        index: usize,
        now: OffsetDateTime,
        lifetime: Duration,
        reload: Duration,
    ) -> Option<OffsetDateTime> {
        let entry = &self.keys[index];
        match entry.activate_at.filter(|at| *at <= now) {
            None => Some(entry.created_at),
            Some(_) => self
                .superseded_at(index, now)
                .map(|at| at + reload + lifetime + REGISTRY_LEEWAY),
        }
    }

    /// Find a key by its kid or a unique prefix of it (colons optional, any case).
    pub fn find(&self, kid: &str) -> Result<usize, String> {
        let wanted = normalize(kid);
        if wanted.len() < 4 {
            return Err(format!(
                "key id {kid:?} is too short: give at least 4 characters"
            ));
        }
        let matches: Vec<usize> = (0..self.keys.len())
            .filter(|&i| normalize(&self.keys[i].kid).starts_with(&wanted))
            .collect();
        match matches.as_slice() {
            [i] => Ok(*i),
            [] => Err(format!(
                "no key with id {kid:?} in the ring (see `regauth keys list`)"
            )),
            _ => Err(format!(
                "key id {kid:?} matches several keys: give more of it"
            )),
        }
    }

    /// Checks a manifest read from disk: known version, file names without paths, unique kids,
    /// and a signer at `now`.
    pub fn validate(&self, now: OffsetDateTime) -> Result<(), String> {
        if self.version != 1 {
            return Err(format!("unknown version {} (expected 1)", self.version));
        }
        for (i, entry) in self.keys.iter().enumerate() {
            for name in [&entry.key_file, &entry.cert_file] {
                if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
                    return Err(format!(
                        "key {}: {name:?} is not a plain file name",
                        entry.kid
                    ));
                }
            }
            if self.keys[..i].iter().any(|other| other.kid == entry.kid) {
                return Err(format!("key {} is listed twice", entry.kid));
            }
        }
        match self.active(now) {
            Some(_) => Ok(()),
            None => Err("no key is active".into()),
        }
    }
}

/// A kid without colons, upper case, for matching what an operator typed.
fn normalize(kid: &str) -> String {
    kid.chars()
        .filter(|c| *c != ':')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
