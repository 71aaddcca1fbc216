//! `/api/v4` over real HTTP: authentication, scopes, the current user, the error shapes
//! GitLab clients expect, and pagination (on the instance-wide deploy-token list). Groups
//! and projects: `http_api_namespaces.rs`; deploy tokens: `http_api_tokens.rs`.

mod api_harness;
mod harness;

use api_harness::{Auth, Body, call, error, get, member_user, message, post, token, user};
use harness::TestServer;
use regauth::app::namespaces::HolderRef;
use regauth::domain::role::AccessLevel;
use serde_json::json;

/// Every endpoint of the API, with a path that exists after `seed()`.
const ENDPOINTS: &[(&str, &str)] = &[
    ("GET", "/user"),
    ("GET", "/groups/1"),
    ("POST", "/groups"),
    ("GET", "/projects/1"),
    ("POST", "/projects"),
    ("GET", "/deploy_tokens"),
    ("GET", "/projects/1/deploy_tokens"),
    ("POST", "/projects/1/deploy_tokens"),
    ("GET", "/projects/1/deploy_tokens/1"),
    ("DELETE", "/projects/1/deploy_tokens/1"),
    ("GET", "/groups/1/deploy_tokens"),
    ("POST", "/groups/1/deploy_tokens"),
    ("GET", "/groups/1/deploy_tokens/2"),
    ("DELETE", "/groups/1/deploy_tokens/2"),
];

fn server() -> TestServer {
    let s = TestServer::start();
    s.seed();
    s
}

#[test]
fn deploy_tokens_and_bad_credentials_get_401_on_every_endpoint() {
    let s = server();
    let root = user(&s, "root", true);
    let (_, username, deploy) = s.token(HolderRef::Project("acme/backend/api"), &["read_registry"]);
    s.token(HolderRef::Group("acme"), &["read_registry"]);
    let revoked = token(&s, "root", &["api"], None);
    s.app.revoke_personal_token(2).unwrap();
    let expiring = token(&s, "root", &["api"], Some("2026-12-01"));
    s.clock.set(time::macros::datetime!(2026-12-01 00:00 UTC));
    let refused: Vec<Auth<'_>> = vec![
        Auth::None,
        Auth::Basic(&username, &deploy),
        Auth::Private(&deploy),
        Auth::Bearer(&deploy),
        Auth::Private("glpat-unknown"),
        Auth::Bearer("glpat-unknown"),
        Auth::Private(&revoked),
        Auth::Private(&expiring),
        Auth::Basic("root", &root),
    ];
    for (method, path) in ENDPOINTS {
        for auth in &refused {
            let r = call(&s, method, path, *auth, Body::Json(json!({"name": "x"})));
            assert_eq!(r.status, 401, "{method} {path}");
            assert_eq!(
                r.body,
                json!({"message": "401 Unauthorized"}),
                "{method} {path}"
            );
        }
    }
    // The administrator's own token still works on every one of them.
    assert_eq!(get(&s, "/user", &root).status, 200);
}

#[test]
fn scopes_decide_reading_and_writing() {
    let s = server();
    user(&s, "alice", true);
    let read_api = token(&s, "alice", &["read_api"], None);
    let registry = token(&s, "alice", &["read_registry", "write_registry"], None);
    assert_eq!(get(&s, "/projects/1", &read_api).status, 200);
    assert_eq!(get(&s, "/groups/1/deploy_tokens", &read_api).status, 200);
    let r = post(&s, "/groups", &read_api, json!({"name": "n", "path": "n"}));
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body,
        json!({
            "error": "insufficient_scope",
            "error_description": "The request requires higher privileges than provided by the access token.",
            "scope": "api",
        })
    );
    let r = get(&s, "/user", &registry);
    assert_eq!(r.status, 403);
    assert_eq!(error(&r), "insufficient_scope");
    assert_eq!(r.body["scope"], "api read_api");
}

#[test]
fn current_user_by_private_token_or_bearer() {
    let s = server();
    let t = user(&s, "alice", false);
    for auth in [Auth::Private(&t), Auth::Bearer(&t)] {
        let r = call(&s, "GET", "/user", auth, Body::None);
        assert_eq!(r.status, 200);
        assert_eq!(r.body["username"], "alice");
        assert_eq!(r.body["is_admin"], false);
        assert_eq!(r.body["state"], "active");
        assert_eq!(r.body["web_url"], s.url("/alice"));
        assert!(r.body["id"].as_i64().unwrap() > 0);
    }
}

