//! The audit trail over HTTP: actions through `/api/v4` are recorded with the user, the
//! token they used and their address; logins with an expired deploy token are recorded
//! (written off the token path); `GET /api/v4/audit_events` is for administrators only,
//! paginated like the other lists; no stored event holds a secret or a digest.

mod api_harness;
mod harness;

use api_harness::{Auth, Body, call, delete, get, post};
use harness::backend::Cell;
use harness::{SERVICE, TestServer};
use regauth::app::audit::{KeyChange, SignInFailures};
use regauth::app::namespaces::HolderRef;
use regauth::domain::role::AccessLevel;
use regauth::domain::token::PlainToken;
use serde_json::{Value, json};
use time::Duration;

/// A server with the usual tree, an administrator and a Maintainer of acme/backend/api;
/// returns (admin token, maintainer id, maintainer token, maintainer token id).
fn server() -> (TestServer, String, i64, String, i64) {
    let s = TestServer::start();
    s.seed();
    let admin = s.app.create_user("root", true).unwrap();
    let maintainer = s.app.create_user("mia", false).unwrap();
    s.app
        .add_member(
            HolderRef::Project("acme/backend/api"),
            "mia",
            AccessLevel::Maintainer,
        )
        .unwrap();
    (
        s,
        admin.first_token.secret.expose().to_owned(),
        maintainer.user.id,
        maintainer.first_token.secret.expose().to_owned(),
        maintainer.first_token.token.id,
    )
}

/// Every event, newest first, as an administrator sees them.
fn all_events(s: &TestServer, admin: &str) -> Vec<Value> {
    let reply = get(s, "/audit_events?per_page=100", admin);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body.as_array().unwrap().clone()
}

fn find<'a>(events: &'a [Value], name: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event_name"] == name).collect()
}

#[test]
fn api_changes_are_recorded_with_the_user_their_token_and_address() {
    let (s, admin, mia_id, mia, mia_token_id) = server();
    let holder = "/projects/acme%2Fbackend%2Fapi/deploy_tokens";
    let created = post(
        &s,
        holder,
        &mia,
        json!({"name": "ci", "scopes": ["read_registry"]}),
    );
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(delete(&s, &format!("{holder}/{id}"), &mia).status, 204);

    let events = all_events(&s, &admin);
    assert_eq!(
        events[0]["event_name"], "deploy_token.revoked",
        "newest first"
    );
    assert_eq!(events[1]["event_name"], "deploy_token.created");
    for e in &events[..2] {
        assert_eq!(e["author_id"], mia_id);
        assert_eq!(e["entity_type"], "DeployToken");
        assert_eq!(e["entity_id"], id);
        assert_eq!(e["details"]["author_name"], "mia");
        assert_eq!(e["details"]["author_class"], "user");
        assert_eq!(e["details"]["author_token_id"], mia_token_id);
        assert_eq!(e["details"]["ip_address"], "127.0.0.1");
        assert_eq!(e["details"]["target_details"], "ci");
        assert_eq!(e["details"]["holder"]["path"], "acme/backend/api");
        assert_eq!(e["details"]["scopes"], json!(["read_registry"]));
        assert!(
            e["created_at"]
                .as_str()
                .unwrap()
                .starts_with("2026-11-25T12:00:00")
        );
        assert!(e["id"].as_i64().is_some());
    }
    // The seeding through the use cases the CLI calls is recorded as the CLI's.
    let member = &find(&events, "member.added")[0];
    assert_eq!(member["author_id"], Value::Null);
    assert_eq!(member["details"]["author_class"], "cli");
    assert_eq!(member["details"]["ip_address"], Value::Null);
    assert_eq!(member["entity_id"], mia_id);
    assert_eq!(member["details"]["of"]["path"], "acme/backend/api");
    assert_eq!(member["details"]["role"], "maintainer");
    assert_eq!(find(&events, "user.created").len(), 2);
}

