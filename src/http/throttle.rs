//! The failed-login throttle shared by every surface that checks a secret (`/jwt/auth`,
//! `/auth/forward`, `/api/v4`, later a sign-in page). It is consulted only *after* a login
//! has failed, so valid credentials are never throttled; it keeps a bounded table (least
//! recently seen entries are forgotten first), so an attacker spraying usernames or addresses
//! cannot grow it; and it keeps the log to one line per client and window instead of one
//! per failure: the caller writes its usual line for a client's first failure in a window
//! (the access line, or [`log_failure`]), the throttle one count when the window ends.

use crate::app::registry_auth::TokenService;
use crate::domain::client::throttle_unit;
use crate::domain::throttle::{Failures, LogAction, LogWindow, Policy, Summary, Verdict};
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpRequest, web};
use hashlink::LruCache;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;
use time::OffsetDateTime;

/// Client-and-username entries kept (about 100 bytes each).
pub const MAX_KEYS: usize = 65_536;
/// Clients whose log window is kept.
pub const MAX_CLIENTS: usize = 16_384;

/// Which surface a login failed at, as logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// `/jwt/auth`.
    Registry,
    /// `/auth/forward`.
    ForwardAuth,
    /// `/api/v4`.
    Api,
    /// The web UI's `/users/sign_in`.
    SignIn,
}

impl Surface {
    fn as_str(self) -> &'static str {
        match self {
            Surface::Registry => "/jwt/auth",
            Surface::ForwardAuth => "/auth/forward",
            Surface::Api => "/api/v4",
            Surface::SignIn => "/users/sign_in",
        }
    }
}

/// One failed login.
pub struct Attempt<'a> {
    /// Where it happened.
    pub surface: Surface,
    /// The client's address, as [`super::client::client_addr`] finds it.
    pub client: IpAddr,
    /// The username given (empty when the secret alone identifies, as at `/api/v4`).
    pub username: &'a str,
    /// The deploy token the credentials named, when the secret was wrong for a known one
    /// (custom usernames repeat: the id tells them apart in the log).
    pub token_id: Option<i64>,
    /// Why it failed, for the log (never a secret).
    pub reason: &'a str,
}

/// How to answer a failed login, and whether to log it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    /// 401 or 429.
    pub verdict: Verdict,
    /// The client's first failure in this window: the caller logs it in full. Later ones
    /// are only counted, and summarised in one line when the window ends.
    pub log: bool,
}

/// Failure counts per client and username, and log windows per client.
pub struct LoginThrottle {
    policy: Policy,
    hasher: RandomState,
    state: Mutex<State>,
}

struct State {
    // Keyed by a keyed hash of the username: fixed-size entries whatever an attacker sends,
    // and collisions cannot be aimed at since the hash key is random per process.
    keys: LruCache<(IpAddr, u64), Failures>,
    clients: LruCache<IpAddr, LogWindow>,
    // Failures of clients that found the log table full: counted, and logged as one line at
    // the next flush, so spraying addresses cannot turn into one line per failure either.
    overflow: Summary,
    // Summaries of ended windows not yet in the audit trail (see `take_summaries`); bounded
    // like the log windows they come from.
    closed: Vec<(IpAddr, Summary)>,
}

impl LoginThrottle {
    /// A throttle with `policy` and the default table sizes.
    pub fn new(policy: Policy) -> LoginThrottle {
        LoginThrottle::with_capacity(policy, MAX_KEYS, MAX_CLIENTS)
    }

    /// A throttle keeping at most `keys` client-and-username entries and `clients` log windows.
    pub fn with_capacity(policy: Policy, keys: usize, clients: usize) -> LoginThrottle {
        LoginThrottle {
            policy,
            hasher: RandomState::new(),
            state: Mutex::new(State {
                keys: LruCache::new(keys.max(1)),
                clients: LruCache::new(clients.max(1)),
                overflow: Summary {
                    failures: 0,
                    throttled: 0,
                },
                closed: Vec::new(),
            }),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Count a failed login at `now`: how to answer it (401 or 429), and whether it is the
    /// one of its window the caller should log.
    pub fn failed(&self, attempt: &Attempt<'_>, now: OffsetDateTime) -> Failure {
        let unit = throttle_unit(attempt.client);
        let key = (unit, self.hasher.hash_one(attempt.username));
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let verdict = state.count(key, &self.policy, now);
        let throttled = verdict != Verdict::Refused;
        let (closed, action) = state.log_window(unit, self.policy.window, now, throttled);
        state.keep(unit, closed);
        drop(state);
        log_summary(unit, closed);
        Failure {
            verdict,
            log: action == LogAction::LogThis,
        }
    }

    /// How to answer a login of `username` from `client` that has not been checked yet:
    /// `Some` (429) while they are throttled. Only sign-in asks: its secret is a password.
    pub fn throttled(
        &self,
        client: IpAddr,
        username: &str,
        now: OffsetDateTime,
    ) -> Option<Verdict> {
        let key = (throttle_unit(client), self.hasher.hash_one(username));
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let retry_after = state.keys.get(&key)?.throttled_for(now)?;
        Some(Verdict::Throttled { retry_after })
    }

    /// Log the summaries of windows that ended by `now` and forget what no longer matters;
    /// the server calls this periodically so a flood's last window is reported too.
    pub fn flush(&self, now: OffsetDateTime) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let window = self.policy.window;
        let over: Vec<IpAddr> = state
            .clients
            .iter()
            .filter(|(_, w)| w.is_over(window, now))
            .map(|(client, _)| *client)
            .collect();
        let mut summaries = Vec::new();
        for client in over {
            if let Some(w) = state.clients.remove(&client) {
                let summary = w.summary();
                state.keep(client, summary);
                summaries.push((client, summary));
            }
        }
        let stale: Vec<(IpAddr, u64)> = state
            .keys
            .iter()
            .filter(|(_, failures)| failures.is_stale(&self.policy, now))
            .map(|(key, _)| *key)
            .collect();
        for key in stale {
            state.keys.remove(&key);
        }
        let overflow = std::mem::replace(
            &mut state.overflow,
            Summary {
                failures: 0,
                throttled: 0,
            },
        );
        drop(state);
        for (client, summary) in summaries {
            log_summary(client, summary);
        }
        if overflow.failures > 0 {
            tracing::info!(
                failures = overflow.failures,
                throttled = overflow.throttled,
                "failed logins from clients beyond the log table's capacity in the last window"
            );
        }
    }

    /// The summaries of windows that ended since the last call, for the audit trail (the
    /// server writes them off the request path, after each flush).
    pub fn take_summaries(&self) -> Vec<(IpAddr, Summary)> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut state.closed)
    }

    /// How many client-and-username entries are kept (bounded by the capacity).
    pub fn tracked(&self) -> usize {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.keys.len()
    }
}

