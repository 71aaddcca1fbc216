//! Use cases shared by the HTTP API and the CLI. Each asks the store for one transaction
//! and works through its handle; no driver type appears here. Everything is synchronous;
//! HTTP handlers call it on the blocking pool.

pub mod access;
pub mod accounts;
pub mod acting;
pub mod admin;
pub mod audit;
pub mod browse;
pub mod ci_variables;
pub mod deploy_tokens;
pub mod forward_auth;
pub mod guarded;
pub mod inventory;
pub mod last_used;
pub mod lifecycle;
pub mod listing;
pub mod lookup_cache;
pub mod members;
pub mod namespaces;
pub mod personal_tokens;
pub mod registry_auth;
pub mod sealing;
pub mod sessions;
pub mod users;
pub mod webhooks;

use crate::domain::session::SessionPolicy;
use crate::storage::{StorageError, Store, UsedToken};
use last_used::LastUsed;
use sealing::{SealError, SealingKey};
use std::sync::Arc;
use time::OffsetDateTime;

/// Where "now" comes from; tests substitute a manual clock.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> OffsetDateTime;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to: for tests and simulations.
pub struct ManualClock(std::sync::Mutex<OffsetDateTime>);

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: OffsetDateTime) -> ManualClock {
        ManualClock(std::sync::Mutex::new(at))
    }

    /// Move the clock to `at`.
    pub fn set(&self, at: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A failed use case. HTTP and the CLI each map it once.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input, naming the field.
    #[error("{field}: {message}")]
    Invalid {
        /// The field (`scopes`, `expires_at`, `path`, …).
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Something named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Something already exists.
    #[error("{0}")]
    Conflict(String),
    /// Something that must be unique exists already (a username, a membership): GitLab
    /// answers these with 409, where a taken path is a 400.
    #[error("{0}")]
    Exists(String),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A secret kept for CI could not be sealed or opened.
    #[error(transparent)]
    Sealing(#[from] SealError),
}

/// An optional `expires_at` field (`YYYY-MM-DD` or RFC 3339), which must lie after `now`.
pub(crate) fn expiry_field(
    text: Option<&str>,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, AppError> {
    text.map(|text| crate::domain::token::parse_expiry(text, now))
        .transpose()
        .map_err(|e| AppError::invalid("expires_at", e))
}

impl AppError {
    /// Shorthand for [`AppError::Invalid`].
    pub fn invalid(field: &'static str, message: impl ToString) -> AppError {
        AppError::Invalid {
            field,
            message: message.to_string(),
        }
    }
}

/// The application: storage, a clock, the key that seals CI secrets, and the recorder of
/// tokens' last use.
#[derive(Clone)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    sealing: Option<SealingKey>,
    sessions: SessionPolicy,
    records: Arc<audit::Records>,
    last_used: Arc<LastUsed>,
}

impl App {
    /// An application over `store` using the system clock.
    pub fn new(store: Store) -> App {
        App::with_clock(store, Arc::new(SystemClock))
    }

    /// An application over `store` using `clock`.
    pub fn with_clock(store: Store, clock: Arc<dyn Clock>) -> App {
        App {
            store,
            clock,
            sealing: None,
            sessions: SessionPolicy::default(),
            records: Arc::default(),
            last_used: Arc::new(LastUsed::new(last_used::DEFAULT_INTERVAL)),
        }
    }

    /// The same application with web sessions lasting as `policy` says.
    pub fn with_session_policy(mut self, policy: SessionPolicy) -> App {
        self.sessions = policy;
        self
    }

    /// How long web sessions last.
    pub fn session_policy(&self) -> SessionPolicy {
        self.sessions
    }

    /// The same application recording tokens' last use at most once per token per
    /// `interval`, flushed every `interval` once started (zero: not recorded at all).
    pub fn with_last_used_interval(mut self, interval: std::time::Duration) -> App {
        self.last_used = Arc::new(LastUsed::new(interval));
        self
    }

    /// Note that `token` was used now (in memory; written later, off the request path).
    pub fn note_use(&self, token: UsedToken) {
        self.last_used.note(token, self.now());
    }

    /// The recorder of tokens' last use: start and stop its flusher, flush at once, count.
    pub fn last_used(&self) -> &Arc<LastUsed> {
        &self.last_used
    }

    /// Write the uses noted so far now (the flusher does this every interval).
    pub fn flush_last_used(&self) -> Result<usize, StorageError> {
        self.last_used.flush(&self.store, self.now())
    }

    /// Start flushing noted uses in the background (the server does this as it starts).
    pub fn start_last_used(&self) {
        self.last_used.start(self.store.clone(), self.clock.clone());
    }

    /// The same application sealing CI secrets with `key` (without one, creating a
    /// `gitlab-deploy-token` fails).
    pub fn with_sealing_key(mut self, key: SealingKey) -> App {
        self.sealing = Some(key);
        self
    }

    /// The key that seals CI secrets.
    pub fn sealing_key(&self) -> Result<&SealingKey, SealError> {
        self.sealing.as_ref().ok_or(SealError::NotConfigured)
    }

    /// The current instant according to the application's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The store the use cases run their transactions on (tools and tests may use it
    /// directly; the use cases' own checks do not apply then).
    pub fn store(&self) -> &Store {
        &self.store
    }
}
