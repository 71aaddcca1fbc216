//! The server's background work, on a thread of its own (the webhook client blocks, and
//! must never run on the async runtime): every second it writes the refusals the token path
//! noted, and every webhook interval it runs one round of the webhook worker. The thread
//! ends when the server's actix system stops (it holds a channel whose sender lives in a
//! task of that system).

use crate::app::App;
use crate::app::webhooks::{Notifier, Transport};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// Start the background thread for `app` inside the current actix system; it runs the
/// webhook worker every `interval` when webhooks are configured.
pub fn start(app: App, interval: Duration) -> std::io::Result<()> {
    let (alive, stopped) = channel::<()>();
    std::thread::Builder::new()
        .name("regauth-background".into())
        .spawn(move || {
            // Made (and dropped) on this thread: the blocking client runs a runtime of its
            // own, which must never be built or dropped on the async one.
            let notifier = notifier(&app);
            run(&app, notifier.as_ref(), interval, &stopped);
        })?;
    // The sender lives as long as this task, which the system drops when it stops.
    actix_web::rt::spawn(async move {
        let _alive = alive;
        std::future::pending::<()>().await;
    });
    Ok(())
}

/// The webhook worker, when webhooks are configured (and the HTTP client could be made).
fn notifier(app: &App) -> Option<Notifier> {
    if app.webhooks().is_empty() {
        return None;
    }
    match crate::http::webhook_client::HttpTransport::new() {
        Ok(transport) => {
            let transport: Arc<dyn Transport> = Arc::new(transport);
            Some(Notifier::new(app.clone(), worker_name(), transport))
        }
        Err(e) => {
            tracing::error!(error = %e, "webhooks: no HTTP client; notices stay in the outbox");
            None
        }
    }
}

fn run(app: &App, notifier: Option<&Notifier>, interval: Duration, stopped: &Receiver<()>) {
    let mut next_round = Instant::now();
    loop {
        if let Err(e) = app.flush_audit() {
            tracing::error!(error = %e, "audit: writing noted refusals failed; kept for the next try");
        }
        if let Some(notifier) = notifier.filter(|_| Instant::now() >= next_round) {
            next_round = Instant::now() + interval;
            match notifier.run_once() {
                Ok(round) if round != Default::default() => tracing::info!(
                    enqueued = round.enqueued,
                    delivered = round.delivered,
                    failed = round.failed,
                    "webhook round"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "webhook round failed"),
            }
        }
        match stopped.recv_timeout(Duration::from_secs(1).min(interval)) {
            Err(RecvTimeoutError::Timeout) => {}
            _ => break,
        }
    }
    // What was noted after the last flush is written before the thread ends.
    if let Err(e) = app.flush_audit() {
        tracing::error!(error = %e, "audit: writing noted refusals at shutdown failed");
    }
}

/// This process's worker name: host and process id, unique among replicas.
fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "regauth".into());
    format!("{host}:{}", std::process::id())
}