#[test]
fn a_login_with_an_expired_deploy_token_is_recorded_with_a_count() {
    let (s, admin, _, _, _) = server();
    let api = HolderRef::Project("acme/backend/api");
    let (id, username, secret) = s.token_expiring(api, &["read_registry"], Some("2026-11-26"));
    s.clock.set(harness::START + Duration::days(2));
    let query = format!("service={SERVICE}&scope=repository:acme/backend/api:pull");
    for _ in 0..3 {
        assert_eq!(s.get_token(&query, Some((&username, &secret))).0, 401);
    }
    // A wrong secret for the same username, and an unknown one, are not this event.
    assert_eq!(s.get_token(&query, Some((&username, "nope"))).0, 401);
    // Repeats are folded into one event with a count (the server's background flush may
    // fall between two of them, so the counts are summed).
    let count = |s: &TestServer| {
        let events = all_events(s, &admin);
        let refused = find(&events, "deploy_token.expired_refused");
        for e in &refused {
            assert_eq!(e["entity_type"], "DeployToken");
            assert_eq!(e["entity_id"], id);
            assert_eq!(e["details"]["username"], username.as_str());
            assert_eq!(e["details"]["author_class"], "system");
            assert_eq!(e["details"]["ip_address"], "127.0.0.1");
            assert!(e["details"]["first_at"].is_string());
        }
        assert!(!refused.is_empty());
        refused
            .iter()
            .map(|e| e["details"]["count"].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(count(&s), 3);
    // Later refusals are a new event; the earlier ones stay.
    assert_eq!(s.get_token(&query, Some((&username, &secret))).0, 401);
    assert_eq!(count(&s), 4);
}

#[test]
fn only_administrators_read_the_trail() {
    let (s, admin, _, mia, _) = server();
    let anonymous = call(&s, "GET", "/audit_events", Auth::None, Body::None);
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["message"], "401 Unauthorized");
    let user = get(&s, "/audit_events", &mia);
    assert_eq!(user.status, 403);
    assert_eq!(user.body["message"], "403 Forbidden");
    let (_, username, secret) = s.token(HolderRef::Project("acme/backend/api"), &["read_registry"]);
    let deploy = call(
        &s,
        "GET",
        "/audit_events",
        Auth::Basic(&username, &secret),
        Body::None,
    );
    assert_eq!(deploy.status, 401);
    let bad = get(&s, "/audit_events?created_after=yesterday", &admin);
    assert_eq!(bad.status, 400, "{:?}", bad.body);
    assert!(bad.body.to_string().contains("since"), "{:?}", bad.body);
    let later = get(&s, "/audit_events?created_after=2026-11-26", &admin);
    assert_eq!(later.status, 200);
    assert_eq!(later.body, json!([]));
    assert_eq!(later.header("X-Total"), "0");
}

#[test]
fn the_trail_is_paginated_like_the_other_lists() {
    let (s, admin, _, _, _) = server();
    let total = all_events(&s, &admin).len();
    assert_eq!(total, 3, "two users and a role");
    for i in 0..4 {
        s.app
            .record_key_event(KeyChange::Rotated, &format!("kid-{i}"), "ES256")
            .unwrap();
    }
    let page = get(&s, "/audit_events?per_page=2&page=2", &admin);
    assert_eq!(page.status, 200);
    assert_eq!(page.header("X-Total"), "7");
    assert_eq!(page.header("X-Total-Pages"), "4");
    assert_eq!(page.header("X-Page"), "2");
    assert_eq!(page.header("X-Next-Page"), "3");
    assert_eq!(page.header("X-Prev-Page"), "1");
    assert!(page.header("Link").contains("rel=\"next\""));
    let kids: Vec<&str> = page
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"]["entity_path"].as_str().unwrap())
        .collect();
    assert_eq!(kids, ["kid-1", "kid-0"], "newest first across pages");
    let last = get(&s, "/audit_events?per_page=2&page=4", &admin);
    assert_eq!(last.body.as_array().unwrap().len(), 1);
    assert_eq!(last.header("X-Next-Page"), "");
}

#[test]
fn key_changes_and_sign_in_failures_have_their_recorders() {
    let (s, admin, _, _, _) = server();
    s.app
        .record_key_event(KeyChange::Activated, "kid-new", "ES256")
        .unwrap();
    s.app
        .record_key_event(KeyChange::Retired, "kid-old", "RS256")
        .unwrap();
    s.app
        .record_sign_in_failures(&SignInFailures {
            client: "192.0.2.7".parse().unwrap(),
            surface: "/jwt/auth",
            failures: 12,
            throttled: 2,
            window_start: Some(harness::START - Duration::minutes(5)),
        })
        .unwrap();
    let events = all_events(&s, &admin);
    let failed = &events[0];
    assert_eq!(failed["event_name"], "sign_in.failed");
    assert_eq!(failed["entity_type"], "Client");
    assert_eq!(failed["details"]["entity_path"], "192.0.2.7");
    assert_eq!(failed["details"]["ip_address"], "192.0.2.7");
    assert_eq!(failed["details"]["failures"], 12);
    assert_eq!(failed["details"]["throttled"], 2);
    assert_eq!(failed["details"]["surface"], "/jwt/auth");
    assert_eq!(failed["details"]["author_class"], "anonymous");
    assert_eq!(events[1]["event_name"], "key.retired");
    assert_eq!(events[1]["entity_type"], "SigningKey");
    assert_eq!(events[1]["details"]["entity_path"], "kid-old");
    assert_eq!(events[1]["details"]["algorithm"], "RS256");
    assert_eq!(events[1]["details"]["author_class"], "cli");
    assert_eq!(events[2]["event_name"], "key.activated");
}

/// Every text and blob stored in the audit and webhook tables, as one string.
fn stored_text(s: &TestServer) -> String {
    let mut text = String::new();
    for table in ["audit_events", "webhook_deliveries"] {
        for row in s.db.query(&format!("SELECT * FROM {table}")) {
            for cell in row {
                let bytes = match cell {
                    Cell::Text(t) => t.into_bytes(),
                    Cell::Bytes(b) => b,
                    _ => continue,
                };
                text.push_str(&String::from_utf8_lossy(&bytes));
                text.push_str(&data_encoding::HEXLOWER.encode(&bytes));
                text.push('\n');
            }
        }
    }
    text
}

#[test]
fn no_stored_event_holds_a_secret_or_a_digest() {
    let (s, admin, _, mia, _) = server();
    let holder = "/projects/acme%2Fbackend%2Fapi/deploy_tokens";
    let created = post(
        &s,
        holder,
        &mia,
        json!({"name": "ci", "scopes": ["read_registry"]}),
    );
    let api_secret = created.body["token"].as_str().unwrap().to_owned();
    let (_, _, cli_secret) = s.token(HolderRef::Project("acme/backend/api"), &["read_registry"]);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(delete(&s, &format!("{holder}/{id}"), &mia).status, 204);
    let text = stored_text(&s);
    assert!(text.contains("deploy_token.created"), "the table was read");
    for secret in [
        api_secret.as_str(),
        cli_secret.as_str(),
        admin.as_str(),
        mia.as_str(),
    ] {
        let digest = PlainToken::from_client(secret).digest();
        let hex = data_encoding::HEXLOWER.encode(&digest.0);
        assert!(!text.contains(secret), "a secret is stored");
        assert!(!text.contains(&hex), "a digest is stored");
        // Even a part long enough to matter.
        assert!(!text.contains(&secret[secret.len() - 12..]));
    }
}

#[test]
fn the_login_throttle_records_one_summary_per_client_and_window() {
    let network = harness::Network {
        throttle: regauth::domain::throttle::Policy {
            max_failures: 100,
            window: Duration::seconds(1),
            ban: Duration::seconds(300),
        },
        ..harness::unthrottled()
    };
    let s = TestServer::start_network(network);
    s.seed();
    let admin = s.app.create_user("root", true).unwrap();
    let admin = admin.first_token.secret.expose().to_owned();
    let query = format!("service={SERVICE}&scope=repository:acme/backend/api:pull");
    for _ in 0..4 {
        assert_eq!(s.get_token(&query, Some(("nobody", "wrong"))).0, 401);
    }
    // The window ends on the server's clock; its flush runs every second.
    s.clock.set(harness::START + Duration::seconds(5));
    let started = std::time::Instant::now();
    let summary = loop {
        let events = all_events(&s, &admin);
        if let Some(e) = find(&events, "sign_in.failed").first() {
            break (*e).clone();
        }
        assert!(started.elapsed().as_secs() < 20, "no summary: {events:?}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(summary["details"]["failures"], 4);
    assert_eq!(summary["details"]["ip_address"], "127.0.0.1");
    assert_eq!(summary["entity_type"], "Client");
    assert_eq!(summary["details"]["author_class"], "anonymous");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(find(&all_events(&s, &admin), "sign_in.failed").len(), 1);
}
