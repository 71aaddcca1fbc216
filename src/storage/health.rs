//! Readiness checks of the database: the pool answers a query, and the file on disk is still
//! the database (a pooled connection keeps reading a file that was deleted or replaced).

use super::StorageError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// A pooled connection answers a trivial query.
pub fn ping(conn: &Connection) -> Result<(), StorageError> {
    conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?;
    Ok(())
}

/// The file at `path` opens read-only (never created) as an SQLite database with a schema.
pub fn check_file(path: &Path) -> Result<(), StorageError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    // Reading the schema is what fails on a file that is not a database.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    if version == 0 {
        return Err(StorageError::Corrupt(
            "user_version (the schema is missing)",
        ));
    }
    Ok(())
}
