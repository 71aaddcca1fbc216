//! Lookups kept between requests, used only while the database's write counter
//! ([`Store::changes`]) is what it was when they were read: any write committed through any
//! replica or CLI (a revocation, a role change, a blocked user) changes the counter, so the
//! very next request reads the database again. The counter is read before the lookups, so a
//! kept lookup is never older than the number it is kept under. Backends without a counter
//! (SQLite) keep nothing.
//!
//! Entries are keyed by a SHA-256 digest of what the request presented (secrets included),
//! so no secret is kept in clear; only successful lookups are kept, so refusals cost what
//! they cost without it (and an unknown username and a wrong secret still cost the same).

use crate::storage::{StorageError, Store};
use ring::digest::{Context, SHA256};
use std::collections::HashMap;
use std::sync::Mutex;

/// How many lookups a process keeps at most; past it, everything is dropped and refilled
/// (bounded memory, no eviction bookkeeping on the request path).
pub const CAPACITY: usize = 4096;

/// The digest a lookup is kept under.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LookupKey([u8; 32]);

impl LookupKey {
    /// The key of `parts`, each length-prefixed so that no two lists share a key.
    pub fn of(parts: &[&[u8]]) -> LookupKey {
        let mut context = Context::new(&SHA256);
        for part in parts {
            context.update(&(part.len() as u64).to_be_bytes());
            context.update(part);
        }
        let mut key = [0; 32];
        key.copy_from_slice(context.finish().as_ref());
        LookupKey(key)
    }
}

/// Kept lookups of one kind.
pub struct LookupCache<V> {
    state: Mutex<State<V>>,
    capacity: usize,
}

struct State<V> {
    /// The write counter the entries were read under.
    changes: i64,
    entries: HashMap<LookupKey, V>,
}

impl<V: Clone> LookupCache<V> {
    /// An empty cache holding at most `capacity` lookups.
    pub fn new(capacity: usize) -> LookupCache<V> {
        LookupCache {
            state: Mutex::new(State {
                changes: i64::MIN,
                entries: HashMap::new(),
            }),
            capacity,
        }
    }

    /// The lookup kept under `key()` if nothing changed since it was read, else `load()`
    /// (kept if it succeeds). On a backend without a write counter, always `load()`, and
    /// the key (a digest of the request) is never computed.
    pub fn get_or_load<E: From<StorageError>>(
        &self,
        store: &Store,
        key: impl FnOnce() -> LookupKey,
        load: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        let Some(changes) = store.changes()? else {
            return load();
        };
        let key = key();
        if let Some(value) = self.get(changes, key) {
            return Ok(value);
        }
        let value = load()?;
        self.put(changes, key, value.clone());
        Ok(value)
    }

    fn get(&self, changes: i64, key: LookupKey) -> Option<V> {
        let mut state = self.lock();
        if state.changes != changes {
            // The entries were read under another counter (usually: something was written
            // since), so none is vouched for.
            state.entries.clear();
            state.changes = changes;
            return None;
        }
        state.entries.get(&key).cloned()
    }

    fn put(&self, changes: i64, key: LookupKey, value: V) {
        let mut state = self.lock();
        if state.changes != changes {
            // Another request saw another counter meanwhile: keep this one only if it is
            // the current entries' counter.
            return;
        }
        if state.entries.len() >= self.capacity {
            state.entries.clear();
        }
        state.entries.insert(key, value);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<V>> {
        // The state is a plain map: a panic elsewhere cannot leave it half-updated.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> LookupKey {
        LookupKey::of(&[&[n]])
    }

    #[test]
    fn an_entry_serves_only_under_the_counter_it_was_read_under() {
        let cache = LookupCache::new(8);
        assert_eq!(cache.get(5, key(1)), None);
        cache.put(5, key(1), "a");
        assert_eq!(cache.get(5, key(1)), Some("a"));
        assert_eq!(cache.get(6, key(1)), None, "a write since");
        assert_eq!(cache.get(5, key(1)), None, "dropped, not kept aside");
    }

    #[test]
    fn a_lookup_read_under_another_counter_is_not_kept() {
        let cache = LookupCache::new(8);
        assert_eq!(cache.get(6, key(1)), None);
        cache.put(5, key(1), "older");
        assert_eq!(cache.get(6, key(1)), None);
    }

    #[test]
    fn a_full_cache_starts_again_rather_than_grow() {
        let cache = LookupCache::new(2);
        assert_eq!(cache.get(1, key(0)), None);
        for n in 0..3 {
            cache.put(1, key(n), n);
        }
        assert_eq!(cache.lock().entries.len(), 1);
        assert_eq!(cache.get(1, key(2)), Some(2));
    }

    #[test]
    fn keys_separate_their_parts() {
        // No Debug: a key is a digest of secrets, never printed.
        assert!(LookupKey::of(&[b"ab", b"c"]) != LookupKey::of(&[b"a", b"bc"]));
        assert!(LookupKey::of(&[b"ab", b"c"]) == LookupKey::of(&[b"ab", b"c"]));
    }
}
