//! Storage: the only module that speaks SQL. A use case asks the [`Store`] for one read or
//! one write transaction and works through the handle it is given ([`Reads`], [`Writes`]):
//! typed operations returning domain types and [`StorageError`], never a driver type.
//! Each backend is a sibling module (`sqlite`, `postgres`) implementing the same small
//! traits; everything is synchronous, and async callers run it on the blocking pool.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod bulk;
pub mod health;
pub mod lifecycle;
mod location;
pub mod migrations;
pub mod namespaces;
pub mod postgres;
pub mod sqlite;
pub mod tokens;
pub mod usage;
pub mod users;
pub mod webhooks;

pub use accounts::{AccountReads, AccountWrites};
pub use audit::{AuditReads, AuditWrites};
pub use lifecycle::{GroupChanges, LifecycleReads, LifecycleWrites, ProjectChanges};
pub use location::{Location, PostgresUrl};
pub use namespaces::{NamespaceReads, NamespaceWrites, NewGroup, NewProject};
pub use tokens::{DeployTokenReads, DeployTokenWrites, NewDeployToken, StoredSecret};
pub use usage::{UsageWrites, UsedToken};
pub use users::{NewPersonalToken, UserReads, UserWrites};
pub use webhooks::{WebhookReads, WebhookWrites};

/// What a read transaction offers: every lookup, no change.
pub trait Reads: NamespaceReads + DeployTokenReads + UserReads + Observed + Managed {}

impl<T: NamespaceReads + DeployTokenReads + UserReads + Observed + Managed> Reads for T {}

/// What a write transaction offers: every lookup and every change.
pub trait Writes:
    Reads + NamespaceWrites + DeployTokenWrites + UserWrites + Recorded + Changed + UsageWrites
{
}

impl<T> Writes for T where
    T: Reads + NamespaceWrites + DeployTokenWrites + UserWrites + Recorded + Changed + UsageWrites
{
}

/// The lookups of accounts (passwords, sessions, listings) and of the lifecycle endpoints.
pub trait Managed: AccountReads + LifecycleReads {}

impl<T: AccountReads + LifecycleReads> Managed for T {}

/// The changes of accounts and the lifecycle (changing and removing groups, projects and
/// users).
pub trait Changed: AccountWrites + LifecycleWrites {}

impl<T: AccountWrites + LifecycleWrites> Changed for T {}
/// The lookups of the audit trail and the webhook outbox (one bound, so the areas other
/// changes add to [`Reads`] merge apart from these).
pub trait Observed: AuditReads + WebhookReads {}

impl<T: AuditReads + WebhookReads> Observed for T {}

/// The changes of the audit trail and the webhook outbox.
pub trait Recorded: AuditWrites + WebhookWrites {}

impl<T: AuditWrites + WebhookWrites> Recorded for T {}

/// A storage failure. Never carries secrets, and never a driver type: a backend turns its
/// driver's errors into these.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database failed or refused a statement.
    #[error("database error: {0}")]
    Database(BackendError),
    /// No connection to the database could be had.
    #[error("database unavailable: {0}")]
    Unavailable(BackendError),
    /// The database directory could not be created.
    #[error("cannot create database directory {path}: {source}")]
    Directory {
        /// The directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A deploy token's username would equal a user's (or the other way round), ignoring
    /// case: nothing was written. Checked inside the writing transaction.
    #[error("the username is already taken by a login of the other kind")]
    UsernameTaken,
    /// A stored value does not parse (the file was edited by hand or is corrupt).
    #[error("corrupt value in column {0}")]
    Corrupt(&'static str),
    /// The certificates trusted for the database server's TLS certificate could not be read.
    #[error("cannot read database certificates {path}: {message}")]
    Certificates {
        /// The file (the URL's `sslrootcert`).
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A migration step left the data inconsistent: it was rolled back.
    #[error("migration {step} failed: {message}")]
    Migration {
        /// The step's name.
        step: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The database was migrated by a newer regauth: using it could lose or misread data.
    #[error(
        "the database schema is at version {found}, but this regauth knows versions up to \
         {known}: it was upgraded by a newer regauth; run that version (or newer)"
    )]
    SchemaTooNew {
        /// The version recorded in the database.
        found: i64,
        /// The newest version this binary has migrations for.
        known: usize,
    },
}

impl From<r2d2::Error> for StorageError {
    fn from(e: r2d2::Error) -> Self {
        StorageError::Unavailable(BackendError::new(e))
    }
}

/// A driver's error, kept opaque so that no driver type reaches the use cases.
#[derive(Debug)]
pub struct BackendError(Box<dyn std::error::Error + Send + Sync>);

impl BackendError {
    /// Wrap a driver's error.
    pub fn new(e: impl std::error::Error + Send + Sync + 'static) -> BackendError {
        BackendError(Box::new(e))
    }
}

/// The error and each of its causes, `: `-separated: PostgreSQL's driver says only "db
/// error" itself and keeps the server's words in its cause.
impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_chain(&*self.0, f)
    }
}

