//! The storage seam on both backends, in every run: each test checks one property on an
//! SQLite file and on a database of the private PostgreSQL server (tests/pg). Schemas
//! newer than the binary are refused alike, transactions always end, ids never come back,
//! default usernames stay unique under concurrent creation, and the lookups the token path
//! relies on answer the same.

mod backend;

use backend::{BOTH, Backend, TestDatabase};
use regauth::app::App;
use regauth::app::deploy_tokens::CreateDeployToken;
use regauth::app::namespaces::HolderRef;
use regauth::domain::namespace::{Project, RegistryAccess, Visibility};
use regauth::domain::token::{DEPLOY_TOKEN_PREFIX, Holder, PlainToken, TokenScopes};
use regauth::storage::{NewDeployToken, NewGroup, NewProject, StorageError, Store, Writes};
use std::collections::HashSet;
use time::OffsetDateTime;

const NOW: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

/// A fresh database on `backend` and its opened store.
fn open(backend: Backend, dir: &tempfile::TempDir) -> (TestDatabase, Store) {
    let db = TestDatabase::on(backend, dir.path(), "regauth.db");
    let store = Store::open(&db.location()).unwrap();
    (db, store)
}

#[test]
fn a_schema_newer_than_the_binary_is_refused_alike() {
    let known = regauth::storage::migrations::STEPS.len();
    let mut messages = Vec::new();
    for backend in BOTH {
        let dir = tempfile::tempdir().unwrap();
        let (db, store) = open(backend, &dir);
        assert_eq!(db.schema_version(), known as i64, "{backend:?}");
        drop(store);
        // Reopening runs nothing again (the steps would fail on existing tables).
        drop(Store::open(&db.location()).unwrap());
        db.set_schema_version(99);
        let refused = Store::open(&db.location()).err().expect("refused");
        assert!(
            matches!(refused, StorageError::SchemaTooNew { found: 99, known: k } if k == known),
            "{backend:?}: {refused:?}"
        );
        assert_eq!(db.schema_version(), 99, "{backend:?}: left as it was");
        messages.push(refused.to_string());
    }
    assert!(messages[0].contains("version 99") && messages[0].contains("newer regauth"));
    assert_eq!(messages[0], messages[1], "the same words on both");
}

#[test]
fn transactions_always_end_and_a_failed_write_changes_nothing() {
    for backend in BOTH {
        let dir = tempfile::tempdir().unwrap();
        let (_db, store) = open(backend, &dir);
        let failed = store.write(|tx| {
            tx.insert_group(&group(None, "a"), NOW)?;
            Err::<(), _>(StorageError::Corrupt("test"))
        });
        assert!(matches!(failed, Err(StorageError::Corrupt("test"))));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store.write(|tx| {
                tx.insert_group(&group(None, "p"), NOW)?;
                panic!("a use case panics mid-write");
                #[expect(unreachable_code)]
                Ok::<_, StorageError>(())
            })
        }));
        assert!(panicked.is_err());
        for rolled_back in ["a", "p"] {
            let read = store.read(|tx| tx.group_by_path(rolled_back)).unwrap();
            assert!(read.is_none(), "{backend:?}: {rolled_back} was rolled back");
        }
        store
            .write(|tx| tx.insert_group(&group(None, "b"), NOW))
            .unwrap();
        assert!(store.read(|tx| tx.group_by_path("b")).unwrap().is_some());
        assert!(
            store
                .read(|_| Err::<(), _>(StorageError::Corrupt("test")))
                .is_err()
        );
        // Every connection went back to its pool usable: more transactions than it holds.
        for _ in 0..20 {
            store.read(|tx| tx.group_by_path("b")).unwrap();
        }
    }
}

#[test]
fn a_deleted_highest_id_never_comes_back() {
    for backend in BOTH {
        let dir = tempfile::tempdir().unwrap();
        let (db, store) = open(backend, &dir);
        let app = App::new(store.clone());
        app.create_group("g", Visibility::Private).unwrap();
        app.create_project("g/p", Visibility::Private, RegistryAccess::Enabled)
            .unwrap();
        let first = create_token(&app);
        let second = create_token(&app);
        assert_eq!(second.id, first.id + 1);
        assert_eq!(
            second.username,
            format!("gitlab+deploy-token-{}", second.id)
        );
        // Behind regauth's back (regauth itself never deletes a token).
        db.execute(&format!(
            "DELETE FROM deploy_tokens WHERE id = {}",
            second.id
        ));
        let third = create_token(&app);
        assert!(
            third.id > second.id,
            "{backend:?}: id {} came back",
            second.id
        );
        assert_ne!(third.username, second.username);

        let user = app.create_user("ann", false).unwrap().user;
        db.execute(&format!(
            "DELETE FROM personal_access_tokens WHERE user_id = {0}; DELETE FROM users WHERE id = {0}",
            user.id
        ));
        let next = app.create_user("bob", false).unwrap().user;
        assert!(
            next.id > user.id,
            "{backend:?}: user id {} came back",
            user.id
        );
    }
}

