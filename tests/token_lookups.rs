//! Token-path lookups kept between requests (app::lookup_cache) never outlive a write: two
//! servers built on one database (two replicas, in one process) on both backends; what one
//! writes, the other's very next token request sees. And the write counter behind it rises
//! with every committed write, on PostgreSQL, and only then.

mod backend;

use backend::{BOTH, Backend, TestDatabase};
use regauth::app::deploy_tokens::CreateDeployToken;
use regauth::app::namespaces::HolderRef;
use regauth::app::registry_auth::{AuthError, Credentials, TokenRequest, TokenService};
use regauth::app::users::CreatePersonalToken;
use regauth::config::Config;
use regauth::domain::namespace::{RegistryAccess, Visibility};
use regauth::domain::role::AccessLevel;
use regauth::domain::token::PlainToken;
use regauth::server::Application;
use regauth::storage::{StorageError, Store};
use time::OffsetDateTime;

const SCOPE: &str = "repository:acme/app/web:pull,push";

/// A server (never started) on `db`, with the keys in `dir`.
fn replica(db: &TestDatabase, dir: &std::path::Path) -> Application {
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: db.location(),
        keys_dir: dir.join("keys"),
        ..Config::default()
    };
    regauth::server::build(&config).expect("build a server")
}

/// The actions a token request of `user:secret` for [`SCOPE`] gets (an error if refused).
fn actions(service: &TokenService, user: &str, secret: &str) -> Result<Vec<String>, String> {
    let request = TokenRequest {
        service: Some(Config::default().registry_service),
        scopes: vec![SCOPE.to_owned()],
        credentials: Credentials::Password {
            username: user.to_owned(),
            secret: PlainToken::from_client(secret),
        },
        offline: false,
        client: None,
    };
    match service.issue(&request) {
        Ok(grant) => Ok(grant
            .granted
            .access()
            .iter()
            .flat_map(|a| a.actions.iter().map(ToString::to_string))
            .collect()),
        Err(AuthError::Unauthorized(message)) => Err(message.to_owned()),
        Err(other) => panic!("unexpected refusal: {other:?}"),
    }
}

#[test]
fn what_one_replica_writes_counts_at_the_other_replicas_next_token_request() {
    for backend in BOTH {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDatabase::on(backend, dir.path(), "regauth.db");
        let (a, b) = (replica(&db, dir.path()), replica(&db, dir.path()));
        let writer = b.app();
        writer.create_group("acme", Visibility::Private).unwrap();
        let project = ("acme/app", Visibility::Private, RegistryAccess::Enabled);
        writer
            .create_project(project.0, project.1, project.2)
            .unwrap();
        let made = writer
            .create_deploy_token(&CreateDeployToken {
                holder: HolderRef::Project("acme/app"),
                name: "ci",
                scopes: vec!["read_registry", "write_registry"],
                username: None,
                expires_at: None,
                repositories: None,
            })
            .unwrap();
        let (user, secret) = (&made.token.username, made.secret.expose());
        let service = a.token_service();
        for _ in 0..3 {
            assert_eq!(actions(service, user, secret).unwrap(), ["pull", "push"]);
        }
        writer.revoke_deploy_token(made.token.id).unwrap();
        assert!(actions(service, user, secret).is_err(), "{backend:?}");

        // A user's role, lowered and then removed through the other replica.
        writer.create_user("alice", false).unwrap();
        let pat = writer
            .create_personal_token(
                "alice",
                &CreatePersonalToken {
                    name: "registry",
                    scopes: vec!["read_registry", "write_registry"],
                    expires_at: None,
                },
            )
            .unwrap();
        let pat_secret = pat.secret.expose();
        let role = |level| {
            let target = HolderRef::Project("acme/app");
            writer.add_member(target, "alice", level).unwrap();
        };
        role(AccessLevel::Developer);
        for _ in 0..3 {
            assert_eq!(
                actions(service, "alice", pat_secret).unwrap(),
                ["pull", "push"]
            );
        }
        role(AccessLevel::Reporter);
        assert_eq!(
            actions(service, "alice", pat_secret).unwrap(),
            ["pull"],
            "{backend:?}"
        );
        writer.revoke_personal_token(pat.token.id).unwrap();
        assert!(
            actions(service, "alice", pat_secret).is_err(),
            "{backend:?}"
        );
    }
}

#[test]
fn the_write_counter_rises_with_each_committed_write_and_only_then() {
    for backend in BOTH {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDatabase::on(backend, dir.path(), "regauth.db");
        let store = Store::open(&db.location()).unwrap();
        let Some(before) = store.changes().unwrap() else {
            assert_eq!(backend, Backend::Sqlite, "only SQLite keeps no counter");
            continue;
        };
        let now = OffsetDateTime::now_utc();
        let group = regauth::storage::NewGroup {
            parent_id: None,
            path: "acme",
            name: "acme",
            visibility: Visibility::Private,
        };
        store.write(|tx| tx.insert_group(&group, now)).unwrap();
        assert_eq!(store.changes().unwrap(), Some(before + 1));
        let failed = store.write(|tx| {
            tx.insert_group(
                &regauth::storage::NewGroup {
                    path: "other",
                    ..group
                },
                now,
            )?;
            Err::<(), _>(StorageError::Corrupt("test"))
        });
        assert!(failed.is_err());
        assert_eq!(store.changes().unwrap(), Some(before + 1), "rolled back");
        // Another process's store (a replica, the CLI) sees the same counter.
        let other = Store::open(&db.location()).unwrap();
        assert_eq!(other.changes().unwrap(), Some(before + 1));
    }
}
