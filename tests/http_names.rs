//! Names that cannot confuse, over real HTTP: repository names in scopes follow the
//! distribution grammar (400 `INVALID_SCOPE` otherwise, nothing granted for well-formed names
//! no project owns), and a deploy token's username never equals a user's, ignoring case,
//! even when both are created at the same moment.

mod api_harness;
mod harness;

use api_harness::{Reply, error, post, user};
use harness::{SERVICE, START, TestServer, error_of};
use regauth::app::AppError;
use regauth::app::namespaces::HolderRef;
use regauth::domain::token::{DEPLOY_TOKEN_PREFIX, PlainToken, TokenScopes};
use regauth::storage::{NewDeployToken, StorageError, Writes};
use serde_json::json;
use std::sync::mpsc;
use std::time::Duration;

fn q(scopes: &[&str]) -> String {
    let mut query = format!("service={SERVICE}");
    for s in scopes {
        query.push_str("&scope=");
        query.push_str(s);
    }
    query
}

const API: &str = "repository:acme/backend/api:pull";

#[test]
fn repository_names_outside_the_grammar_are_invalid_scopes() {
    let s = TestServer::start();
    s.seed();
    let (_, username, secret) = s.token(HolderRef::Group("acme"), &["read_registry"]);
    let creds = Some((username.as_str(), secret.as_str()));
    // Percent-encoded where a query needs it: %2F is '/', %01 a control character.
    for bad in [
        "repository:acme/backend/../frontend/web:pull",
        "repository:../acme/backend/api:pull",
        "repository:acme//backend/api:pull",
        "repository:/acme/backend/api:pull",
        "repository:acme/backend/api/:pull",
        "repository:acme/Backend/api:pull",
        "repository:acme/backend/api%01:pull",
        "repository:acme/backend/-api:pull",
        "repository(plugin):acme/./api:pull",
    ] {
        for (who, creds) in [("token", creds), ("anonymous", None)] {
            // Alone, or next to a good scope: the whole request is refused.
            for scopes in [vec![bad], vec![API, bad]] {
                let (status, body) = s.get_token(&q(&scopes), creds);
                let (code, message) = error_of(&body);
                assert_eq!(
                    (status, code.as_str()),
                    (400, "INVALID_SCOPE"),
                    "{who} {bad}"
                );
                assert!(
                    message.contains("not a repository name"),
                    "{bad}: {message}"
                );
            }
        }
        let form = [
            ("service", SERVICE),
            ("scope", bad),
            ("grant_type", "password"),
        ];
        let form = [&form[..], &[("username", &username), ("password", &secret)]].concat();
        let (status, body) = s.post_token(&form);
        assert_eq!((status, error_of(&body).0.as_str()), (400, "INVALID_SCOPE"));
    }
}

#[test]
fn well_formed_names_no_project_owns_get_nothing() {
    let s = TestServer::start();
    s.seed();
    let (_, username, secret) = s.token(HolderRef::Group("acme"), &["read_registry"]);
    let creds = Some((username.as_str(), secret.as_str()));
    // A host prefix is grammatical, but the registry never asks for one of ours with it;
    // unknown types are dropped whatever their names.
    for foreign in [
        "repository:localhost:5000/acme/backend/api:pull",
        "repository:registry.example.com/acme/backend/api:pull",
        "repository:Acme/backend/api:pull",
        "repository:acme/nope:pull",
        "plugin:acme//x:pull",
    ] {
        let (status, body) = s.get_token(&q(&[foreign, API]), creds);
        assert_eq!(status, 200, "{foreign}: {body}");
        let jwt = body["token"].as_str().unwrap();
        assert_eq!(s.access(jwt), [API], "{foreign}");
        let (status, body) = s.get_token(&q(&[foreign]), None);
        assert_eq!(
            (status, error_of(&body).1.as_str()),
            (401, "authentication required"),
            "{foreign}"
        );
    }
    // Below a project is still that project's (`g/p/web`), separators included.
    let deep = "repository:acme/backend/api/web__v2.x-y:pull";
    let (_, body) = s.get_token(&q(&[deep]), creds);
    assert_eq!(s.access(body["token"].as_str().unwrap()), [deep]);
}