#[test]
fn malformed_requests_are_json_4xx() {
    let s = server();
    let root = user(&s, "root", true);
    let raw = |content_type: &str, text: &str| {
        call(
            &s,
            "POST",
            "/groups",
            Auth::Private(&root),
            Body::Raw(content_type, text.into()),
        )
    };
    let r = raw("application/json", "{\"name\":");
    assert_eq!(r.status, 400);
    assert!(
        error(&r).starts_with("the request body is not valid JSON"),
        "{:?}",
        r.body
    );
    let r = raw("application/json", "[\"name\"]");
    assert_eq!(
        (r.status, error(&r)),
        (400, "the request body must be a JSON object")
    );
    let r = raw("multipart/form-data; boundary=x", "--x--");
    assert_eq!(r.status, 415);
    assert!(error(&r).contains("application/json"));
    let r = raw(
        "application/json",
        &format!("{{\"name\":\"{}\"}}", "x".repeat(70_000)),
    );
    assert_eq!((r.status, error(&r)), (413, "request body too large"));
    // query-string parameters work as in GitLab's curl examples
    let r = call(
        &s,
        "POST",
        "/groups?name=Q&path=q",
        Auth::Private(&root),
        Body::None,
    );
    assert_eq!(r.status, 201);
    for (method, path) in [("GET", "/nothing"), ("GET", "/projects/1/nothing")] {
        let r = call(&s, method, path, Auth::Private(&root), Body::None);
        assert_eq!(r.status, 404, "{method} {path}");
        assert_eq!(r.body, json!({"error": "404 Not Found"}));
    }
    // a known path asked with a method it does not take: 405, naming the methods it takes
    for (method, path, allow) in [
        ("PUT", "/user", "GET"),
        ("PATCH", "/groups/1", "GET, PUT, DELETE"),
        ("DELETE", "/projects", "GET, POST"),
        ("POST", "/version", "GET"),
        ("PUT", "/personal_access_tokens/1/rotate", "POST"),
        ("POST", "/projects/1/members/all", "GET"),
    ] {
        let r = call(&s, method, path, Auth::Private(&root), Body::None);
        assert_eq!(r.status, 405, "{method} {path}");
        assert_eq!(r.body, json!({"error": "405 Not Allowed"}));
        assert_eq!(r.header("allow"), allow, "{method} {path}");
    }
}

#[test]
fn instance_list_is_for_admins_and_paginates() {
    let s = server();
    let root = user(&s, "root", true);
    let owner = member_user(&s, "owner", HolderRef::Group("acme"), AccessLevel::Owner);
    for _ in 0..25 {
        s.token(HolderRef::Project("other/app"), &["read_registry"]);
    }
    s.token_expiring(
        HolderRef::Group("acme"),
        &["read_registry"],
        Some("2026-11-26"),
    );
    let r = get(&s, "/deploy_tokens", &owner);
    assert_eq!(r.body, json!({"message": "403 Forbidden"}));

    let r = get(&s, "/deploy_tokens", &root);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body.as_array().unwrap().len(),
        20,
        "GitLab's default page size"
    );
    assert_eq!(
        [
            r.header("x-page"),
            r.header("x-per-page"),
            r.header("x-total"),
            r.header("x-total-pages")
        ],
        ["1", "20", "26", "2"]
    );
    assert_eq!(
        [r.header("x-next-page"), r.header("x-prev-page")],
        ["2", ""]
    );
    let next = s.url("/api/v4/deploy_tokens?page=2&per_page=20");
    assert!(
        r.header("link")
            .contains(&format!("<{next}>; rel=\"next\"")),
        "{}",
        r.header("link")
    );

    let r = get(&s, "/deploy_tokens?page=2&active=false", &root);
    assert_eq!(r.body.as_array().unwrap().len(), 6);
    assert_eq!(
        [r.header("x-next-page"), r.header("x-prev-page")],
        ["", "1"]
    );
    assert!(!r.header("link").contains("rel=\"next\""));
    // a secret put in the query is not echoed into the Link header
    let r = get(
        &s,
        "/deploy_tokens?private_token=glpat-in-the-query&active=false",
        &root,
    );
    assert_eq!(r.status, 200);
    assert!(
        r.header("link").contains("active=false"),
        "{}",
        r.header("link")
    );
    assert!(
        !r.header("link").contains("glpat-in-the-query"),
        "{}",
        r.header("link")
    );
    let r = get(&s, "/deploy_tokens?per_page=500", &root);
    assert_eq!(r.header("x-per-page"), "100");
    let r = get(&s, "/deploy_tokens?page=0", &root);
    assert_eq!(r.status, 400);
    assert!(error(&r).starts_with("page is invalid"));

    s.clock.set(time::macros::datetime!(2026-11-26 00:00 UTC));
    let r = get(&s, "/deploy_tokens?active=true&per_page=100", &root);
    assert_eq!(r.header("x-total"), "25", "the expired one is not active");
    let r = get(&s, "/groups/1/deploy_tokens", &owner);
    assert_eq!(r.body[0]["expired"], true);
    assert_eq!(
        message(&get(&s, "/groups/9/deploy_tokens", &root)),
        "404 Group Not Found"
    );
}