impl State {
    /// Keep an ended window's summary for the audit trail (beyond the bound it is only
    /// logged).
    fn keep(&mut self, client: IpAddr, summary: Option<Summary>) {
        if let Some(summary) = summary
            && self.closed.len() < MAX_CLIENTS
        {
            self.closed.push((client, summary));
        }
    }

    /// Count a failure of `key`.
    fn count(&mut self, key: (IpAddr, u64), policy: &Policy, now: OffsetDateTime) -> Verdict {
        if let Some(failures) = self.keys.get_mut(&key) {
            return failures.fail(policy, now);
        }
        let mut failures = Failures::new(now);
        let verdict = failures.fail(policy, now);
        self.keys.insert(key, failures);
        verdict
    }

    /// Record a failure in `client`'s log window (or the overflow count, when the table is
    /// full of other clients).
    fn log_window(
        &mut self,
        client: IpAddr,
        window: time::Duration,
        now: OffsetDateTime,
        throttled: bool,
    ) -> (Option<Summary>, LogAction) {
        let full = self.clients.len() >= self.clients.capacity();
        if let Some(w) = self.clients.get_mut(&client) {
            return w.record(window, now, throttled);
        }
        if full {
            self.overflow.failures += 1;
            self.overflow.throttled += u64::from(throttled);
            return (None, LogAction::Counted);
        }
        let mut w = LogWindow::open(now);
        let recorded = w.record(window, now, throttled);
        self.clients.insert(client, w);
        recorded
    }
}

/// The line for a failed login at a surface without an access line of its own (`/api/v4`,
/// a sign-in page): call it when [`Failure::log`] says so.
pub fn log_failure(attempt: &Attempt<'_>, verdict: Verdict) {
    tracing::info!(
        surface = attempt.surface.as_str(),
        client = %attempt.client,
        username = attempt.username,
        token_id = attempt.token_id,
        reason = %attempt.reason,
        status = if verdict == Verdict::Refused { 401 } else { 429 },
        "login failed (further failures from this client are counted, and summarised when the window ends)"
    );
}

fn log_summary(client: IpAddr, summary: Option<Summary>) {
    if let Some(s) = summary {
        tracing::info!(
            client = %client,
            failures = s.failures,
            throttled = s.throttled,
            "failed logins from this client in the last window"
        );
    }
}

/// A request's failed login, judged by the server's throttle at the application's "now"
/// (401, logged, when none is set up): the HTTP handlers' one call. On a 429 the answer
/// gets `Retry-After` from [`retry_after`].
pub fn failed_login(
    req: &HttpRequest,
    surface: Surface,
    username: &str,
    token_id: Option<i64>,
    reason: &str,
) -> Failure {
    let Some(throttle) = req.app_data::<web::Data<LoginThrottle>>() else {
        return Failure {
            verdict: Verdict::Refused,
            log: true,
        };
    };
    let now = req
        .app_data::<web::Data<TokenService>>()
        .map_or_else(OffsetDateTime::now_utc, |s| s.app().now());
    let attempt = Attempt {
        surface,
        client: super::client::client_addr(req),
        username,
        token_id,
        reason,
    };
    throttle.failed(&attempt, now)
}

/// Whether the request's client and `username` are throttled now (see
/// [`LoginThrottle::throttled`]); never, when no throttle is set up.
pub fn throttled_login(req: &HttpRequest, username: &str) -> Option<Verdict> {
    let throttle = req.app_data::<web::Data<LoginThrottle>>()?;
    let now = req
        .app_data::<web::Data<TokenService>>()
        .map_or_else(OffsetDateTime::now_utc, |s| s.app().now());
    throttle.throttled(super::client::client_addr(req), username, now)
}

/// Put `Retry-After` on a throttled answer.
pub fn retry_after(mut res: actix_web::HttpResponse, verdict: Verdict) -> actix_web::HttpResponse {
    if let Some(secs) = verdict.retry_after_secs() {
        res.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
