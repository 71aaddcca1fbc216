//! `/api/v4` over real HTTP: authentication, scopes, the current user, groups, projects and
//! the error shapes GitLab clients expect. Deploy-token endpoints: `http_api_tokens.rs`.

mod api_harness;
mod harness;

use api_harness::{Auth, Body, call, error, get, member, member_user, message, post, token, user};
use harness::TestServer;
use regauth::app::namespaces::HolderRef;
use regauth::domain::user::AccessLevel;
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
fn groups_by_id_or_encoded_path_and_only_when_visible() {
    let s = server();
    let root = user(&s, "root", true);
    let dev = member_user(
        &s,
        "dev",
        HolderRef::Project("acme/backend/api"),
        AccessLevel::Developer,
    );
    let stranger = user(&s, "stranger", false);
    for path in ["/groups/2", "/groups/acme%2Fbackend"] {
        let r = get(&s, path, &root);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.body["id"], 2);
        assert_eq!(r.body["full_path"], "acme/backend");
        assert_eq!(r.body["path"], "backend");
        assert_eq!(r.body["parent_id"], 1);
        assert_eq!(r.body["full_name"], "acme / backend");
        assert_eq!(r.body["visibility"], "private");
    }
    // a member of a project sees the groups above it, not their siblings
    assert_eq!(get(&s, "/groups/acme%2Fbackend", &dev).status, 200);
    assert_eq!(get(&s, "/groups/acme", &dev).status, 200);
    let r = get(&s, "/groups/acme%2Ffrontend", &dev);
    assert_eq!((r.status, message(&r)), (404, "404 Group Not Found"));
    let r = get(&s, "/groups/1", &stranger);
    assert_eq!((r.status, message(&r)), (404, "404 Group Not Found"));
    let r = get(&s, "/groups/999", &root);
    assert_eq!((r.status, message(&r)), (404, "404 Group Not Found"));
}

