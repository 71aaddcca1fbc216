//! SQLite's online backup API: one step copies every page inside one read transaction, so the
//! copy is one snapshot holding every committed row, the WAL's included (copying the main
//! file alone loses those), while writers go on (in WAL mode a reader never blocks a writer).
//! The copy is written beside the target and moved into place only once complete.

use super::Database;
use crate::storage::StorageError;
use crate::storage::backup::BackupError;
use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often a step may find the source busy before the backup gives up.
const BUSY_RETRIES: u32 = 500;

impl Database {
    /// Copy the database to `target`; an existing `target` is replaced only when `replace`.
    pub fn backup(&self, target: &Path, replace: bool) -> Result<(), BackupError> {
        if !replace && target.exists() {
            return Err(BackupError::Exists(target.to_owned()));
        }
        let partial = partial_path(target);
        let made = self
            .copy_to(&partial)
            .and_then(|()| install(&partial, target, replace));
        if made.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        made
    }

    fn copy_to(&self, partial: &Path) -> Result<(), BackupError> {
        // Made here first, so that an unwritable place is reported as such.
        std::fs::File::create(partial).map_err(file_error(partial))?;
        let source = self.pool.get().map_err(StorageError::from)?;
        let mut copy = Connection::open(partial).map_err(StorageError::from)?;
        {
            let backup = Backup::new(&source, &mut copy).map_err(StorageError::from)?;
            let mut busy = 0;
            // -1: every page in one step, so the whole copy is one read transaction.
            while backup.step(-1).map_err(StorageError::from)? != StepResult::Done {
                busy += 1;
                if busy > BUSY_RETRIES {
                    let e = rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY);
                    return Err(StorageError::from(rusqlite::Error::SqliteFailure(e, None)).into());
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        // A rollback-journal copy is one self-contained file; regauth turns WAL on again
        // when it opens the copy.
        copy.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get::<_, String>(0))
            .map_err(StorageError::from)?;
        copy.close().map_err(|(_, e)| StorageError::from(e))?;
        let file = std::fs::File::open(partial).map_err(file_error(partial))?;
        file.sync_all().map_err(file_error(partial))
    }
}

/// `.NAME.partial-PID` beside the target: same file system, so moving it is atomic.
fn partial_path(target: &Path) -> PathBuf {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    target.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// Move the finished copy to `target`: replacing it (and the WAL files of the database it
/// was, which SQLite would otherwise replay into the copy), or only if it does not exist.
fn install(partial: &Path, target: &Path, replace: bool) -> Result<(), BackupError> {
    if replace {
        for suffix in ["-wal", "-shm"] {
            let mut sidecar = target.as_os_str().to_owned();
            sidecar.push(suffix);
            let _ = std::fs::remove_file(sidecar);
        }
        std::fs::rename(partial, target).map_err(file_error(target))?;
    } else {
        // A link fails if the target appeared meanwhile: nothing is ever overwritten.
        match std::fs::hard_link(partial, target) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(BackupError::Exists(target.to_owned()));
            }
            linked => linked.map_err(file_error(target))?,
        }
        std::fs::remove_file(partial).map_err(file_error(partial))?;
    }
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    // The directory entry must be durable too, or a crash could lose the finished copy.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(file_error(target))
}

fn file_error(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::File {
        path: path.to_owned(),
        source,
    }
}
