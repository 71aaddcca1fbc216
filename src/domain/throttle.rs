//! Throttling failed logins: after `max_failures` failures in `window` from one client and
//! username, further *failures* are throttled for `ban`. Only failures are judged here: a
//! request with valid credentials is never asked about, so a flood of bad attempts can never
//! lock out a good one. `now` is always a parameter.

use time::{Duration, OffsetDateTime};

/// How many failures are tolerated, over what time, and for how long a key is throttled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Failures a client and username may have in one window before throttling (at least 1).
    pub max_failures: u32,
    /// The window failures are counted in.
    pub window: Duration,
    /// How long further failures are throttled once the threshold is passed.
    pub ban: Duration,
}

impl Default for Policy {
    /// GitLab's rack-attack shape: 10 failures a minute, then a pause (10 minutes here).
    fn default() -> Self {
        Policy {
            max_failures: 10,
            window: Duration::seconds(60),
            ban: Duration::seconds(600),
        }
    }
}

/// What to answer a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The usual refusal (401).
    Refused,
    /// Too many failures: 429, come back after this long (at least one second).
    Throttled {
        /// Time until the throttle lifts.
        retry_after: Duration,
    },
}

impl Verdict {
    /// `Retry-After` in whole seconds, rounded up (never 0).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Verdict::Refused => None,
            Verdict::Throttled { retry_after } => {
                let secs = retry_after.whole_seconds().max(0) as u64;
                let rounded = if retry_after.subsec_nanoseconds() > 0 {
                    secs + 1
                } else {
                    secs
                };
                Some(rounded.max(1))
            }
        }
    }
}

/// The failures of one client and username.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failures {
    window_start: OffsetDateTime,
    count: u32,
    banned_until: Option<OffsetDateTime>,
}

impl Failures {
    /// No failures yet; the window starts at `now`.
    pub fn new(now: OffsetDateTime) -> Failures {
        Failures {
            window_start: now,
            count: 0,
            banned_until: None,
        }
    }

    /// Count one failure at `now` and say how to answer it.
    pub fn fail(&mut self, policy: &Policy, now: OffsetDateTime) -> Verdict {
        if let Some(until) = self.banned_until {
            if now < until {
                return Verdict::Throttled {
                    retry_after: until - now,
                };
            }
            *self = Failures::new(now);
        }
        if now - self.window_start >= policy.window || now < self.window_start {
            *self = Failures::new(now);
        }
        self.count = self.count.saturating_add(1);
        if self.count > policy.max_failures.max(1) {
            self.banned_until = Some(now + policy.ban);
            Verdict::Throttled {
                retry_after: policy.ban,
            }
        } else {
            Verdict::Refused
        }
    }

    /// How long this client and username stay throttled at `now`, if they are. A
    /// password sign-in asks before checking the password: a guessable secret must not be
    /// checked at all while throttled, or the throttle would only slow guessing down.
    pub fn throttled_for(&self, now: OffsetDateTime) -> Option<Duration> {
        self.banned_until
            .filter(|until| now < *until)
            .map(|until| until - now)
    }

    /// Whether this record says nothing any more at `now` (its window and ban are over), so
    /// forgetting it changes no answer.
    pub fn is_stale(&self, policy: &Policy, now: OffsetDateTime) -> bool {
        let window_over = now - self.window_start >= policy.window;
        let ban_over = self.banned_until.is_none_or(|until| now >= until);
        window_over && ban_over
    }
}

/// One client's failures in the current log window: the first is logged on its own, the
/// rest only counted, and the count is logged once when the window closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogWindow {
    start: OffsetDateTime,
    count: u64,
    throttled: u64,
}

/// What to log for one failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogAction {
    /// The first failure of a window: log it in full.
    LogThis,
    /// Counted silently.
    Counted,
}

/// A closed window's totals, logged as one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Failures in the window, the one logged in full included.
    pub failures: u64,
    /// How many of them were answered 429.
    pub throttled: u64,
}

impl LogWindow {
    /// A window opened by a failure at `now`.
    pub fn open(now: OffsetDateTime) -> LogWindow {
        LogWindow {
            start: now,
            count: 0,
            throttled: 0,
        }
    }

    /// Record a failure at `now`: the summary of the window it closed (if any, and if it
    /// counted more than the one failure already logged), and what to log of this one.
    pub fn record(
        &mut self,
        window: Duration,
        now: OffsetDateTime,
        throttled: bool,
    ) -> (Option<Summary>, LogAction) {
        let closed = if self.is_over(window, now) {
            let summary = self.summary();
            *self = LogWindow::open(now);
            summary
        } else {
            None
        };
        self.count += 1;
        self.throttled += u64::from(throttled);
        let action = if self.count == 1 {
            LogAction::LogThis
        } else {
            LogAction::Counted
        };
        (closed, action)
    }

    /// Whether the window has ended at `now`.
    pub fn is_over(&self, window: Duration, now: OffsetDateTime) -> bool {
        now - self.start >= window || now < self.start
    }

    /// The totals worth a line: none when only the first failure (already logged) happened.
    pub fn summary(&self) -> Option<Summary> {
        (self.count > 1).then_some(Summary {
            failures: self.count,
            throttled: self.throttled,
        })
    }
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