/// Write `e` and its causes (a cause its parent already quotes is not repeated).
fn write_chain(e: &dyn std::error::Error, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    let mut shown = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !shown.contains(&text) {
            shown = format!("{shown}: {text}");
        }
        cause = c.source();
    }
    f.write_str(&shown)
}

/// See [`Store::transactions_per_worker`].
const POSTGRES_TRANSACTIONS_PER_WORKER: usize = 8;

/// The database, whichever backend holds it. Cheap to clone (a shared pool).
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

/// The backends; each runs a transaction and hands the closure its handle.
#[derive(Clone)]
enum Backend {
    Sqlite(sqlite::Database),
    Postgres(postgres::Database),
}

impl Store {
    /// Open the database at `location` and bring its schema up to date (an SQLite file is
    /// created if needed; a PostgreSQL database must exist); a schema newer than this
    /// binary is refused.
    pub fn open(location: &Location) -> Result<Store, StorageError> {
        let backend = match location {
            Location::Sqlite(path) => Backend::Sqlite(sqlite::Database::open(path)?),
            Location::Postgres(url) => Backend::Postgres(postgres::Database::open(url)?),
        };
        Ok(Store { backend })
    }

    /// How many transactions a server worker should run at once. SQLite's are CPU-bound
    /// (a few microseconds, no waiting), so two keep a core busy and more only contend;
    /// PostgreSQL's mostly wait for the server's answers (one to five round trips a token
    /// request), so a worker keeps more in flight (scripts/bench, before token lookups were
    /// kept: 8 gave 13% more pulls than 2, 16 no more than 8).
    pub fn transactions_per_worker(&self) -> usize {
        match &self.backend {
            Backend::Sqlite(_) => 2,
            Backend::Postgres(_) => POSTGRES_TRANSACTIONS_PER_WORKER,
        }
    }

    /// A number that changes whenever a write transaction commits, through any process on
    /// the database, where asking is much cheaper than the lookups a caller would keep: on
    /// PostgreSQL (one small query instead of a transaction's four round trips). `None` on
    /// SQLite, whose lookups are in-process and not worth keeping. Read before the lookups it
    /// vouches for, so that they are at least as new as the number.
    pub fn changes(&self) -> Result<Option<i64>, StorageError> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(None),
            Backend::Postgres(db) => db.changes().map(Some),
        }
    }

    /// Run `read` in one read transaction: its lookups see one snapshot. Whatever `read`
    /// returns, the transaction ends before this returns.
    pub fn read<T, E: From<StorageError>>(
        &self,
        read: impl FnOnce(&mut dyn Reads) -> Result<T, E>,
    ) -> Result<T, E> {
        match &self.backend {
            Backend::Sqlite(db) => db.read(read),
            Backend::Postgres(db) => db.read(read),
        }
    }

    /// Run `write` in one write transaction: committed if it returns `Ok`, rolled back if
    /// it returns an error (or panics), so a check and the change it guards stand or fall
    /// together.
    pub fn write<T, E: From<StorageError>>(
        &self,
        write: impl FnOnce(&mut dyn Writes) -> Result<T, E>,
    ) -> Result<T, E> {
        match &self.backend {
            Backend::Sqlite(db) => db.write(write),
            Backend::Postgres(db) => db.write(write),
        }
    }
}
