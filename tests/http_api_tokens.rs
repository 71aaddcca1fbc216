//! The deploy-token endpoints of `/api/v4` over real HTTP: who may list, read, create and
//! delete them (by role, inherited roles and admin), what create accepts and refuses, that
//! DELETE revokes at once, the `active` filter and pagination.

mod api_harness;
mod harness;

use api_harness::{Auth, Body, Reply, call, delete, error, get, member_user, post, user};
use harness::{SERVICE, TestServer, error_of};
use regauth::app::namespaces::HolderRef;
use regauth::domain::role::AccessLevel;
use serde_json::{Value, json};

fn server() -> TestServer {
    let s = TestServer::start();
    s.seed();
    s
}

fn create(s: &TestServer, holder: &str, t: &str, body: Value) -> Reply {
    post(s, &format!("{holder}/deploy_tokens"), t, body)
}

fn read_token() -> Value {
    json!({"name": "ci", "scopes": ["read_registry"]})
}

/// (list, show, create, delete) statuses for `t` on `holder`, whose token 1 exists.
fn statuses(s: &TestServer, holder: &str, existing: i64, t: &str) -> [u16; 4] {
    let list = get(s, &format!("{holder}/deploy_tokens"), t).status;
    let show = get(s, &format!("{holder}/deploy_tokens/{existing}"), t).status;
    let created = create(s, holder, t, read_token());
    let made = created.body["id"].as_i64();
    let remove = match made {
        Some(id) => delete(s, &format!("{holder}/deploy_tokens/{id}"), t).status,
        None => delete(s, &format!("{holder}/deploy_tokens/{existing}"), t).status,
    };
    [list, show, created.status, remove]
}

