//! A permission check and the write it guards run in one transaction: a role taken away
//! while a request waits for the database is the role that request is judged by, and a
//! refused request leaves nothing behind.

mod api_harness;
mod harness;

use api_harness::{get, member_user, post, user};
use harness::{START, TestServer};
use regauth::app::namespaces::HolderRef;
use regauth::domain::role::{AccessLevel, MemberOf};
use regauth::domain::token::Holder;
use regauth::storage::StorageError;
use serde_json::json;
use std::sync::mpsc;
use std::time::Duration;

const TOKENS: &str = "/projects/acme%2Fbackend%2Fapi/deploy_tokens";

#[test]
fn a_role_taken_away_while_a_create_waits_is_the_role_it_is_judged_by() {
    let s = TestServer::start();
    s.seed();
    let admin = user(&s, "root", true);
    let project = HolderRef::Project("acme/backend/api");
    let maria = member_user(&s, "maria", project, AccessLevel::Maintainer);
    let maria_id = s
        .app
        .store()
        .read(|tx| tx.user_by_username("maria"))
        .unwrap()
        .unwrap()
        .id;
    let of = match s.app.resolve_holder(project).unwrap() {
        Holder::Project { id, path } => MemberOf::Project { id, path },
        other => panic!("{other:?}"),
    };

    let (held, hold) = mpsc::channel();
    let reply = std::thread::scope(|scope| {
        // Another writer (an administrator demoting Maria) holds the database.
        let demote = scope.spawn(|| {
            s.app.store().write(|tx| {
                tx.set_membership(maria_id, &of, AccessLevel::Developer, START)?;
                held.send(()).unwrap();
                // Long enough for the request to arrive; correctness does not depend on it
                // (a request judged after the commit sees the lower role as well).
                std::thread::sleep(Duration::from_millis(300));
                Ok::<_, StorageError>(())
            })
        });
        hold.recv().unwrap();
        let body = json!({"name": "late", "scopes": ["read_registry"]});
        let reply = scope.spawn(|| post(&s, TOKENS, &maria, body));
        demote.join().unwrap().unwrap();
        reply.join().unwrap()
    });
    assert_eq!(reply.status, 403, "{:?}", reply.body);
    assert_eq!(reply.body["message"], "403 Forbidden");
    let listed = get(&s, TOKENS, &admin);
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body, json!([]), "nothing was created");
}
