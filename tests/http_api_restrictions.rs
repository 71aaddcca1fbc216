//! Deploy tokens restricted to repository patterns over real HTTP: `repositories` on create
//! and in the entity, the 400s naming `repositories` (nothing created), and registry tokens
//! granting only the matching images; forward auth (Git, packages) refusing such tokens.

mod api_harness;
mod harness;

use api_harness::{Auth, Body, call, error, get, post, user};
use harness::forward::nginx;
use harness::{OPEN_PROXY, PROXY, SERVICE, TestServer};
use serde_json::{Value, json};

fn server() -> (TestServer, String) {
    let s = TestServer::start();
    s.seed();
    let root = user(&s, "root", true);
    (s, root)
}

fn rw(repositories: Value) -> Value {
    json!({"name": "web", "scopes": ["read_registry", "write_registry"], "repositories": repositories})
}

/// The access a registry token for `scope` grants `user`/`secret`, as `type:name:actions`.
fn granted(s: &TestServer, service: &str, user: &str, secret: &str, scope: &str) -> Vec<String> {
    let (status, body) = s.get_token(
        &format!("service={service}&scope={scope}"),
        Some((user, secret)),
    );
    assert_eq!(status, 200, "{body}");
    let (_, claims) = s.verify_for(body["token"].as_str().unwrap(), service);
    let entry = |a: &Value| {
        let actions: Vec<&str> = a["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        format!(
            "{}:{}:{}",
            a["type"].as_str().unwrap(),
            a["name"].as_str().unwrap(),
            actions.join(",")
        )
    };
    claims["access"]
        .as_array()
        .unwrap()
        .iter()
        .map(entry)
        .collect()
}

#[test]
fn a_restricted_token_is_granted_only_its_images() {
    let (s, root) = server();
    let r = post(
        &s,
        "/projects/acme%2Fbackend%2Fapi/deploy_tokens",
        &root,
        rw(json!(["acme/backend/api/web", "acme/backend/api/cache/*"])),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        r.body["repositories"],
        json!(["acme/backend/api/web", "acme/backend/api/cache/*"])
    );
    let id = r.body["id"].as_i64().unwrap();
    let shown = get(&s, &format!("/projects/1/deploy_tokens/{id}"), &root);
    assert_eq!(shown.body["repositories"], r.body["repositories"]);
    // The audit trail says what the token was restricted to.
    let events = get(&s, "/audit_events", &root).body;
    let created = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_name"] == "deploy_token.created" && e["entity_id"] == id)
        .expect("a creation event");
    assert_eq!(created["details"]["repositories"], r.body["repositories"]);
    let (user, secret) = (
        r.body["username"].as_str().unwrap(),
        r.body["token"].as_str().unwrap(),
    );
    let ask = |scope: &str| granted(&s, SERVICE, user, secret, scope);
    assert_eq!(
        ask("repository:acme/backend/api/web:pull,push"),
        ["repository:acme/backend/api/web:pull,push"]
    );
    assert_eq!(
        ask("repository:acme/backend/api/cache/redis:push"),
        ["repository:acme/backend/api/cache/redis:push"]
    );
    assert!(ask("repository:acme/backend/api/db:pull,push").is_empty());
    assert!(ask("repository:acme/backend/api:pull").is_empty());
    assert!(ask("repository:acme/backend/api/cache:pull").is_empty());

    // An unrestricted token of the same project says `null` and reaches every image.
    let open = post(
        &s,
        "/projects/1/deploy_tokens",
        &root,
        json!({"name": "all", "scopes": ["read_registry"]}),
    );
    assert_eq!(open.body["repositories"], Value::Null);
    let (user, secret) = (
        open.body["username"].as_str().unwrap(),
        open.body["token"].as_str().unwrap(),
    );
    assert_eq!(
        granted(
            &s,
            SERVICE,
            user,
            secret,
            "repository:acme/backend/api/db:pull"
        ),
        ["repository:acme/backend/api/db:pull"]
    );
}

#[test]
fn a_form_string_lists_patterns_and_a_blank_one_means_no_restriction() {
    let (s, root) = server();
    let form = [
        ("name", "f"),
        ("scopes", "read_registry"),
        (
            "repositories",
            "acme/backend/api/web,acme/backend/api/cache/*",
        ),
    ];
    let auth = Auth::Private(&root);
    let r = call(
        &s,
        "POST",
        "/projects/1/deploy_tokens",
        auth,
        Body::Form(&form),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        r.body["repositories"],
        json!(["acme/backend/api/web", "acme/backend/api/cache/*"])
    );
    let blank = [
        ("name", "f"),
        ("scopes", "read_registry"),
        ("repositories", ""),
    ];
    let r = call(
        &s,
        "POST",
        "/projects/1/deploy_tokens",
        auth,
        Body::Form(&blank),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["repositories"], Value::Null);
}

