//! Refusals seen on the token path, waiting to be written: a login with an expired token
//! must leave a trace, but the token path only reads, so it notes the refusal here (a
//! short lock, no I/O) and a worker writes what gathered in one transaction. Repeats of one
//! token from one client are folded into one event with a count; the table is bounded, and
//! what does not fit is counted and written as one `audit.events_lost` event (and logged),
//! never dropped silently. A failed write puts everything back for the next flush.

use super::{Action, App, Event, Origin, record};
use crate::storage::StorageError;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use time::OffsetDateTime;

/// Distinct (token, client) pairs kept between two flushes.
pub const CAPACITY: usize = 10_000;

/// Which kind of token a refusal was about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A deploy token.
    Deploy,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    kind: TokenKind,
    token_id: i64,
    client: Option<IpAddr>,
}

#[derive(Clone, Debug)]
struct Refused {
    username: String,
    count: u64,
    first: OffsetDateTime,
    last: OffsetDateTime,
}

#[derive(Default)]
struct State {
    refused: HashMap<Key, Refused>,
    lost: u64,
}

/// The refusals waiting to be written.
#[derive(Default)]
pub struct Pending {
    state: Mutex<State>,
}

impl Pending {
    fn note(&self, key: Key, username: &str, now: OffsetDateTime) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = state.refused.get_mut(&key) {
            r.count += 1;
            r.last = now;
            return;
        }
        if state.refused.len() >= CAPACITY {
            state.lost += 1;
            return;
        }
        let refused = Refused {
            username: username.to_owned(),
            count: 1,
            first: now,
            last: now,
        };
        state.refused.insert(key, refused);
    }

    fn take(&self) -> State {
        std::mem::take(&mut *self.state.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Put back what a failed write took, merging with what came meanwhile.
    fn restore(&self, taken: State) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.lost += taken.lost;
        for (key, r) in taken.refused {
            let room = state.refused.len() < CAPACITY;
            match state.refused.get_mut(&key) {
                Some(later) => {
                    later.count += r.count;
                    later.first = r.first;
                }
                None if room => {
                    state.refused.insert(key, r);
                }
                None => state.lost += r.count,
            }
        }
    }
}

impl App {
    /// Note that `client` presented expired deploy token `token_id` (right secret and
    /// username): recorded as `deploy_token.expired_refused` at the next flush.
    pub fn note_expired_refusal(
        &self,
        kind: TokenKind,
        token_id: i64,
        username: &str,
        client: Option<IpAddr>,
    ) {
        let key = Key {
            kind,
            token_id,
            client,
        };
        self.pending_audit().note(key, username, self.now());
    }

    /// Write the refusals noted since the last flush, in one transaction; on failure they
    /// stay for the next one. Returns how many events were written.
    pub fn flush_audit(&self) -> Result<usize, StorageError> {
        let taken = self.pending_audit().take();
        if taken.refused.is_empty() && taken.lost == 0 {
            return Ok(0);
        }
        if taken.lost > 0 {
            tracing::warn!(
                lost = taken.lost,
                "audit: refusals beyond the buffer's capacity were counted, not itemised"
            );
        }
        let now = self.now();
        let written = self.store().write(|tx| {
            for (key, r) in &taken.refused {
                let event = Event::new(
                    Action::DeployTokenExpiredRefused,
                    "DeployToken",
                    Some(key.token_id),
                    r.username.as_str(),
                )
                .with("username", r.username.as_str())
                .with("count", r.count)
                .with("first_at", super::super::deploy_tokens::rfc3339(r.first))
                .with("last_at", super::super::deploy_tokens::rfc3339(r.last));
                record(tx, &Origin::system(key.client), &event, now)?;
            }
            if taken.lost > 0 {
                let event = Event::new(Action::EventsLost, "AuditTrail", None, "refusals")
                    .with("count", taken.lost);
                record(tx, &Origin::system(None), &event, now)?;
            }
            Ok::<_, StorageError>(taken.refused.len() + usize::from(taken.lost > 0))
        });
        if written.is_err() {
            self.pending_audit().restore(taken);
        }
        written
    }
}
