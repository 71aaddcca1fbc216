//! What only the SQLite backend does: its pragmas, its connections' state after a
//! transaction, and the table rebuild that makes ids never come back on a database made
//! before it. (tests/storage.rs checks the shared properties on both backends.)

use super::*;
use crate::domain::namespace::Visibility;
use crate::storage::{Location, NewGroup, Store};

const NOW: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

fn raw(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

#[test]
fn migrations_run_once_and_enable_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/regauth.db");
    let db = Database::open(&path).unwrap();
    let conn = db.pool.get().unwrap();
    let version: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, migrations::STEPS.len());
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    drop(conn);
    drop(db);
    // Reopening must not re-run the migrations (they would fail on existing tables).
    Store::open(&Location::Sqlite(path.clone())).unwrap();
}

#[test]
fn transactions_always_end_and_a_failed_write_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("t.db")).unwrap();
    let group = |name: &'static str| NewGroup {
        parent_id: None,
        path: name,
        name,
        visibility: Visibility::Private,
    };
    let failed = db.write(|tx| {
        tx.insert_group(&group("a"), NOW)?;
        Err::<(), _>(StorageError::Corrupt("test"))
    });
    assert!(matches!(failed, Err(StorageError::Corrupt("test"))));
    let read = db.read(|tx| tx.group_by_path("a"));
    assert!(read.unwrap().is_none(), "the failed write was rolled back");
    db.write(|tx| tx.insert_group(&group("b"), NOW)).unwrap();
    assert!(db.read(|tx| tx.group_by_path("b")).unwrap().is_some());
    let failed = db.read(|_| Err::<(), _>(StorageError::Corrupt("test")));
    assert!(failed.is_err());
    let conn = db.pool.get().unwrap();
    assert!(
        conn.is_autocommit(),
        "no connection goes back inside a transaction"
    );
}

#[test]
fn a_database_from_before_the_rebuild_keeps_its_rows_and_stops_reusing_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let old = raw(&path);
    // A database as the steps before the rebuild left it, with rows that refer to each other.
    for step in &migrations::STEPS[..8] {
        old.execute_batch(step.sqlite).unwrap();
    }
    old.execute_batch(
        "PRAGMA user_version = 8;
         INSERT INTO groups (id, path, name, visibility, created_at) VALUES (1, 'g', 'g', 'private', 0);
         INSERT INTO projects (id, group_id, path, name, visibility, registry, created_at)
             VALUES (1, 1, 'g/p', 'p', 'private', 'enabled', 0);
         INSERT INTO deploy_tokens (id, project_id, name, username, digest, scopes, created_at)
             VALUES (1, 1, 'a', 'gitlab+deploy-token-1', x'01', 'read_registry', 0),
                    (2, 1, 'b', 'gitlab+deploy-token-2', x'02', 'read_registry', 0);
         INSERT INTO refresh_tokens (digest, deploy_token_id, service, created_at)
             VALUES (x'03', 2, 'container_registry', 0);
         INSERT INTO deploy_token_secrets (deploy_token_id, nonce, ciphertext) VALUES (2, x'04', x'05');
         DELETE FROM refresh_tokens; DELETE FROM deploy_token_secrets;
         DELETE FROM deploy_tokens WHERE id = 2;",
    )
    .unwrap();
    drop(old);
    let db = Database::open(&path).unwrap();
    let conn = db.pool.get().unwrap();
    let version: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, migrations::STEPS.len());
    let kept: String = conn
        .query_row("SELECT t.name || '@' || p.path FROM deploy_tokens t JOIN projects p ON p.id = t.project_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, "a@g/p");
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'deploy_tokens'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(sql.contains("AUTOINCREMENT"), "{sql}");
    let fk: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1, "enforcement is back on for the pool's connections");
    let orphan = conn.execute(
        "INSERT INTO projects (group_id, path, name, visibility, registry, created_at) VALUES (9, 'x', 'x', 'private', 'enabled', 0)",
        [],
    );
    assert!(
        orphan.is_err(),
        "references are still enforced after the rebuild"
    );
    // An id deleted before the rebuild was never recorded; from the rebuild on, the
    // largest id handed out is: delete the newest row and the next one still moves on.
    conn.execute_batch(
        "INSERT INTO deploy_tokens (project_id, name, username, digest, scopes, created_at)
             VALUES (1, 'c', 'u', x'06', 'read_registry', 0);",
    )
    .unwrap();
    let id: i64 = conn
        .query_row("SELECT max(id) FROM deploy_tokens", [], |r| r.get(0))
        .unwrap();
    conn.execute("DELETE FROM deploy_tokens WHERE id = ?1", [id])
        .unwrap();
    conn.execute_batch(
        "INSERT INTO deploy_tokens (project_id, name, username, digest, scopes, created_at)
             VALUES (1, 'd', 'u', x'07', 'read_registry', 0);",
    )
    .unwrap();
    let next: i64 = conn
        .query_row("SELECT max(id) FROM deploy_tokens", [], |r| r.get(0))
        .unwrap();
    assert_eq!(next, id + 1, "the deleted id {id} is not handed out again");
}
