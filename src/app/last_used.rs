//! When tokens were last used, recorded off the request path. A request only notes the use
//! in memory (one lock, one map lookup); a background thread writes what was noted in one
//! write transaction per interval, and once more when the server stops. Per token there is
//! at most one write per window: a use within the window of the last noted one is not noted
//! again, so `last_used_at` is exact to within one window (the interval, 60 s by default).

use crate::app::Clock;
use crate::storage::{StorageError, Store, UsedToken};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::Duration;
use time::OffsetDateTime;

/// The default window and flush interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);

/// Uses noted and not yet written, and the last instant noted per token.
#[derive(Default)]
struct Noted {
    pending: HashMap<UsedToken, OffsetDateTime>,
    last: HashMap<UsedToken, OffsetDateTime>,
}

/// The recorder: noted uses, the flusher thread (once started), and how many token rows
/// have been written.
pub struct LastUsed {
    /// `None`: recording is off.
    window: Option<Duration>,
    noted: Mutex<Noted>,
    written: AtomicU64,
    flusher: Mutex<Option<(Sender<()>, JoinHandle<()>)>>,
}

impl LastUsed {
    /// A recorder writing at most once per token per `window`; a zero window turns
    /// recording off.
    pub fn new(window: Duration) -> LastUsed {
        LastUsed {
            window: (!window.is_zero()).then_some(window),
            noted: Mutex::new(Noted::default()),
            written: AtomicU64::new(0),
            flusher: Mutex::new(None),
        }
    }

    /// Note that `token` was used at `now`. Cheap: no I/O, and nothing at all when the last
    /// noted use of the token lies within the window.
    pub fn note(&self, token: UsedToken, now: OffsetDateTime) {
        let Some(window) = self.window else { return };
        let mut noted = lock(&self.noted);
        if noted.last.get(&token).is_some_and(|at| now - *at < window) {
            return;
        }
        noted.last.insert(token, now);
        noted.pending.insert(token, now);
    }

    /// Write every pending use in one write transaction; returns how many were written. On
    /// a failure they stay pending for the next flush.
    pub fn flush(&self, store: &Store, now: OffsetDateTime) -> Result<usize, StorageError> {
        let batch: Vec<(UsedToken, OffsetDateTime)> = {
            let mut noted = lock(&self.noted);
            if let Some(window) = self.window {
                // Forget tokens idle for a window: the next use is noted anyway.
                noted.last.retain(|_, at| now - *at < window);
            }
            noted.pending.drain().collect()
        };
        if batch.is_empty() {
            return Ok(0);
        }
        match store.write(|tx| tx.record_last_used(&batch)) {
            Ok(_) => {
                self.written
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
                Ok(batch.len())
            }
            Err(e) => {
                let mut noted = lock(&self.noted);
                for (token, at) in batch {
                    let pending = noted.pending.entry(token).or_insert(at);
                    *pending = (*pending).max(at);
                }
                Err(e)
            }
        }
    }

    /// How many token uses have been written since start (what the tests count).
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Start the thread that flushes every window (nothing when recording is off or it
    /// runs already). It ends when [`LastUsed::stop`] is called, after a last flush, or
    /// when the recorder is gone.
    pub fn start(self: &Arc<Self>, store: Store, clock: Arc<dyn Clock>) {
        let Some(interval) = self.window else { return };
        let mut flusher = lock(&self.flusher);
        if flusher.is_some() {
            return;
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let recorder = Arc::downgrade(self);
        let thread = std::thread::Builder::new()
            .name("last-used".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    if !flush_now(&recorder, &store, clock.as_ref()) {
                        return;
                    }
                }
                flush_now(&recorder, &store, clock.as_ref());
            })
            .expect("spawn the last-used flusher");
        *flusher = Some((stop, thread));
    }

    /// Stop the flusher thread, waiting for its last flush.
    pub fn stop(&self) {
        let flusher = lock(&self.flusher).take();
        if let Some((stop, thread)) = flusher {
            drop(stop);
            let _ = thread.join();
        }
    }
}

/// Flush if the recorder still exists; `false` once it is gone. Failures are logged and
/// retried at the next interval: a lost `last_used_at` must never stop the server.
fn flush_now(recorder: &Weak<LastUsed>, store: &Store, clock: &dyn Clock) -> bool {
    let Some(recorder) = recorder.upgrade() else {
        return false;
    };
    match recorder.flush(store, clock.now()) {
        Ok(0) => {}
        Ok(n) => tracing::debug!(tokens = n, "recorded last use of tokens"),
        Err(e) => tracing::warn!(error = %e, "could not record the last use of tokens"),
    }
    true
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
#[path = "last_used_tests.rs"]
mod tests;
