//! The throttle rule as tables: failures in, verdicts out, time moved by hand.

use super::*;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

fn policy() -> Policy {
    Policy {
        max_failures: 3,
        window: Duration::seconds(60),
        ban: Duration::seconds(300),
    }
}

fn at(secs: i64) -> OffsetDateTime {
    T0 + Duration::seconds(secs)
}

fn throttled(secs: i64) -> Verdict {
    Verdict::Throttled {
        retry_after: Duration::seconds(secs),
    }
}

#[test]
fn failures_past_the_threshold_are_throttled_until_the_ban_ends() {
    // (seconds after T0, expected verdict)
    let table = [
        (0, Verdict::Refused),
        (1, Verdict::Refused),
        (2, Verdict::Refused),
        (3, throttled(300)),
        (10, throttled(293)),
        (302, throttled(1)),
        // The ban is over: a fresh window.
        (303, Verdict::Refused),
        (304, Verdict::Refused),
        (305, Verdict::Refused),
        (306, throttled(300)),
    ];
    let mut f = Failures::new(at(0));
    for (secs, want) in table {
        assert_eq!(f.fail(&policy(), at(secs)), want, "at {secs} s");
    }
}

#[test]
fn failures_spread_over_windows_are_never_throttled() {
    let mut f = Failures::new(at(0));
    for secs in [0, 20, 40, 60, 80, 100, 120, 140, 160, 180] {
        // Each window of 60 s holds at most three of these.
        assert_eq!(f.fail(&policy(), at(secs)), Verdict::Refused, "at {secs} s");
    }
}

#[test]
fn a_clock_going_backwards_starts_a_new_window() {
    let mut f = Failures::new(at(100));
    for _ in 0..3 {
        assert_eq!(f.fail(&policy(), at(100)), Verdict::Refused);
    }
    assert_eq!(f.fail(&policy(), at(50)), Verdict::Refused);
}

#[test]
fn a_zero_threshold_still_lets_one_failure_be_a_plain_refusal() {
    let p = Policy {
        max_failures: 0,
        ..policy()
    };
    let mut f = Failures::new(at(0));
    assert_eq!(f.fail(&p, at(0)), Verdict::Refused);
    assert_eq!(f.fail(&p, at(0)), throttled(300));
}

#[test]
fn staleness() {
    let mut f = Failures::new(at(0));
    f.fail(&policy(), at(0));
    assert!(!f.is_stale(&policy(), at(59)));
    assert!(f.is_stale(&policy(), at(60)));
    for _ in 0..3 {
        f.fail(&policy(), at(0));
    }
    // Banned until 300.
    assert!(!f.is_stale(&policy(), at(299)));
    assert!(f.is_stale(&policy(), at(300)));
}

#[test]
fn retry_after_rounds_up_and_is_never_zero() {
    let cases = [
        (Duration::seconds(300), 300),
        (Duration::milliseconds(1500), 2),
        (Duration::milliseconds(1), 1),
        (Duration::ZERO, 1),
    ];
    for (retry_after, want) in cases {
        let v = Verdict::Throttled { retry_after };
        assert_eq!(v.retry_after_secs(), Some(want), "{retry_after}");
    }
    assert_eq!(Verdict::Refused.retry_after_secs(), None);
}

#[test]
fn a_log_window_logs_its_first_failure_and_summarises_the_rest_once() {
    let window = Duration::seconds(60);
    let mut w = LogWindow::open(at(0));
    assert_eq!(w.record(window, at(0), false), (None, LogAction::LogThis));
    for secs in 1..=9 {
        assert_eq!(
            w.record(window, at(secs), secs > 5),
            (None, LogAction::Counted)
        );
    }
    assert!(!w.is_over(window, at(59)));
    assert!(w.is_over(window, at(60)));
    let summary = Summary {
        failures: 10,
        throttled: 4,
    };
    assert_eq!(w.summary(), Some(summary));
    // The next failure closes the window: its summary comes out, and it opens a new one.
    assert_eq!(
        w.record(window, at(61), true),
        (Some(summary), LogAction::LogThis)
    );
    // A window that saw one failure has nothing more to say.
    assert_eq!(w.summary(), None);
    assert_eq!(w.record(window, at(200), false), (None, LogAction::LogThis));
}

#[test]
fn throttled_for_tells_a_password_check_to_wait_without_counting() {
    let mut f = Failures::new(at(0));
    for s in 0..3 {
        assert_eq!(f.throttled_for(at(s)), None, "under the limit");
        f.fail(&policy(), at(s));
    }
    assert_eq!(f.throttled_for(at(3)), None, "not yet over the limit");
    f.fail(&policy(), at(3));
    assert_eq!(f.throttled_for(at(4)), Some(Duration::seconds(299)));
    assert_eq!(
        f.throttled_for(at(4)),
        Some(Duration::seconds(299)),
        "asking counts nothing"
    );
    assert_eq!(f.throttled_for(at(303)), None, "the ban is over");
}
