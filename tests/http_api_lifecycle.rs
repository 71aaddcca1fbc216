//! Listing, changing and removing groups and projects through `/api/v4` over real HTTP:
//! who sees which groups and projects in GitLab's lists and filters, who may change or
//! remove them, and that a removed project's or group's deploy tokens stop working at once.

mod api_harness;
mod harness;

use api_harness::{Auth, Body, call, column, delete, error, get, member_user, message, put, user};
use harness::TestServer;
use regauth::app::namespaces::HolderRef;
use regauth::domain::role::AccessLevel;
use serde_json::json;

fn server() -> TestServer {
    let s = TestServer::start();
    s.seed();
    s
}

const PULL_API: &str = "service=container_registry&scope=repository:acme/backend/api:pull";

#[test]
fn group_lists_follow_membership_search_and_visibility() {
    let s = server();
    let root = user(&s, "root", true);
    let dev = member_user(
        &s,
        "dev",
        HolderRef::Project("acme/backend/api"),
        AccessLevel::Developer,
    );
    let owner = member_user(
        &s,
        "owner",
        HolderRef::Group("acme/frontend"),
        AccessLevel::Owner,
    );
    let stranger = user(&s, "stranger", false);
    let paths =
        |token: &str, query: &str| column(&get(&s, &format!("/groups{query}"), token), "full_path");
    assert_eq!(
        paths(&root, ""),
        json!(["acme", "acme/backend", "acme/frontend", "other"])
            .as_array()
            .unwrap()
            .clone()
    );
    // a member of a project sees the groups above it; nobody sees what they have no part in
    assert_eq!(paths(&dev, ""), vec![json!("acme"), json!("acme/backend")]);
    assert_eq!(paths(&dev, "?search=BACK"), vec![json!("acme/backend")]);
    assert_eq!(paths(&owner, "?owned=true"), vec![json!("acme/frontend")]);
    assert_eq!(
        paths(&dev, "?min_access_level=30"),
        Vec::<serde_json::Value>::new()
    );
    assert_eq!(
        paths(&root, "?top_level_only=true"),
        vec![json!("acme"), json!("other")]
    );
    assert!(
        paths(&stranger, "?all_available=true").is_empty(),
        "every group is private"
    );
    assert_eq!(
        paths(&root, "/1/subgroups"),
        vec![json!("acme/backend"), json!("acme/frontend")]
    );
    let r = get(&s, "/groups/4/subgroups", &dev);
    assert_eq!((r.status, message(&r)), (404, "404 Group Not Found"));
    let r = get(&s, "/groups?per_page=3&page=2", &root);
    assert_eq!(column(&r, "full_path"), vec![json!("other")]);
    assert_eq!((r.header("x-total"), r.header("x-total-pages")), ("4", "2"));
    assert_eq!(r.body[0]["full_name"], "other");
    let r = get(&s, "/groups?min_access_level=35", &root);
    assert_eq!(
        (r.status, error(&r)),
        (400, "min_access_level does not have a valid value")
    );
    let r = call(&s, "GET", "/groups", Auth::None, Body::None);
    assert_eq!((r.status, message(&r)), (401, "401 Unauthorized"));
}

#[test]
fn project_lists_show_what_the_caller_may_see() {
    let s = server();
    let root = user(&s, "root", true);
    let dev = member_user(
        &s,
        "dev",
        HolderRef::Project("acme/backend/api"),
        AccessLevel::Developer,
    );
    let stranger = user(&s, "stranger", false);
    let paths = |token: &str, query: &str| column(&get(&s, query, token), "path_with_namespace");
    // newest first, as GitLab orders them
    assert_eq!(
        paths(&root, "/projects"),
        vec![
            json!("other/app"),
            json!("acme/pub"),
            json!("acme/frontend/web"),
            json!("acme/backend/api")
        ]
    );
    assert_eq!(
        paths(&stranger, "/projects"),
        vec![json!("acme/pub")],
        "public only"
    );
    assert!(paths(&stranger, "/projects?membership=true").is_empty());
    assert_eq!(
        paths(&dev, "/projects?membership=true"),
        vec![json!("acme/backend/api")]
    );
    assert_eq!(
        paths(&dev, "/projects?search=ap"),
        vec![json!("acme/backend/api")]
    );
    assert_eq!(
        paths(&root, "/projects?visibility=public"),
        vec![json!("acme/pub")]
    );
    assert_eq!(
        paths(&root, "/groups/acme/projects"),
        vec![json!("acme/pub")]
    );
    assert_eq!(
        paths(&dev, "/groups/acme/projects?include_subgroups=true"),
        vec![json!("acme/pub"), json!("acme/backend/api")]
    );
    let r = get(&s, "/projects?per_page=1", &root);
    assert_eq!(r.body[0]["namespace"]["full_path"], "other");
    assert_eq!(r.header("x-next-page"), "2");
    let r = get(&s, "/projects?visibility=secret", &root);
    assert_eq!(r.status, 400);
    assert!(
        error(&r).starts_with("visibility is invalid"),
        "{:?}",
        r.body
    );
}

