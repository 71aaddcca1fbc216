//! Raw signing rate (run by `scripts/bench`): the ceiling a token endpoint can reach with a
//! key, measured with the same `SigningKey::sign` the server uses, on every thread asked for.
//!
//! Usage: `bench_sign KEYS_DIR ALGORITHM THREADS SECONDS`; prints
//! `sign-result alg=… threads=… signatures=… seconds=… rate=…`.

use regauth::jwt::{Algorithm, SigningKey};
use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// About the size of a real signing input: an `x5c` header and one `access` entry.
const MESSAGE_BYTES: usize = 1_100;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, algorithm, threads, seconds] = args.as_slice() else {
        return Err("usage: bench_sign KEYS_DIR ALGORITHM THREADS SECONDS".into());
    };
    let algorithm: Algorithm = algorithm.parse()?;
    let threads: usize = threads.parse()?;
    let seconds: f64 = seconds.parse()?;
    let (key, _) = SigningKey::load_or_generate(Path::new(dir), algorithm)?;
    let key = Arc::new(key);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (key, stop) = (key.clone(), stop.clone());
            std::thread::spawn(move || sign_until(&key, &stop))
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    let signatures: u64 = workers
        .into_iter()
        .map(|w| w.join().expect("a signing thread panicked"))
        .sum();
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "sign-result alg={algorithm} threads={threads} signatures={signatures} seconds={elapsed:.3} rate={:.1}",
        signatures as f64 / elapsed
    );
    Ok(())
}

/// Sign the same message until told to stop; returns how many signatures were made.
fn sign_until(key: &SigningKey, stop: &AtomicBool) -> u64 {
    let message = vec![b'e'; MESSAGE_BYTES];
    let mut count = 0;
    while !stop.load(Ordering::Relaxed) {
        std::hint::black_box(key.sign(std::hint::black_box(&message)));
        count += 1;
    }
    count
}
