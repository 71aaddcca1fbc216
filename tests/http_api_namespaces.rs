//! Groups and projects in `/api/v4` over real HTTP: lookup by id or encoded path, who sees
//! what, who may create what, and the 400s that name the bad field.

mod api_harness;
mod harness;

use api_harness::{Auth, Body, call, error, get, member, member_user, message, post, user};
use harness::TestServer;
use regauth::app::namespaces::HolderRef;
use regauth::domain::role::AccessLevel;
use serde_json::json;

fn server() -> TestServer {
    let s = TestServer::start();
    s.seed();
    s
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
        (json!({"name": "n", "path": "n.git"}), "path is invalid"),
        (json!({"name": "n", "path": "n.atom"}), "path is invalid"),
        (json!({"name": "n\nforged", "path": "n"}), "name is invalid"),
        (
            json!({"name": "n\u{1b}[31m", "path": "n"}),
            "name is invalid",
        ),
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
            json!({"path": "x.git", "namespace_id": 1}),
            "path is invalid",
        ),
        (
            json!({"path": "x.atom", "namespace_id": 1}),
            "path is invalid",
        ),
        (
            json!({"path": "x", "name": "x\r\nforged", "namespace_id": 1}),
            "name is invalid",
        ),
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
