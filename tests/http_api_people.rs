//! Users, personal access tokens and the version through `/api/v4` over real HTTP: what an
//! administrator may do to accounts and what anyone else is refused, tokens listed,
//! revoked and rotated by their owner (someone else's are not found), and `/version`.

mod api_harness;
mod harness;

use api_harness::{Auth, Body, call, column, delete, error, get, message, post, put, token, user};
use harness::TestServer;
use serde_json::json;

#[test]
fn administrators_manage_accounts() {
    let s = TestServer::start();
    let root = user(&s, "root", true);
    let alice = user(&s, "alice", false);
    let r = post(
        &s,
        "/users",
        &root,
        json!({"username": "bob", "password": "correct horse", "email": "bob@example.com", "name": "Bob"}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (&r.body["username"], &r.body["state"], &r.body["is_admin"]),
        (&json!("bob"), &json!("active"), &json!(false))
    );
    let bob = r.body["id"].as_i64().unwrap();
    let r = post(&s, "/users", &root, json!({"username": "bob"}));
    assert_eq!((r.status, message(&r)), (409, "user bob already exists"));
    let r = post(
        &s,
        "/users",
        &root,
        json!({"username": "carl", "password": "short"}),
    );
    assert!(
        r.status == 400 && error(&r).starts_with("password is invalid"),
        "{:?}",
        r.body
    );
    let r = post(&s, "/users", &alice, json!({"username": "eve"}));
    assert_eq!((r.status, message(&r)), (403, "403 Forbidden"));
    // anyone may find a user (to name a member), but only administrators see the details
    let r = get(&s, "/users?username=bob", &alice);
    assert_eq!(column(&r, "id"), vec![json!(bob)]);
    assert_eq!(r.body[0].get("is_admin"), None);
    assert_eq!(get(&s, "/users/bob", &root).body["is_admin"], false);
    let r = put(&s, &format!("/users/{bob}"), &root, json!({"admin": true}));
    assert_eq!((r.status, &r.body["is_admin"]), (200, &json!(true)));
    let r = put(&s, "/users/root", &root, json!({"admin": false}));
    assert_eq!(r.status, 400, "nobody changes their own rights");
    let r = put(
        &s,
        "/users/alice",
        &alice,
        json!({"password": "a new password"}),
    );
    assert_eq!(r.status, 403);

    // a blocked user's tokens stop working; unblocked, they work again
    let r = call(
        &s,
        "POST",
        "/users/alice/block",
        Auth::Private(&root),
        Body::None,
    );
    assert_eq!((r.status, &r.body), (201, &json!(true)));
    assert_eq!(get(&s, "/users/alice", &root).body["state"], "blocked");
    assert_eq!(get(&s, "/user", &alice).status, 401);
    assert_eq!(
        column(&get(&s, "/users?blocked=true", &root), "username"),
        vec![json!("alice")]
    );
    call(
        &s,
        "POST",
        "/users/alice/unblock",
        Auth::Private(&root),
        Body::None,
    );
    assert_eq!(get(&s, "/user", &alice).status, 200);
    let r = put(&s, "/users/alice", &root, json!({"state": "blocked"}));
    assert_eq!((r.status, &r.body["state"]), (200, &json!("blocked")));
    assert_eq!(get(&s, "/user", &alice).status, 401);
    let r = put(&s, "/users/alice", &root, json!({"state": "frozen"}));
    assert_eq!(
        (r.status, error(&r)),
        (400, "state is invalid: expected active or blocked")
    );
    put(&s, "/users/alice", &root, json!({"state": "active"}));
    assert_eq!(get(&s, "/user", &alice).status, 200);

    let r = delete(&s, "/users/alice", &alice);
    assert_eq!(r.status, 403);
    let r = delete(&s, "/users/root", &root);
    assert_eq!(r.status, 400, "nobody deletes their own account");
    let r = delete(&s, "/users/alice", &root);
    assert_eq!(r.status, 204);
    assert_eq!(
        get(&s, "/user", &alice).status,
        401,
        "their tokens are gone"
    );
    let r = get(&s, "/users/alice", &root);
    assert_eq!((r.status, message(&r)), (404, "404 User Not Found"));
}

#[test]
fn personal_access_tokens_are_their_owners() {
    let s = TestServer::start();
    let root = user(&s, "root", true);
    let alice = user(&s, "alice", false);
    let bob = user(&s, "bob", false);
    let laptop = token(&s, "alice", &["read_api"], Some("2027-01-01"));
    let r = get(&s, "/personal_access_tokens", &alice);
    assert_eq!(column(&r, "name"), vec![json!("initial"), json!("test")]);
    assert_eq!(column(&r, "user_id"), vec![json!(2), json!(2)]);
    assert_eq!(r.body[1]["expires_at"], "2027-01-01T00:00:00Z");
    assert_eq!(r.body[1].get("token"), None, "secrets are never listed");
    assert_eq!(
        column(&get(&s, "/personal_access_tokens", &root), "id").len(),
        4
    );
    assert_eq!(
        column(&get(&s, "/personal_access_tokens?user_id=3", &root), "id"),
        vec![json!(3)]
    );
    let r = get(&s, "/personal_access_tokens?user_id=3", &alice);
    assert_eq!(
        (r.status, message(&r)),
        (401, "401 Unauthorized"),
        "as GitLab answers"
    );
    let r = get(&s, "/personal_access_tokens/self", &laptop);
    assert_eq!(
        r.body["last_used_at"],
        serde_json::Value::Null,
        "never used before"
    );
    // the use is recorded off the request, at the flush, and shown as GitLab shows it
    s.app.flush_last_used().unwrap();
    let r = get(&s, "/personal_access_tokens/self", &laptop);
    assert_eq!(r.body["last_used_at"], "2026-11-25T12:00:00Z");
    assert_eq!(
        (&r.body["id"], &r.body["scopes"]),
        (&json!(4), &json!(["read_api"]))
    );
    let r = get(&s, "/personal_access_tokens/2", &bob);
    assert_eq!(
        (r.status, message(&r)),
        (404, "404 Personal Access Token Not Found")
    );
    let r = delete(&s, "/personal_access_tokens/2", &bob);
    assert_eq!(r.status, 404, "someone else's token");
    let r = delete(&s, "/personal_access_tokens/4", &laptop);
    assert_eq!(r.status, 403, "read_api cannot write");

    // rotation: a new secret for the same name and scopes, the old one revoked
    let r = call(
        &s,
        "POST",
        "/personal_access_tokens/self/rotate",
        Auth::Private(&alice),
        Body::None,
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        (&r.body["name"], &r.body["scopes"]),
        (&json!("initial"), &json!(["api"]))
    );
    assert_eq!(
        r.body["expires_at"], "2026-12-02T12:00:00Z",
        "a week, GitLab's default"
    );
    let rotated = r.body["token"].as_str().unwrap().to_owned();
    assert_eq!(get(&s, "/user", &alice).status, 401);
    assert_eq!(get(&s, "/user", &rotated).body["username"], "alice");
    let r = call(
        &s,
        "POST",
        "/personal_access_tokens/2/rotate",
        Auth::Private(&rotated),
        Body::None,
    );
    assert_eq!(r.status, 400, "a revoked token cannot be rotated");
    let r = post(&s, "/personal_access_tokens/3/rotate", &rotated, json!({}));
    assert_eq!(r.status, 404);

    let r = delete(&s, "/personal_access_tokens/self", &rotated);
    assert_eq!(r.status, 204);
    assert_eq!(get(&s, "/user", &rotated).status, 401);
    let r = delete(&s, "/personal_access_tokens/2", &root);
    assert_eq!(
        (r.status, message(&r)),
        (400, "personal access token 2 was already revoked")
    );

    let r = post(
        &s,
        "/users/bob/personal_access_tokens",
        &root,
        json!({"name": "ci", "scopes": ["read_registry"]}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert!(r.body["token"].as_str().unwrap().starts_with("glpat-"));
    let r = post(
        &s,
        "/users/bob/personal_access_tokens",
        &bob,
        json!({"name": "ci", "scopes": ["api"]}),
    );
    assert_eq!(r.status, 403, "administrators only");
    let r = post(
        &s,
        "/users/bob/personal_access_tokens",
        &root,
        json!({"name": "ci"}),
    );
    assert_eq!((r.status, error(&r)), (400, "scopes is missing"));
    let r = get(&s, "/personal_access_tokens/x", &root);
    assert_eq!(r.status, 400);
}

#[test]
fn version_and_metadata() {
    let s = TestServer::start();
    let alice = user(&s, "alice", false);
    let r = get(&s, "/version", &alice);
    assert_eq!(r.status, 200);
    let version = r.body["version"].as_str().unwrap();
    assert!(version.starts_with("17.0.0+regauth."), "{version}");
    assert_eq!(
        r.body["revision"],
        format!("regauth-{}", env!("CARGO_PKG_VERSION"))
    );
    let r = get(&s, "/metadata", &alice);
    assert_eq!(
        (&r.body["version"], &r.body["enterprise"]),
        (&json!(version), &json!(false))
    );
    assert_eq!(r.body["kas"]["enabled"], false);
    assert_eq!(
        call(&s, "GET", "/version", Auth::None, Body::None).status,
        401
    );
}
