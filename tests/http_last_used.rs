//! `last_used_at` over real HTTP: a pull, a forward-auth check and an API call each note a
//! use, nothing is written on the request path, one flush writes every token noted in one
//! transaction, and a second use within the window writes nothing (counted by a trigger in
//! the database itself). The API entity shows the recorded instant.

mod api_harness;
mod harness;

use api_harness::{get, user};
use harness::backend::{Backend, Cell, TestDatabase};
use harness::forward::nginx;
use harness::{SERVICE, START, TestServer};
use regauth::app::namespaces::HolderRef;
use regauth::domain::token::PlainToken;
use serde_json::Value;
use std::time::Duration;

/// Count every write of a `last_used_at` column, in the database itself (a trigger in each
/// backend's dialect).
fn count_writes(s: &TestServer) -> &TestDatabase {
    s.db.execute(match s.db.backend {
        Backend::Sqlite => {
            "CREATE TABLE last_used_writes (token TEXT NOT NULL);
             CREATE TRIGGER deploy_written AFTER UPDATE OF last_used_at ON deploy_tokens
             BEGIN INSERT INTO last_used_writes VALUES ('deploy:' || NEW.id); END;
             CREATE TRIGGER personal_written AFTER UPDATE OF last_used_at ON personal_access_tokens
             BEGIN INSERT INTO last_used_writes VALUES ('personal:' || NEW.id); END;"
        }
        Backend::Postgres => {
            "CREATE TABLE last_used_writes (
                 rowid BIGINT GENERATED ALWAYS AS IDENTITY, token TEXT NOT NULL);
             CREATE FUNCTION note_write() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN INSERT INTO last_used_writes (token) VALUES (TG_ARGV[0] || ':' || NEW.id);
             RETURN NEW; END $$;
             CREATE TRIGGER deploy_written AFTER UPDATE OF last_used_at ON deploy_tokens
             FOR EACH ROW EXECUTE FUNCTION note_write('deploy');
             CREATE TRIGGER personal_written AFTER UPDATE OF last_used_at ON personal_access_tokens
             FOR EACH ROW EXECUTE FUNCTION note_write('personal');"
        }
    });
    &s.db
}

fn writes(db: &TestDatabase) -> Vec<String> {
    db.query("SELECT token FROM last_used_writes ORDER BY rowid")
        .into_iter()
        .map(|row| match &row[0] {
            Cell::Text(t) => t.clone(),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn pull(s: &TestServer, user: &str, secret: &str) {
    let query = format!("service={SERVICE}&scope=repository:acme/backend/api:pull");
    let (status, body) = s.get_token(&query, Some((user, secret)));
    assert_eq!(status, 200, "{body}");
}

fn shown(s: &TestServer, admin: &str, id: i64) -> Value {
    get(s, &format!("/projects/1/deploy_tokens/{id}"), admin).body["last_used_at"].clone()
}

#[test]
fn a_pull_is_recorded_once_per_window_off_the_request_path() {
    let s = TestServer::start();
    s.seed();
    let admin = user(&s, "root", true);
    let (id, name, secret) = s.token(HolderRef::Project("acme/backend/api"), &["read_registry"]);
    let db = count_writes(&s);
    s.app.flush_last_used().unwrap(); // the admin's API calls so far
    let before = writes(db).len();

    pull(&s, &name, &secret);
    pull(&s, &name, &secret);
    assert_eq!(writes(db).len(), before, "no write on the request path");
    assert_eq!(shown(&s, &admin, id), Value::Null);
    s.app.flush_last_used().unwrap();
    assert_eq!(shown(&s, &admin, id), "2026-11-25T12:00:00Z");
    let deploy_writes = |db| {
        writes(db)
            .into_iter()
            .filter(|w| w == &format!("deploy:{id}"))
            .count()
    };
    assert_eq!(deploy_writes(db), 1, "two pulls, one write");

    // Within the window: nothing written, the recorded instant stays.
    s.clock.set(START + Duration::from_secs(30));
    pull(&s, &name, &secret);
    s.app.flush_last_used().unwrap();
    assert_eq!(
        deploy_writes(db),
        1,
        "a second use within the window writes nothing"
    );
    assert_eq!(shown(&s, &admin, id), "2026-11-25T12:00:00Z");

    // Past the window: written again.
    s.clock.set(START + Duration::from_secs(3601));
    pull(&s, &name, &secret);
    s.app.flush_last_used().unwrap();
    assert_eq!(deploy_writes(db), 2);
    assert_eq!(shown(&s, &admin, id), "2026-11-25T13:00:01Z");
}

#[test]
fn refusals_are_not_uses_and_every_kind_of_use_is() {
    let s = TestServer::start();
    s.seed();
    let admin = user(&s, "root", true);
    let api = HolderRef::Project("acme/backend/api");
    let (refused, name, secret) = s.token(api, &["read_registry"]);
    let (cloner, git_user, git_secret) = s.token(api, &["read_repository"]);
    let (status, _) = s.get_token(
        &format!("service={SERVICE}&scope=repository:acme/backend/api:pull"),
        Some((&name, "gldt-wrong")),
    );
    assert_eq!(status, 401);
    let (status, _) = s.get_token(
        &format!("service={SERVICE}"),
        Some((&git_user, &git_secret)),
    );
    assert_eq!(
        status, 403,
        "a token without registry scopes is refused there"
    );
    s.app.flush_last_used().unwrap();
    assert_eq!(shown(&s, &admin, refused), Value::Null);
    assert_eq!(shown(&s, &admin, cloner), Value::Null);

    let clone = nginx(
        &s,
        "GET",
        "/acme/backend/api.git/info/refs?service=git-upload-pack",
        Some((&git_user, &git_secret)),
    );
    assert_eq!(clone.status, 200);
    pull(&s, &name, &secret);
    s.app.flush_last_used().unwrap();
    assert_eq!(shown(&s, &admin, cloner), "2026-11-25T12:00:00Z");
    assert_eq!(shown(&s, &admin, refused), "2026-11-25T12:00:00Z");

    // The administrator's personal access token was used by every API call above.
    let digest = PlainToken::from_client(&admin).digest();
    let pat = s
        .app
        .store()
        .read(|tx| tx.personal_token_by_digest(&digest))
        .unwrap()
        .unwrap();
    assert_eq!(pat.last_used_at, Some(START));
}
