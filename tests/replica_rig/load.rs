//! Repeated requests on worker threads, each one recorded with when it started, when it ended
//! and how it was answered, so a test can tell afterwards which requests were in flight at a
//! given moment (when a replica was killed) and which began after it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Instant;

/// One request: its number, its times, and its answer (`None`: no HTTP answer at all).
#[derive(Debug, Clone, Copy)]
pub struct Record {
    /// The number the request was given (0, 1, 2… across all workers).
    pub n: usize,
    /// When it was sent.
    pub started: Instant,
    /// When its answer (or error) came back.
    pub ended: Instant,
    /// The HTTP status, or `None` for a transport error.
    pub status: Option<u16>,
}

impl Record {
    /// Whether the request was under way at `moment`.
    pub fn in_flight_at(&self, moment: Instant) -> bool {
        self.started <= moment && moment <= self.ended
    }
}

/// Workers repeating one kind of request until stopped.
pub struct Repeat {
    stop: Arc<AtomicBool>,
    done: Arc<AtomicUsize>,
    workers: Vec<JoinHandle<Vec<Record>>>,
}

impl Repeat {
    /// Starts `workers` threads; each gets its own request function from `make` (its own
    /// HTTP client and connection) and calls it with the next request number until stopped.
    pub fn start<F>(workers: usize, make: impl Fn() -> F) -> Repeat
    where
        F: FnMut(usize) -> Option<u16> + Send + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicUsize::new(0));
        let next = Arc::new(AtomicUsize::new(0));
        let workers = (0..workers)
            .map(|_| {
                let mut request = make();
                let (stop, done, next) = (stop.clone(), done.clone(), next.clone());
                thread::spawn(move || {
                    let mut records = Vec::new();
                    while !stop.load(Ordering::SeqCst) {
                        let n = next.fetch_add(1, Ordering::SeqCst);
                        let started = Instant::now();
                        let status = request(n);
                        let ended = Instant::now();
                        records.push(Record {
                            n,
                            started,
                            ended,
                            status,
                        });
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                    records
                })
            })
            .collect();
        Repeat {
            stop,
            done,
            workers,
        }
    }

    /// How many requests have finished so far.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::SeqCst)
    }

    /// Stops the workers (each finishes the request it is in) and returns every record.
    pub fn finish(self) -> Vec<Record> {
        self.stop.store(true, Ordering::SeqCst);
        let mut all: Vec<Record> = self
            .workers
            .into_iter()
            .flat_map(|w| w.join().expect("load worker"))
            .collect();
        all.sort_by_key(|r| r.n);
        all
    }
}
