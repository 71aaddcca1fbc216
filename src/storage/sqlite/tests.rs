//! The SQLite backend: migrations, transactions, and the lookups the token path relies on.

use super::*;
use crate::domain::namespace::{RegistryAccess, Visibility};
use crate::domain::token::{DEPLOY_TOKEN_PREFIX, Holder, PlainToken, TokenScopes};
use crate::storage::{NewDeployToken, NewGroup, NewProject, Store};

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
    Store::open(&path).unwrap();
}

#[test]
fn a_schema_newer_than_the_binary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regauth.db");
    drop(Store::open(&path).unwrap());
    raw(&path).pragma_update(None, "user_version", 99).unwrap();
    let refused = Store::open(&path).err().expect("a newer schema is refused");
    assert!(
        matches!(refused, StorageError::SchemaTooNew { found: 99, known } if known == migrations::STEPS.len()),
        "{refused:?}"
    );
    let message = refused.to_string();
    assert!(message.contains("version 99"), "{message}");
    assert!(message.contains("newer regauth"), "{message}");
    let version: i64 = raw(&path)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 99, "the refused database is left as it was");
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
fn repository_belongs_to_the_project_at_its_longest_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("t.db")).unwrap();
    let (p, q) = db
        .write(|tx| {
            let (p, q) = seed_projects(tx)?;
            Ok::<_, StorageError>((p.id, q))
        })
        .unwrap();
    let owner = |repo: &str| {
        db.read(|tx| tx.project_for_repository(repo))
            .unwrap()
            .map(|f| f.id)
    };
    assert_eq!(owner("g/p"), Some(p));
    assert_eq!(owner("g/p/web"), Some(p));
    assert_eq!(owner("g/p/a/b/c"), Some(p));
    assert_eq!(owner("g/sub/q/api"), Some(q));
    assert_eq!(owner("g/sub"), None, "a group is not a project");
    assert_eq!(owner("g/px"), None, "prefixes are whole path components");
    assert_eq!(owner("other/p"), None);
    assert_eq!(owner(&"a/".repeat(100)), None);
}

/// Groups `g`, `g/sub`; projects `g/p`, `g/sub/q`. Returns `g/p` and the id of `g/sub/q`.
fn seed_projects(
    tx: &mut dyn Writes,
) -> Result<(crate::domain::namespace::Project, i64), StorageError> {
    let group = |parent_id, path| NewGroup {
        parent_id,
        path,
        name: path,
        visibility: Visibility::Private,
    };
    let project = |group_id, path| NewProject {
        group_id,
        path,
        name: path,
        visibility: Visibility::Private,
        registry: RegistryAccess::Enabled,
    };
    let g = tx.insert_group(&group(None, "g"), NOW)?;
    let sub = tx.insert_group(&group(Some(g.id), "g/sub"), NOW)?;
    let p = tx.insert_project(&project(g.id, "g/p"), NOW)?;
    let q = tx.insert_project(&project(sub.id, "g/sub/q"), NOW)?;
    Ok((p, q.id))
}

#[test]
fn login_needs_the_secret_and_its_own_username() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("t.db")).unwrap();
    let scopes = TokenScopes::parse(["read_registry"]).unwrap();
    let (a, b) = (
        PlainToken::generate(DEPLOY_TOKEN_PREFIX),
        PlainToken::generate(DEPLOY_TOKEN_PREFIX),
    );
    let (token_a, token_b) = db
        .write(|tx| {
            let (p, _) = seed_projects(tx)?;
            let holder = Holder::Project {
                id: p.id,
                path: p.path,
            };
            let mut add = |secret: &PlainToken| {
                let new = NewDeployToken {
                    holder: &holder,
                    name: "ci",
                    username: None,
                    digest: &secret.digest(),
                    scopes: &scopes,
                    expires_at: None,
                    repositories: None,
                };
                tx.insert_deploy_token(&new, NOW)
            };
            Ok::<_, StorageError>((add(&a)?, add(&b)?))
        })
        .unwrap();
    let login = |secret: &PlainToken, user: &str| {
        db.read(|tx| tx.deploy_token_by_login(&secret.digest(), user))
            .unwrap()
    };
    assert_eq!(login(&a, &token_a.username), Some(token_a.clone()));
    assert_eq!(
        login(&a, &token_b.username),
        None,
        "another token's username"
    );
    let unknown = PlainToken::generate(DEPLOY_TOKEN_PREFIX);
    assert_eq!(login(&unknown, &token_a.username), None);
    assert_eq!(login(&b, &token_b.username), Some(token_b));
}
