//! The shared throttle: bounded under spraying, one log line per client and window.

use super::*;
use std::io::Write;
use std::sync::Arc;
use time::Duration;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

fn policy() -> Policy {
    Policy {
        max_failures: 3,
        window: Duration::seconds(60),
        ban: Duration::seconds(300),
    }
}

fn attempt<'a>(client: &str, username: &'a str) -> Attempt<'a> {
    Attempt {
        surface: Surface::Registry,
        client: client.parse().unwrap(),
        username,
        token_id: None,
        reason: "invalid username or token",
    }
}

/// Log lines written while `f` runs.
fn logged(f: impl FnOnce()) -> Vec<String> {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        // Callsites first reached by a test running without a subscriber may have cached
        // "never"; recompute now that this one exists.
        tracing::callsite::rebuild_interest_cache();
        f()
    });
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    text.lines().map(str::to_owned).collect()
}

/// The verdict alone.
fn verdict(t: &LoginThrottle, client: &str, username: &str) -> Verdict {
    t.failed(&attempt(client, username), T0).verdict
}

#[test]
fn counts_per_client_and_username() {
    let t = LoginThrottle::new(policy());
    for _ in 0..3 {
        assert_eq!(verdict(&t, "10.0.0.1", "a"), Verdict::Refused);
    }
    assert!(matches!(
        verdict(&t, "10.0.0.1", "a"),
        Verdict::Throttled { .. }
    ));
    // Another username from the same client, the same username from another client: not yet.
    assert_eq!(verdict(&t, "10.0.0.1", "b"), Verdict::Refused);
    assert_eq!(verdict(&t, "10.0.0.2", "a"), Verdict::Refused);
    // Addresses of one IPv6 /64 count together.
    for host in ["2001:db8::1", "2001:db8::2", "2001:db8::3"] {
        assert_eq!(verdict(&t, host, "a"), Verdict::Refused);
    }
    assert!(matches!(
        verdict(&t, "2001:db8::4", "a"),
        Verdict::Throttled { .. }
    ));
}

#[test]
fn spraying_usernames_and_addresses_keeps_the_table_and_the_log_bounded() {
    let t = LoginThrottle::with_capacity(policy(), 1_000, 100);
    let mut to_log = 0;
    let lines = logged(|| {
        for i in 0..20_000u32 {
            let client = std::net::Ipv4Addr::from(0x0a00_0000 + i % 5_000).to_string();
            to_log += usize::from(t.failed(&attempt(&client, &format!("user-{i}")), T0).log);
        }
    });
    assert!(t.tracked() <= 1_000, "{}", t.tracked());
    // A line for the first failure of each client the log table holds; the rest only
    // counted (the throttle itself writes nothing while the window is open)...
    assert_eq!(to_log, 100);
    assert!(lines.is_empty(), "{lines:#?}");
    // ...and reported in one line when the window ends, after each held client's summary.
    let lines = logged(|| t.flush(T0 + Duration::seconds(61)));
    assert_eq!(lines.len(), 101);
    assert!(lines[100].contains("failures=19600"), "{}", lines[100]);
    assert_eq!(t.tracked(), 0);
}

#[test]
fn a_flood_is_one_line_and_one_summary() {
    let t = LoginThrottle::new(policy());
    let flood = attempt("10.0.0.9", "ci");
    let lines = logged(|| {
        for i in 0..1_000 {
            let failure = t.failed(&flood, T0 + Duration::milliseconds(i));
            // The caller's line for the first failure, as /api/v4 writes it.
            if failure.log {
                log_failure(&flood, failure.verdict);
            }
        }
        // Nothing is summarised while the window is open...
        t.flush(T0 + Duration::seconds(30));
        // ...and once when it has ended.
        t.flush(T0 + Duration::seconds(61));
        t.flush(T0 + Duration::seconds(200));
    });
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0].contains("login failed"), "{}", lines[0]);
    assert!(lines[0].contains("client=10.0.0.9"), "{}", lines[0]);
    assert!(lines[0].contains("username=\"ci\""), "{}", lines[0]);
    assert!(lines[1].contains("failures=1000"), "{}", lines[1]);
    assert!(lines[1].contains("throttled=997"), "{}", lines[1]);
}
