//! Storage: the only module that speaks SQL. Functions are synchronous and take a
//! `&Connection`; async callers run them on the blocking pool.

pub mod ci_secrets;
pub mod namespaces;
pub mod personal_tokens;
pub mod refresh;
pub mod tokens;
pub mod users;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;
use time::OffsetDateTime;

/// Numbered migrations; `PRAGMA user_version` records how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_users.sql"),
    include_str!("migrations/0003_ci_secrets.sql"),
    include_str!("migrations/0004_deploy_token_login.sql"),
];

/// A storage failure. Never carries secrets.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// No connection could be had from the pool.
    #[error("database pool error: {0}")]
    Pool(#[from] r2d2::Error),
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
}

/// A pooled connection.
pub type Conn = r2d2::PooledConnection<SqliteConnectionManager>;

/// The database: a small pool of SQLite connections in WAL mode.
#[derive(Clone)]
pub struct Store {
    pool: r2d2::Pool<SqliteConnectionManager>,
}

impl Store {
    /// Open (creating if needed) the database at `path` and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StorageError> {
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
        migrate(&mut *pool.get()?)?;
        Ok(Store { pool })
    }

    /// A connection from the pool.
    pub fn conn(&self) -> Result<Conn, StorageError> {
        Ok(self.pool.get()?)
    }
}

/// Run the migrations this database has not seen yet, each in its own transaction.
fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    let done: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Run `read` in one read transaction: its queries see one snapshot, and SQLite takes the
/// WAL read lock once rather than once per statement (that lock, a mutex and `fcntl` calls,
/// was the costliest part of a cached lookup under load: scripts/bench). `read` must not
/// write: a write inside a read transaction can fail with SQLITE_BUSY_SNAPSHOT.
pub fn read_snapshot<T, E: From<StorageError>>(
    conn: &Connection,
    read: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    // Dropping the transaction (on an error or a panic) rolls it back, so a pooled connection
    // never goes back to the pool inside a transaction.
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Deferred)
        .map_err(StorageError::from)?;
    let value = read(&tx)?;
    tx.commit().map_err(StorageError::from)?;
    Ok(value)
}

/// Stored form of an instant: Unix seconds.
pub(crate) fn to_unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// Read back an instant stored by [`to_unix`].
pub(crate) fn from_unix(secs: i64) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(secs).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Integer, Box::new(e))
    })
}

/// Parse a stored word column, turning a bad value into a conversion error.
pub(crate) fn parse_column<T: std::str::FromStr>(idx: usize, text: String) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_enable_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/regauth.db");
        let store = Store::open(&path).unwrap();
        let conn = store.conn().unwrap();
        let version: usize = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len());
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        drop(conn);
        drop(store);
        // Reopening must not re-run the migrations (they would fail on existing tables).
        Store::open(&path).unwrap();
    }

    #[test]
    fn read_snapshot_always_ends_its_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let conn = store.conn().unwrap();
        let count = |c: &Connection| c.query_row("SELECT count(*) FROM groups", [], |r| r.get(0));
        let n: i64 = read_snapshot(&conn, |c| Ok::<_, StorageError>(count(c)?)).unwrap();
        assert_eq!(n, 0);
        assert!(conn.is_autocommit());
        let failed = read_snapshot(&conn, |_| Err::<(), _>(StorageError::Corrupt("test")));
        assert!(matches!(failed, Err(StorageError::Corrupt("test"))));
        assert!(conn.is_autocommit(), "an error rolls the transaction back");
    }
}