/// Who asks, in the role table below.
enum Who {
    /// A user with this role on this group or project.
    Member(HolderRef<'static>, AccessLevel),
    /// A user without any role.
    Stranger,
    /// An administrator.
    Admin,
}

#[test]
fn project_tokens_need_maintainer_group_tokens_need_owner_to_write() {
    use AccessLevel::*;
    use Who::*;
    let s = server();
    let api = HolderRef::Project("acme/backend/api");
    let (project_token, _, _) = s.token(api, &["read_registry"]);
    let (group_token, _, _) = s.token(HolderRef::Group("acme/backend"), &["read_registry"]);
    let acme = HolderRef::Group("acme");
    let backend = HolderRef::Group("acme/backend");
    let on_project = [
        (Member(api, Guest), [403; 4]),
        (Member(api, Reporter), [403; 4]),
        (Member(api, Developer), [403; 4]),
        (Member(api, Maintainer), [200, 200, 201, 204]),
        (Member(api, Owner), [200, 200, 201, 204]),
        // a group role reaches the group's projects
        (Member(acme, Maintainer), [200, 200, 201, 204]),
        (Member(acme, Developer), [403; 4]),
        // strangers do not see a private project at all
        (Stranger, [404; 4]),
        (Admin, [200, 200, 201, 204]),
    ];
    // group tokens: Maintainer+ reads, Owner writes (a parent group's role counts)
    let on_group = [
        (Member(backend, Developer), [403; 4]),
        (Member(backend, Maintainer), [200, 200, 403, 403]),
        (Member(acme, Owner), [200, 200, 201, 204]),
        (Member(api, Owner), [403; 4]),
        (Stranger, [404; 4]),
        (Admin, [200, 200, 201, 204]),
    ];
    let targets = [
        ("/projects/1", project_token, &on_project[..]),
        ("/groups/2", group_token, &on_group[..]),
    ];
    let mut n = 0;
    for (holder, existing, cases) in targets {
        for (who, expected) in cases {
            n += 1;
            let name = format!("user{n}");
            let t = match who {
                Member(h, level) => member_user(&s, &name, *h, *level),
                Stranger => user(&s, &name, false),
                Admin => user(&s, &name, true),
            };
            let got = statuses(&s, holder, existing, &t);
            assert_eq!(&got, expected, "case {n} on {holder}");
        }
    }
    let t = member_user(&s, "d", api, Developer);
    let r = get(&s, "/projects/1/deploy_tokens", &t);
    assert_eq!(r.body, json!({"message": "403 Forbidden"}));
    let stranger = user(&s, "nobody", false);
    let r = get(&s, "/projects/1/deploy_tokens", &stranger);
    assert_eq!(r.body, json!({"message": "404 Project Not Found"}));
    let r = get(&s, "/groups/2/deploy_tokens", &stranger);
    assert_eq!(r.body, json!({"message": "404 Group Not Found"}));
}

#[test]
fn create_returns_the_secret_once_and_the_token_works() {
    let s = server();
    let t = member_user(
        &s,
        "m",
        HolderRef::Project("acme/backend/api"),
        AccessLevel::Maintainer,
    );
    let r = create(
        &s,
        "/projects/acme%2Fbackend%2Fapi",
        &t,
        json!({"name": "deploy", "scopes": ["read_registry", "write_registry"], "expires_at": "2027-01-31", "username": "ci-bot"}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["name"], "deploy");
    assert_eq!(r.body["username"], "ci-bot");
    assert_eq!(r.body["scopes"], json!(["read_registry", "write_registry"]));
    assert_eq!(r.body["expires_at"], "2027-01-31T00:00:00Z");
    assert_eq!(r.body["revoked"], false);
    assert_eq!(r.body["expired"], false);
    let secret = r.body["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("gldt-"));
    let id = r.body["id"].as_i64().unwrap();
    let shown = get(&s, &format!("/projects/1/deploy_tokens/{id}"), &t);
    assert_eq!(shown.status, 200);
    assert!(
        shown.body.get("token").is_none(),
        "the secret is shown once"
    );
    let listed = get(&s, "/projects/1/deploy_tokens", &t);
    assert!(listed.body[0].get("token").is_none());
    let (status, body) = s.get_token(
        &format!("service={SERVICE}&scope=repository:acme/backend/api:push"),
        Some(("ci-bot", &secret)),
    );
    assert_eq!(status, 200);
    assert_eq!(
        s.access(body["token"].as_str().unwrap()),
        ["repository:acme/backend/api:push"]
    );

    // form bodies with scopes[] (curl), and scopes as one comma-separated string
    let form = [
        ("name", "f"),
        ("scopes[]", "read_registry"),
        ("scopes[]", "write_registry"),
    ];
    let r = call(
        &s,
        "POST",
        "/projects/1/deploy_tokens",
        Auth::Private(&t),
        Body::Form(&form),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["scopes"], json!(["read_registry", "write_registry"]));
    assert_eq!(
        r.body["username"],
        format!("gitlab+deploy-token-{}", r.body["id"])
    );
    let r = create(
        &s,
        "/projects/1",
        &t,
        json!({"name": "c", "scopes": "read_repository,read_registry"}),
    );
    assert_eq!(
        r.body["scopes"],
        json!(["read_repository", "read_registry"])
    );
}

#[test]
fn bad_create_requests_name_the_field_and_create_nothing() {
    let s = server();
    let t = user(&s, "root", true);
    let cases = [
        (json!({"scopes": ["read_registry"]}), "name is missing"),
        (json!({"name": "x"}), "scopes is missing"),
        (
            json!({"name": "x", "scopes": []}),
            "scopes is invalid: at least one scope",
        ),
        (
            json!({"name": "x", "scopes": ["api"]}),
            "scopes is invalid: unknown scope \"api\"",
        ),
        (json!({"name": "x", "scopes": [1]}), "scopes is invalid"),
        (
            json!({"name": "x", "scopes": {"a": 1}}),
            "scopes is invalid",
        ),
        (
            json!({"name": "x", "scopes": ["read_registry"], "expires_at": "2020-01-01"}),
            "expires_at is invalid: expires_at must be in the future",
        ),
        (
            json!({"name": "x", "scopes": ["read_registry"], "expires_at": "soon"}),
            "expires_at is invalid",
        ),
        (
            // In the year 10000 once in UTC: more than storage can read back.
            json!({"name": "x", "scopes": ["read_registry"], "expires_at": "9999-12-31T23:59:59-23:59"}),
            "expires_at is invalid",
        ),
        (
            json!({"name": "x", "scopes": ["read_registry"], "username": "a b"}),
            "username is invalid",
        ),
        (
            json!({"name": "", "scopes": ["read_registry"]}),
            "name is invalid",
        ),
        (
            json!({"name": "ci\n2026-01-01 INFO forged line", "scopes": ["read_registry"]}),
            "name is invalid: name must be 1 to 255 characters, not all blank, without control characters",
        ),
        (
            json!({"name": "\u{1b}[31mred", "scopes": ["read_registry"]}),
            "name is invalid",
        ),
        (
            json!({"name": "x", "scopes": ["read_registry"], "username": "a\tb"}),
            "username is invalid",
        ),
        // The user root exists: no deploy token may call itself so, in any case.
        (
            json!({"name": "x", "scopes": ["read_registry"], "username": "root"}),
            "username is invalid: \"root\" is the username of a user (ignoring case)",
        ),
        (
            json!({"name": "x", "scopes": ["read_registry"], "username": "ROOT"}),
            "username is invalid: \"ROOT\" is the username of a user (ignoring case)",
        ),
        // Default usernames are each token's own.
        (
            json!({"name": "x", "scopes": ["read_registry"], "username": "gitlab+deploy-token-1"}),
            "username is invalid: usernames starting with gitlab+deploy-token-",
        ),
        (
            json!({"name": "x", "scopes": ["read_registry"], "username": "GitLab+Deploy-Token-99"}),
            "username is invalid: usernames starting with gitlab+deploy-token-",
        ),
    ];
    for (body, expected) in cases {
        let r = create(&s, "/projects/1", &t, body.clone());
        assert_eq!(r.status, 400, "{body}");
        assert!(error(&r).starts_with(expected), "{body}: {:?}", r.body);
    }
    let r = call(
        &s,
        "POST",
        "/projects/1/deploy_tokens",
        Auth::Private(&t),
        Body::Raw("application/json", "{\"name\": \"x\", \"scopes\": [".into()),
    );
    assert_eq!(r.status, 400);
    assert!(error(&r).contains("not valid JSON"));
    let r = get(&s, "/deploy_tokens", &t);
    assert_eq!(r.body, json!([]), "nothing was created");
}

#[test]
fn delete_revokes_at_once_and_keeps_the_record() {
    let s = server();
    let t = user(&s, "root", true);
    let (id, username, secret) = s.token(HolderRef::Group("acme"), &["read_registry"]);
    let (other, _, _) = s.token(HolderRef::Project("acme/backend/api"), &["read_registry"]);
    let ask = format!("service={SERVICE}&scope=repository:acme/backend/api:pull");
    assert_eq!(s.get_token(&ask, Some((&username, &secret))).0, 200);

    let r = delete(&s, &format!("/groups/1/deploy_tokens/{other}"), &t);
    assert_eq!(
        r.body,
        json!({"message": "404 Deploy Token Not Found"}),
        "another holder's"
    );
    let r = delete(&s, &format!("/groups/acme/deploy_tokens/{id}"), &t);
    assert_eq!((r.status, r.body.clone()), (204, Value::Null));
    let (status, body) = s.get_token(&ask, Some((&username, &secret)));
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).0, "UNAUTHORIZED");

    let r = get(&s, &format!("/groups/1/deploy_tokens/{id}"), &t);
    assert_eq!(r.body["revoked"], true);
    let all = get(&s, "/groups/1/deploy_tokens", &t);
    assert_eq!(all.body.as_array().unwrap().len(), 1);
    let active = get(&s, "/groups/1/deploy_tokens?active=true", &t);
    assert_eq!(active.body, json!([]));
    assert_eq!(
        delete(&s, &format!("/groups/1/deploy_tokens/{id}"), &t).status,
        204,
        "again"
    );
    for bad in [
        "/groups/1/deploy_tokens/999",
        "/projects/1/deploy_tokens/999",
    ] {
        let r = get(&s, bad, &t);
        assert_eq!(
            r.body,
            json!({"message": "404 Deploy Token Not Found"}),
            "{bad}"
        );
    }
    let r = get(&s, "/groups/1/deploy_tokens/x", &t);
    assert_eq!(r.status, 400);
    assert!(error(&r).starts_with("token_id is invalid"));
    let r = get(&s, "/groups/1/deploy_tokens?active=maybe", &t);
    assert_eq!(r.status, 400);
    assert!(error(&r).starts_with("active is invalid"));
}