fn create_token(app: &App) -> regauth::domain::token::DeployToken {
    app.create_deploy_token(&CreateDeployToken {
        holder: HolderRef::Project("g/p"),
        name: "ci",
        scopes: vec!["read_registry"],
        username: None,
        expires_at: None,
        repositories: None,
    })
    .unwrap()
    .token
}

#[test]
fn default_usernames_stay_unique_when_created_at_once() {
    const THREADS: usize = 8;
    const EACH: usize = 5;
    for backend in BOTH {
        let dir = tempfile::tempdir().unwrap();
        let (_db, store) = open(backend, &dir);
        let app = App::new(store);
        app.create_group("g", Visibility::Private).unwrap();
        app.create_project("g/p", Visibility::Private, RegistryAccess::Enabled)
            .unwrap();
        let start = std::sync::Barrier::new(THREADS);
        let tokens: Vec<_> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..THREADS)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        (0..EACH).map(|_| create_token(&app)).collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        let names: HashSet<_> = tokens.iter().map(|t| t.username.clone()).collect();
        assert_eq!(names.len(), THREADS * EACH, "{backend:?}: a username twice");
        for t in &tokens {
            assert_eq!(t.username, format!("gitlab+deploy-token-{}", t.id));
        }
        let listed = app.store().read(|tx| tx.deploy_tokens(None, false, NOW));
        assert_eq!(listed.unwrap().len(), THREADS * EACH, "{backend:?}");
    }
}

fn group<'a>(parent_id: Option<i64>, path: &'a str) -> NewGroup<'a> {
    NewGroup {
        parent_id,
        path,
        name: path,
        visibility: Visibility::Private,
    }
}

/// Groups `g`, `g/sub`; projects `g/p`, `g/sub/q`. Returns `g/p` and the id of `g/sub/q`.
fn seed_projects(tx: &mut dyn Writes) -> Result<(Project, i64), StorageError> {
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
fn a_repository_belongs_to_the_project_at_its_longest_prefix() {
    for backend in BOTH {
        let dir = tempfile::tempdir().unwrap();
        let (_db, store) = open(backend, &dir);
        let (p, q) = store
            .write(|tx| seed_projects(tx).map(|(p, q)| (p.id, q)))
            .unwrap();
        let owner = |repo: &str| {
            store
                .read(|tx| tx.project_for_repository(repo))
                .unwrap()
                .map(|f| f.id)
        };
        assert_eq!(owner("g/p"), Some(p), "{backend:?}");
        assert_eq!(owner("g/p/web"), Some(p));
        assert_eq!(owner("g/p/a/b/c"), Some(p));
        assert_eq!(owner("g/sub/q/api"), Some(q));
        assert_eq!(owner("g/sub"), None, "a group is not a project");
        assert_eq!(owner("g/px"), None, "prefixes are whole path components");
        assert_eq!(owner("other/p"), None);
        assert_eq!(owner(&"a/".repeat(100)), None);
        let chain = store.read(|tx| tx.group_chain("g/sub/q")).unwrap();
        let paths: Vec<_> = chain.iter().map(|g| g.path.as_str()).collect();
        assert_eq!(paths, ["g", "g/sub"], "{backend:?}: outermost first");
    }
}

#[test]
fn login_needs_the_secret_and_its_own_username() {
    for backend in BOTH {
        let dir = tempfile::tempdir().unwrap();
        let (_db, store) = open(backend, &dir);
        let scopes = TokenScopes::parse(["read_registry"]).unwrap();
        let a = PlainToken::generate(DEPLOY_TOKEN_PREFIX);
        let b = PlainToken::generate(DEPLOY_TOKEN_PREFIX);
        let (token_a, token_b) = store
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
            store
                .read(|tx| tx.deploy_token_by_login(&secret.digest(), user))
                .unwrap()
        };
        assert_eq!(login(&a, &token_a.username), Some(token_a.clone()));
        assert_eq!(login(&a, &token_b.username), None, "{backend:?}");
        let unknown = PlainToken::generate(DEPLOY_TOKEN_PREFIX);
        assert_eq!(login(&unknown, &token_a.username), None);
        assert_eq!(login(&b, &token_b.username), Some(token_b));
    }
}
