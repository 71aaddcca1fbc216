//! The SQLite backend: a small pool of connections to one file in WAL mode. It owns the
//! connections and transactions; the area modules implement the storage traits on [`Tx`].

mod accounts;
mod audit;
mod backup;
mod bulk;
mod lifecycle;
mod namespaces;
mod tokens;
mod usage;
mod users;
mod webhooks;

use super::migrations;
use super::{BackendError, Reads, StorageError, Writes};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::time::Duration;
use time::OffsetDateTime;

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::Database(BackendError::new(e))
    }
}

/// An SQLite database: a pool of connections to its file.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<SqliteConnectionManager>,
}

/// The handle a transaction's closure works through: a connection inside a transaction.
pub struct Tx<'c>(&'c Connection);

impl Database {
    /// Open (creating if needed) the database at `path` and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Database, StorageError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::Directory {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let manager = SqliteConnectionManager::file(path).with_init(|c| {
            c.busy_timeout(Duration::from_secs(5))?;
            c.execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
            )
        });
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        migrate(path)?;
        Ok(Database { pool })
    }

    /// Run `read` in one deferred transaction: its queries see one snapshot, and SQLite
    /// takes the WAL read lock once rather than once per statement (that lock, a mutex and
    /// `fcntl` calls, was the costliest part of a cached lookup under load: scripts/bench).
    /// The handle offers no writes: a write inside a read transaction can fail with
    /// SQLITE_BUSY_SNAPSHOT.
    pub fn read<T, E: From<StorageError>>(
        &self,
        read: impl FnOnce(&mut dyn Reads) -> Result<T, E>,
    ) -> Result<T, E> {
        let conn = self.pool.get().map_err(StorageError::from)?;
        // Dropping the transaction (on an error or a panic) rolls it back, so a pooled
        // connection never goes back to the pool inside a transaction.
        let tx = rusqlite::Transaction::new_unchecked(&conn, TransactionBehavior::Deferred)
            .map_err(StorageError::from)?;
        let value = read(&mut Tx(&tx))?;
        tx.commit().map_err(StorageError::from)?;
        Ok(value)
    }

    /// Run `write` in one immediate transaction: it takes the write lock at the start
    /// (waiting for it up to the busy timeout), so the checks it reads cannot be overtaken
    /// by another writer before its changes land.
    pub fn write<T, E: From<StorageError>>(
        &self,
        write: impl FnOnce(&mut dyn Writes) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.pool.get().map_err(StorageError::from)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StorageError::from)?;
        let value = write(&mut Tx(&tx))?;
        tx.commit().map_err(StorageError::from)?;
        Ok(value)
    }
}

/// Run the steps this database has not seen yet on a connection of its own; `PRAGMA
/// user_version` records how many have run. Each step runs in an immediate transaction that
/// reads the version again first, so two processes opening a new database at once run each
/// step once. Foreign keys are not enforced during a step (a table rebuild drops a table
/// that others refer to, and SQLite only allows switching enforcement outside a
/// transaction); `PRAGMA foreign_key_check` proves every reference before the step commits.
fn migrate(path: &Path) -> Result<(), StorageError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let Some((version, step)) = migrations::pending(found)?.next() else {
            return Ok(());
        };
        tx.execute_batch(step.sqlite)?;
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()?;
        if let Some(table) = broken {
            return Err(StorageError::Migration {
                step: step.name,
                message: format!("a row of {table} refers to a row that does not exist"),
            });
        }
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
}

/// Stored form of an instant: Unix seconds.
fn to_unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// Read back an instant stored by [`to_unix`].
fn from_unix(secs: i64) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(secs).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Integer, Box::new(e))
    })
}

/// Parse a stored word column, turning a bad value into a conversion error.
fn parse_column<T: std::str::FromStr>(idx: usize, text: String) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

#[cfg(test)]
mod tests;