#[test]
fn changing_groups_and_projects() {
    let s = server();
    let owner = member_user(&s, "owner", HolderRef::Group("acme"), AccessLevel::Owner);
    let maintainer = member_user(
        &s,
        "maint",
        HolderRef::Group("acme"),
        AccessLevel::Maintainer,
    );
    let dev = member_user(&s, "dev", HolderRef::Group("acme"), AccessLevel::Developer);
    let r = put(
        &s,
        "/groups/acme%2Fbackend",
        &owner,
        json!({"name": "Back End", "visibility": "internal"}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        (&r.body["name"], &r.body["visibility"]),
        (&json!("Back End"), &json!("internal"))
    );
    assert_eq!(r.body["full_name"], "acme / Back End");
    let r = put(&s, "/groups/2", &maintainer, json!({"name": "x"}));
    assert_eq!(
        (r.status, message(&r)),
        (403, "403 Forbidden"),
        "group settings are the owner's"
    );
    let r = put(&s, "/groups/2", &owner, json!({"path": "renamed"}));
    assert_eq!(r.status, 400);
    assert!(error(&r).starts_with("path is invalid: regauth cannot change a path"));
    let r = put(&s, "/groups/2", &owner, json!({"visibility": "everyone"}));
    assert!(
        r.status == 400 && error(&r).starts_with("visibility is invalid"),
        "{:?}",
        r.body
    );

    let r = put(
        &s,
        "/projects/acme%2Fbackend%2Fapi",
        &maintainer,
        json!({"name": "API", "path": "api", "container_registry_access_level": "private"}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["name"], "API");
    assert_eq!(r.body["container_registry_access_level"], "private");
    assert_eq!(get(&s, "/projects/1", &dev).body["name"], "API", "stored");
    let r = put(&s, "/projects/1", &dev, json!({"name": "y"}));
    assert_eq!((r.status, message(&r)), (403, "403 Forbidden"));
    let r = put(&s, "/projects/4", &owner, json!({"name": "y"}));
    assert_eq!((r.status, message(&r)), (404, "404 Project Not Found"));
    let r = put(&s, "/projects/1", &maintainer, json!({"name": ""}));
    assert_eq!(r.status, 400);
    assert_eq!(
        get(&s, "/projects/1", &dev).body["name"],
        "API",
        "nothing changed"
    );
}

#[test]
fn removing_a_project_ends_its_deploy_tokens() {
    let s = server();
    let owner = member_user(
        &s,
        "owner",
        HolderRef::Group("acme/backend"),
        AccessLevel::Owner,
    );
    let maintainer = member_user(
        &s,
        "maint",
        HolderRef::Project("acme/backend/api"),
        AccessLevel::Maintainer,
    );
    let (_, username, secret) = s.token(HolderRef::Project("acme/backend/api"), &["read_registry"]);
    assert_eq!(s.get_token(PULL_API, Some((&username, &secret))).0, 200);
    let r = delete(&s, "/projects/1", &maintainer);
    assert_eq!(
        (r.status, message(&r)),
        (403, "403 Forbidden"),
        "removal is the owner's"
    );
    let r = delete(&s, "/projects/acme%2Fbackend%2Fapi", &owner);
    assert_eq!(
        (r.status, &r.body),
        (202, &json!({"message": "202 Accepted"}))
    );
    assert_eq!(
        s.get_token(PULL_API, Some((&username, &secret))).0,
        401,
        "the token is gone"
    );
    let r = get(&s, "/projects/1", &owner);
    assert_eq!((r.status, message(&r)), (404, "404 Project Not Found"));
    let r = delete(&s, "/projects/1", &owner);
    assert_eq!(r.status, 404);
    // the path is free again, and a new project there has no old tokens
    let r = call(
        &s,
        "POST",
        "/projects",
        Auth::Private(&owner),
        Body::Json(json!({"path": "api", "namespace_id": 2})),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(s.get_token(PULL_API, Some((&username, &secret))).0, 401);
}

#[test]
fn removing_a_group_takes_everything_in_it() {
    let s = server();
    let owner = member_user(&s, "owner", HolderRef::Group("acme"), AccessLevel::Owner);
    let sub_owner = member_user(
        &s,
        "subowner",
        HolderRef::Group("acme/backend"),
        AccessLevel::Owner,
    );
    let other = member_user(&s, "other", HolderRef::Group("other"), AccessLevel::Owner);
    let (_, group_user, group_secret) = s.token(HolderRef::Group("acme"), &["read_registry"]);
    let (_, project_user, project_secret) =
        s.token(HolderRef::Project("acme/backend/api"), &["read_registry"]);
    let r = delete(&s, "/groups/acme", &sub_owner);
    assert_eq!((r.status, message(&r)), (403, "403 Forbidden"));
    let r = delete(&s, "/groups/1", &owner);
    assert_eq!(r.status, 202, "{:?}", r.body);
    for (u, p) in [
        (&group_user, &group_secret),
        (&project_user, &project_secret),
    ] {
        assert_eq!(s.get_token(PULL_API, Some((u, p))).0, 401);
    }
    for path in ["/groups/acme", "/groups/acme%2Fbackend"] {
        assert_eq!(get(&s, path, &sub_owner).status, 404, "{path}");
    }
    assert_eq!(
        column(&get(&s, "/projects", &other), "path_with_namespace"),
        vec![json!("other/app")]
    );
    assert_eq!(
        column(&get(&s, "/groups", &other), "full_path"),
        vec![json!("other")]
    );
    // the removal is in the audit trail, with who did it and what went with it
    let root = user(&s, "root", true);
    let events = get(&s, "/audit_events?per_page=100", &root);
    let removed: Vec<_> = events
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_name"] == "group.removed")
        .collect();
    assert_eq!(removed.len(), 1, "{:?}", events.body);
    assert_eq!(removed[0]["details"]["entity_path"], "acme");
    assert_eq!(removed[0]["details"]["groups_removed"], 3);
    assert_eq!(removed[0]["details"]["projects_removed"], 3);
    assert_eq!(removed[0]["details"]["author_name"], "owner");
}
