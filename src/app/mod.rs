//! Use cases shared by the HTTP API and the CLI. Everything here is synchronous (SQLite);
//! HTTP handlers call it on the blocking pool.

pub mod access;
pub mod deploy_tokens;
pub mod guarded;
pub mod namespaces;
pub mod registry_auth;
pub mod users;

use crate::storage::{Conn, StorageError, Store};
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
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
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

/// The application: storage plus a clock.
#[derive(Clone)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
}

impl App {
    /// An application over `store` using the system clock.
    pub fn new(store: Store) -> App {
        App::with_clock(store, Arc::new(SystemClock))
    }

    /// An application over `store` using `clock`.
    pub fn with_clock(store: Store, clock: Arc<dyn Clock>) -> App {
        App { store, clock }
    }

    /// The current instant according to the application's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// A database connection.
    pub fn conn(&self) -> Result<Conn, StorageError> {
        self.store.conn()
    }
}