#[test]
fn creating_groups() {
    let s = server();
    let alice = user(&s, "alice", false);
    let r = post(
        &s,
        "/groups",
        &alice,
        json!({"name": "Team A", "path": "team-a", "visibility": "internal"}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["full_path"], "team-a");
    assert_eq!(r.body["name"], "Team A");
    assert_eq!(r.body["visibility"], "internal");
    assert_eq!(r.body["parent_id"], serde_json::Value::Null);
    let team = r.body["id"].as_i64().unwrap();
    // the creator owns it: subgroups and group deploy tokens are theirs to make
    let form = [
        ("name", "Sub"),
        ("path", "sub"),
        ("parent_id", &team.to_string()),
    ];
    let r = call(
        &s,
        "POST",
        "/groups",
        Auth::Private(&alice),
        Body::Form(&form),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["full_path"], "team-a/sub");
    assert_eq!(r.body["full_name"], "Team A / Sub");
    let r = post(
        &s,
        &format!("/groups/{team}/deploy_tokens"),
        &alice,
        json!({"name": "ci", "scopes": ["read_registry"]}),
    );
    assert_eq!(r.status, 201);

    // subgroups of someone else's group: Maintainer+ on it, and it must be visible
    let dev = member_user(&s, "dev", HolderRef::Group("acme"), AccessLevel::Developer);
    let r = post(
        &s,
        "/groups",
        &dev,
        json!({"name": "x", "path": "x", "parent_id": 1}),
    );
    assert_eq!((r.status, message(&r)), (403, "403 Forbidden"));
    member(&s, HolderRef::Group("acme"), "dev", AccessLevel::Maintainer);
    let r = post(
        &s,
        "/groups",
        &dev,
        json!({"name": "x", "path": "x", "parent_id": "acme"}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.body["full_path"], "acme/x");
    let r = post(
        &s,
        "/groups",
        &alice,
        json!({"name": "y", "path": "y", "parent_id": 4}),
    );
    assert_eq!((r.status, message(&r)), (404, "404 Group Not Found"));

    // bad input names the field, and nothing is created
    let cases = [
        (json!({"path": "p"}), "name is missing"),
        (json!({"name": "n"}), "path is missing"),
        (json!({"name": "n", "path": "Bad Path"}), "path is invalid"),
        (json!({"name": "n", "path": "a/b"}), "path is invalid"),
        (
            json!({"name": "n", "path": "n", "visibility": "secret"}),
            "visibility is invalid",
        ),
        (json!({"name": "", "path": "n"}), "name is invalid"),
        (json!({"name": 5, "path": "n"}), "name is invalid"),
        (
            json!({"name": "n", "path": "n", "parent_id": [1]}),
            "parent_id is invalid",
        ),
    ];
    for (body, expected) in cases {
        let r = post(&s, "/groups", &alice, body.clone());
        assert_eq!(r.status, 400, "{body}");
        assert!(error(&r).starts_with(expected), "{body}: {:?}", r.body);
    }
    let r = post(
        &s,
        "/groups",
        &alice,
        json!({"name": "again", "path": "team-a"}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(message(&r), "path team-a is already taken");
    assert_eq!(get(&s, "/groups/n", &alice).status, 404);
}

#[test]
fn projects_by_id_or_path_and_visibility() {
    let s = server();
    let root = user(&s, "root", true);
    let guest = member_user(
        &s,
        "guest",
        HolderRef::Project("acme/backend/api"),
        AccessLevel::Guest,
    );
    let stranger = user(&s, "stranger", false);
    for path in ["/projects/1", "/projects/acme%2Fbackend%2Fapi"] {
        let r = get(&s, path, &guest);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.body["id"], 1);
        assert_eq!(r.body["path"], "api");
        assert_eq!(r.body["path_with_namespace"], "acme/backend/api");
        assert_eq!(r.body["namespace"]["id"], 2);
        assert_eq!(r.body["namespace"]["full_path"], "acme/backend");
        assert_eq!(r.body["namespace"]["kind"], "group");
        assert_eq!(r.body["container_registry_access_level"], "enabled");
    }
    let r = get(&s, "/projects/1", &stranger);
    assert_eq!((r.status, message(&r)), (404, "404 Project Not Found"));
    assert_eq!(
        get(&s, "/projects/acme%2Fpub", &stranger).status,
        200,
        "public"
    );
    let r = get(&s, "/projects/acme%2Fnothing", &root);
    assert_eq!((r.status, message(&r)), (404, "404 Project Not Found"));
}

#[test]
fn creating_projects() {
    let s = server();
    let maintainer = member_user(&s, "m", HolderRef::Group("acme"), AccessLevel::Maintainer);
    let developer = member_user(&s, "d", HolderRef::Group("acme"), AccessLevel::Developer);
    let r = post(
        &s,
        "/projects",
        &maintainer,
        json!({"name": "My App", "namespace_id": 2}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["path_with_namespace"], "acme/backend/my-app");
    assert_eq!(r.body["name"], "My App");
    assert_eq!(r.body["namespace"]["id"], 2);
    assert_eq!(r.body["name_with_namespace"], "acme / backend / My App");
    let form = [
        ("path", "site"),
        ("namespace_id", "acme"),
        ("visibility", "public"),
        ("container_registry_access_level", "private"),
    ];
    let r = call(
        &s,
        "POST",
        "/projects",
        Auth::Private(&maintainer),
        Body::Form(&form),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["path_with_namespace"], "acme/site");
    assert_eq!(r.body["visibility"], "public");
    assert_eq!(r.body["container_registry_access_level"], "private");

    let r = post(
        &s,
        "/projects",
        &developer,
        json!({"path": "x", "namespace_id": 1}),
    );
    assert_eq!((r.status, message(&r)), (403, "403 Forbidden"));
    let r = post(
        &s,
        "/projects",
        &maintainer,
        json!({"path": "x", "namespace_id": 4}),
    );
    assert_eq!((r.status, message(&r)), (404, "404 Group Not Found"));
    let cases = [
        (json!({"path": "x"}), "namespace_id is missing"),
        (json!({"namespace_id": 1}), "name, path are missing"),
        (json!({"path": "X Y", "namespace_id": 1}), "path is invalid"),
        (
            json!({"path": "x", "namespace_id": 1, "visibility": "open"}),
            "visibility is invalid",
        ),
        (
            json!({"path": "x", "namespace_id": 1, "container_registry_access_level": "on"}),
            "container_registry_access_level is invalid",
        ),
    ];
    for (body, expected) in cases {
        let r = post(&s, "/projects", &maintainer, body.clone());
        assert_eq!(r.status, 400, "{body}");
        assert!(error(&r).starts_with(expected), "{body}: {:?}", r.body);
    }
    let r = post(
        &s,
        "/projects",
        &maintainer,
        json!({"path": "site", "namespace_id": 1}),
    );
    assert_eq!(
        (r.status, message(&r)),
        (400, "path acme/site is already taken")
    );
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
    for (method, path) in [
        ("GET", "/nothing"),
        ("PUT", "/user"),
        ("GET", "/projects/1/nothing"),
    ] {
        let r = call(&s, method, path, Auth::Private(&root), Body::None);
        assert_eq!(r.status, 404, "{method} {path}");
        assert_eq!(r.body, json!({"error": "404 Not Found"}));
    }
}
