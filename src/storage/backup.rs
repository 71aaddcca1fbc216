//! Online backups: a consistent copy of the database taken while the service keeps serving
//! and writing. Each backend answers for itself; a backend whose server has its own tool
//! (PostgreSQL's `pg_dump`) says so instead of copying.

use super::{Backend, Location, StorageError, Store};
use std::path::{Path, PathBuf};

/// What `regauth backup` says for a PostgreSQL database.
const PG_DUMP: &str = "regauth backup copies SQLite databases only: back up a PostgreSQL \
                       database with pg_dump (README: Backups), e.g. \
                       pg_dump --format=custom --file=regauth.dump \"$REGAUTH_DATABASE\"";

/// Why a backup was not made. No partial copy is left behind in any case.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The target exists and replacing it was not asked for.
    #[error("{0} exists: pass --force to replace it")]
    Exists(PathBuf),
    /// The target could not be written or moved into place.
    #[error("cannot write the backup {path}: {source}")]
    File {
        /// The file being written.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// This backend is backed up with its server's own tool.
    #[error("{0}")]
    Unsupported(&'static str),
    /// The database failed while being copied.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Whether `regauth backup` copies the database at `location` (only SQLite files).
pub fn supported(location: &Location) -> Result<(), BackupError> {
    match location {
        Location::Sqlite(_) => Ok(()),
        Location::Postgres(_) => Err(BackupError::Unsupported(PG_DUMP)),
    }
}

impl Store {
    /// Copy the database to the file `target` as one consistent snapshot, while others keep
    /// writing; an existing `target` is replaced only when `replace`.
    pub fn backup(&self, target: &Path, replace: bool) -> Result<(), BackupError> {
        match &self.backend {
            Backend::Sqlite(db) => db.backup(target, replace),
            Backend::Postgres(_) => Err(BackupError::Unsupported(PG_DUMP)),
        }
    }
}