/// Create user `name` and a deploy token with the username `token_name` while another write
/// transaction holds the database: both requests wait, then run one after the other. Each
/// must check inside its own write transaction; a check made before waiting would pass for
/// both (or fail on a stale snapshot).
fn race(
    s: &TestServer,
    admin: &str,
    name: &str,
    token_name: &str,
) -> (Result<(), AppError>, Reply) {
    let (held, hold) = mpsc::channel();
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            s.app.store().write(|_| {
                held.send(()).unwrap();
                // Long enough for both to reach the lock; correctness does not depend on it.
                std::thread::sleep(Duration::from_millis(300));
                Ok::<_, StorageError>(())
            })
        });
        hold.recv().unwrap();
        let created = scope.spawn(|| s.app.create_user(name, false).map(drop));
        let reply = scope.spawn(|| {
            let body = json!({"name": "ci", "scopes": ["read_registry"], "username": token_name});
            post(
                s,
                "/projects/acme%2Fbackend%2Fapi/deploy_tokens",
                admin,
                body,
            )
        });
        writer.join().unwrap().unwrap();
        (created.join().unwrap(), reply.join().unwrap())
    })
}

#[test]
fn a_user_and_a_token_created_at_once_never_share_a_username() {
    let s = TestServer::start();
    s.seed();
    let admin = user(&s, "root", true);
    for round in 0..3 {
        let name = format!("racer{round}");
        let (created, reply) = race(&s, &admin, &name, &name.to_uppercase());
        let user_made = match created {
            Ok(()) => true,
            Err(AppError::Invalid { field, message }) => {
                assert_eq!(field, "username", "{message}");
                assert!(message.contains("username of a deploy token"), "{message}");
                false
            }
            Err(other) => panic!("round {round}: user creation failed with {other}"),
        };
        let token_made = match reply.status {
            201 => true,
            400 => {
                assert!(error(&reply).contains("username of a user"), "{reply:?}");
                false
            }
            _ => panic!("round {round}: token creation answered {reply:?}"),
        };
        assert!(
            user_made != token_made,
            "exactly one of the two in round {round}"
        );
    }
}

/// Run `create` while another write transaction has made `hold` but not committed it yet.
fn while_uncommitted<T: Send>(
    s: &TestServer,
    hold: impl FnOnce(&mut dyn Writes) -> Result<(), StorageError> + Send,
    create: impl FnOnce() -> T + Send,
) -> T {
    let (held, wait) = mpsc::channel();
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            s.app.store().write(|tx| {
                hold(tx)?;
                held.send(()).unwrap();
                // Long enough for `create` to reach the database; a create that starts
                // after the commit is refused as well.
                std::thread::sleep(Duration::from_millis(300));
                Ok::<_, StorageError>(())
            })
        });
        wait.recv().unwrap();
        let outcome = scope.spawn(create).join().unwrap();
        writer.join().unwrap().unwrap();
        outcome
    })
}

#[test]
fn a_name_being_taken_by_the_other_kind_is_refused_once_that_commits() {
    let s = TestServer::start();
    s.seed();
    let admin = user(&s, "root", true);
    // A user `racer` is being created while a deploy token asks for `RACER`.
    let reply = while_uncommitted(
        &s,
        |tx| tx.insert_user("racer", false, START).map(drop),
        || {
            let body = json!({"name": "ci", "scopes": ["read_registry"], "username": "RACER"});
            post(
                &s,
                "/projects/acme%2Fbackend%2Fapi/deploy_tokens",
                &admin,
                body,
            )
        },
    );
    assert_eq!(reply.status, 400, "{reply:?}");
    assert!(error(&reply).contains("username of a user"), "{reply:?}");

    // A deploy token `Pilot` is being created while a user `pilot` is.
    let holder = s
        .app
        .resolve_holder(HolderRef::Project("acme/backend/api"))
        .unwrap();
    let scopes = TokenScopes::parse(["read_registry"]).unwrap();
    let digest = PlainToken::generate(DEPLOY_TOKEN_PREFIX).digest();
    let new = NewDeployToken {
        holder: &holder,
        name: "ci",
        username: Some("Pilot"),
        digest: &digest,
        scopes: &scopes,
        expires_at: None,
        repositories: None,
    };
    let created = while_uncommitted(
        &s,
        |tx| tx.insert_deploy_token(&new, START).map(drop),
        || s.app.create_user("pilot", false).map(drop),
    );
    match created {
        Err(AppError::Invalid { field, message }) => {
            assert_eq!(field, "username");
            assert!(message.contains("username of a deploy token"), "{message}");
        }
        other => panic!("user pilot was not refused: {other:?}"),
    }
    assert!(
        s.app
            .store()
            .read(|tx| tx.user_by_username("pilot"))
            .unwrap()
            .is_none()
    );
}