#[test]
fn bad_patterns_are_refused_naming_repositories_and_create_nothing() {
    let (s, root) = server();
    let cases = [
        (
            "/projects/1",
            json!([]),
            "repositories is invalid: name at least one repository pattern",
        ),
        (
            "/projects/1",
            json!(["acme/backend/api/*/x"]),
            "repositories is invalid: invalid repository pattern \"acme/backend/api/*/x\"",
        ),
        (
            "/projects/1",
            json!(["*"]),
            "repositories is invalid: invalid repository pattern \"*\"",
        ),
        (
            "/projects/1",
            json!(["Acme/backend/api"]),
            "repositories is invalid: invalid repository pattern",
        ),
        (
            "/projects/1",
            json!(["localhost:5000/acme/backend/api"]),
            "repositories is invalid: invalid repository pattern",
        ),
        (
            "/projects/1",
            json!([""]),
            "repositories is invalid: invalid repository pattern \"\"",
        ),
        (
            "/projects/1",
            json!([1]),
            "repositories is invalid: expected an array of strings",
        ),
        ("/projects/1", json!({"a": 1}), "repositories is invalid"),
        // Outside the holder: a pattern may only narrow.
        (
            "/projects/1",
            json!(["acme/backend/api/web", "acme/frontend/web"]),
            "repositories is invalid: repository pattern \"acme/frontend/web\" is outside acme/backend/api: a pattern can only narrow what the token's holder covers",
        ),
        (
            "/projects/1",
            json!(["acme/backend/*"]),
            "repositories is invalid: repository pattern \"acme/backend/*\" is outside acme/backend/api",
        ),
        (
            "/projects/1",
            json!(["acme/backend/apix"]),
            "repositories is invalid: repository pattern \"acme/backend/apix\" is outside",
        ),
        (
            "/groups/acme%2Fbackend",
            json!(["acme/backend"]),
            "repositories is invalid: repository pattern \"acme/backend\" is outside acme/backend",
        ),
        (
            "/groups/acme%2Fbackend",
            json!(["acme/*"]),
            "repositories is invalid: repository pattern \"acme/*\" is outside acme/backend",
        ),
    ];
    for (holder, repositories, expected) in cases {
        let r = post(
            &s,
            &format!("{holder}/deploy_tokens"),
            &root,
            rw(repositories.clone()),
        );
        assert_eq!(r.status, 400, "{repositories}: {:?}", r.body);
        assert!(
            error(&r).starts_with(expected),
            "{repositories}: {:?}",
            r.body
        );
    }
    let r = get(&s, "/deploy_tokens", &root);
    assert_eq!(r.body, json!([]), "nothing was created");
}

#[test]
fn group_tokens_restricted_on_the_registry_and_the_dependency_proxy() {
    let (s, root) = server();
    let patterns = json!([
        "acme/frontend/*",
        "acme/dependency_proxy/containers/library/*"
    ]);
    let r = post(&s, "/groups/acme/deploy_tokens", &root, rw(patterns));
    assert_eq!(r.status, 201, "{:?}", r.body);
    let (user, secret) = (
        r.body["username"].as_str().unwrap(),
        r.body["token"].as_str().unwrap(),
    );
    let ask = |service, scope: &str| granted(&s, service, user, secret, scope);
    assert_eq!(
        ask(SERVICE, "repository:acme/frontend/web/app:push"),
        ["repository:acme/frontend/web/app:push"]
    );
    assert!(ask(SERVICE, "repository:acme/backend/api:pull").is_empty());
    // The proxy of group acme: plain names are matched as acme/dependency_proxy/containers/….
    assert_eq!(
        ask(PROXY, "repository:library/alpine:pull"),
        ["repository:library/alpine:pull"]
    );
    assert!(ask(PROXY, "repository:nginx:pull").is_empty());
    // A proxy of no group gives plain names no path inside a group: nothing to match.
    assert!(ask(OPEN_PROXY, "repository:library/alpine:pull").is_empty());
}

#[test]
fn forward_auth_refuses_a_restricted_token_for_git_and_packages() {
    let (s, root) = server();
    let body = json!({
        "name": "all",
        "scopes": ["read_repository", "read_registry", "read_package_registry"],
        "repositories": ["acme/backend/api/web"],
    });
    let r = post(&s, "/projects/1/deploy_tokens", &root, body);
    assert_eq!(r.status, 201, "{:?}", r.body);
    let (user, secret) = (
        r.body["username"].as_str().unwrap(),
        r.body["token"].as_str().unwrap(),
    );
    let why = format!(
        "deploy tokens restricted to container images cannot be used for Git or package registry operations: deploy token {user} may only use acme/backend/api/web"
    );
    for uri in [
        "/acme/backend/api.git/info/refs?service=git-upload-pack",
        "/api/v4/projects/acme%2Fbackend%2Fapi/packages/pypi/simple/x/",
    ] {
        let a = nginx(&s, "GET", uri, Some((user, secret)));
        assert_eq!(a.status, 403, "{uri}: {}", a.body);
        assert_eq!(a.reason.as_deref(), Some(why.as_str()), "{uri}");
    }
}
