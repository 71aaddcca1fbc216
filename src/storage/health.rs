//! Readiness checks of the database: the store runs a transaction, and (for SQLite) the file
//! on disk is still the database (a pooled connection keeps reading a file that was deleted
//! or replaced).

use super::{StorageError, Store};
use rusqlite::{Connection, OpenFlags};
use std::io::Read;
use std::path::Path;

/// The first bytes of every SQLite database file.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Why the database file is not usable.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    /// The file does not start as an SQLite database does.
    #[error("the file is not a database")]
    NotADatabase,
    /// The file is a database without regauth's schema.
    #[error("the database has no schema (user_version 0)")]
    NoSchema,
    /// SQLite could not open or read it.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// The store opens and ends a read transaction.
pub fn ping(store: &Store) -> Result<(), StorageError> {
    store.read(|_| Ok::<_, StorageError>(()))
}

/// The file at `path` starts as an SQLite database does and opens read-only (never created)
/// with a schema. The header is read by hand: SQLite itself may answer from the WAL and
/// never notice that the main file was overwritten.
pub fn check_file(path: &Path) -> Result<(), HealthError> {
    let mut header = [0u8; 16];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
    if read.is_err() || &header != MAGIC {
        return Err(HealthError::NotADatabase);
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    if version == 0 {
        return Err(HealthError::NoSchema);
    }
    Ok(())
}
