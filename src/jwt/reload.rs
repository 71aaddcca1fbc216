//! Picking up ring changes in a running server: the manifest is re-read on a timer and on
//! SIGHUP, so a `regauth keys …` run on any host sharing the keys directory reaches every
//! replica without a restart.

use std::time::Duration;

use futures_util::future::{Either, select};
use time::OffsetDateTime;

use super::keyring::KeyRing;

/// Re-read `ring` every `every` and on each SIGHUP, forever; log what changed. Failures keep
/// the previous ring (a half-edited manifest must not stop signing).
pub async fn watch(ring: KeyRing, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    let mut hangups = hangup_signals();
    let mut signer = ring
        .snapshot()
        .signer(OffsetDateTime::now_utc())
        .kid()
        .to_owned();
    loop {
        let reason = match hangups.as_mut() {
            Some(hangups) => match select(Box::pin(ticks.tick()), Box::pin(hangups.recv())).await {
                Either::Left(_) => "timer",
                Either::Right(_) => "SIGHUP",
            },
            None => {
                ticks.tick().await;
                "timer"
            }
        };
        let reloading = ring.clone();
        match tokio::task::spawn_blocking(move || reloading.reload()).await {
            Ok(Ok(true)) => {
                let published = ring.snapshot().published().len();
                tracing::info!(reason, published, "key ring reloaded");
            }
            Ok(Ok(false)) => {}
            Ok(Err(error)) => {
                tracing::warn!(reason, %error, "key ring not reloaded; still using the previous one")
            }
            Err(error) => tracing::error!(%error, "key ring reload did not finish"),
        }
        // Also catches a scheduled activation, which needs no reload.
        let now_signing = ring
            .snapshot()
            .signer(OffsetDateTime::now_utc())
            .kid()
            .to_owned();
        if now_signing != signer {
            tracing::info!(
                kid = now_signing,
                previous = signer,
                "signing with another key"
            );
            signer = now_signing;
        }
    }
}

#[cfg(unix)]
fn hangup_signals() -> Option<tokio::signal::unix::Signal> {
    use tokio::signal::unix::{SignalKind, signal};
    signal(SignalKind::hangup())
        .inspect_err(|error| tracing::warn!(%error, "cannot listen for SIGHUP; the ring reloads on the timer only"))
        .ok()
}

#[cfg(not(unix))]
fn hangup_signals() -> Option<NoSignal> {
    None
}

/// Stands in for a signal stream where there are no signals.
#[cfg(not(unix))]
struct NoSignal;

#[cfg(not(unix))]
impl NoSignal {
    async fn recv(&mut self) -> Option<()> {
        std::future::pending().await
    }
}
