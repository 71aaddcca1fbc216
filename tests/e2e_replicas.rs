//! End-to-end: two `regauth serve` replicas on one PostgreSQL database behind nginx
//! (`deploy/nginx/replicas.conf`, round robin) as the realm of a real docker-registry, driven
//! by skopeo and plain HTTP. What one replica writes, the other acts on at the very next
//! request (deploy tokens, personal access tokens, refresh tokens, roles, web UI sessions);
//! both sign with the one shared key; `kill -9` of one replica under load fails
//! only requests in flight on it, and loses no acknowledged write.
//!
//! Runs with `REGAUTH_E2E=1` (scripts/test), like the other end-to-end tests.

mod replica_rig;
mod support;

use serde_json::{Value, json};

use replica_rig::calls::{actions_at, refresh_grant, refresh_token, token_at};
use replica_rig::{Rig, api};
use support::flows::{Auth, INVALID_CREDENTIALS, OUR_401_MESSAGE, image, inspect, pull, push_ok};
use support::stack::{DeployToken, http_client};

/// The `kill -9` test, in a file of its own.
#[path = "e2e_replicas/kill.rs"]
mod kill;

/// The web UI's sessions and roles, in a file of their own.
#[path = "e2e_replicas/sessions.rs"]
mod sessions;

/// CI variables' sealed secrets, in a file of their own.
#[path = "e2e_replicas/ci_variables.rs"]
mod ci_variables;

/// The programs this suite drives, with their Debian packages.
const TOOLS: &[(&str, &str)] = &[
    ("docker-registry", "Debian package: docker-registry"),
    ("skopeo", "Debian package: skopeo"),
    ("nginx", "Debian package: nginx"),
    ("psql", "Debian package: postgresql"),
];

fn e2e_enabled() -> bool {
    support::e2e_enabled_for(
        env!("CARGO_CRATE_NAME"),
        TOOLS,
        "scripts/test does: apt-get install -y docker-registry skopeo nginx postgresql",
    )
}

/// An administrator's personal access token (scope api), made with the CLI.
fn admin_token(rig: &Rig) -> String {
    let out = rig
        .a()
        .admin(&["user", "create", "root", "--admin", "--json"]);
    let created: Value = serde_json::from_str(out.stdout.trim()).expect("user JSON");
    created["token"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// Group `acme` and project `acme/app`, created through the API of replica A.
fn acme_app_via_a(rig: &Rig, admin: &str) {
    let a = rig.a().url();
    let (status, body) = api(
        &a,
        "POST",
        "/groups",
        admin,
        Some(json!({"name": "acme", "path": "acme"})),
    );
    assert_eq!(status, 201, "{body}");
    let project = json!({"path": "app", "namespace_id": "acme"});
    let (status, body) = api(&a, "POST", "/projects", admin, Some(project));
    assert_eq!(status, 201, "{body}");
}

/// A read+write deploy token of `acme/app`, created through the API at `base`.
fn deploy_token_via(base: &str, admin: &str, name: &str) -> DeployToken {
    let body = json!({"name": name, "scopes": ["read_registry", "write_registry"]});
    let path = "/projects/acme%2Fapp/deploy_tokens";
    let (status, created) = api(base, "POST", path, admin, Some(body));
    assert_eq!(status, 201, "{created}");
    DeployToken {
        id: created["id"].as_i64().expect("id"),
        username: created["username"].as_str().expect("username").to_owned(),
        token: created["token"].as_str().expect("token").to_owned(),
    }
}

/// What a refused credential gets from a replica.
fn refused() -> Result<Vec<String>, (u16, String)> {
    Err((401, OUR_401_MESSAGE.to_owned()))
}

fn both(rig: &Rig) -> [String; 2] {
    [rig.a().url(), rig.b.url()]
}

#[test]
fn a_token_made_on_a_pushes_and_pulls_through_the_balancer_and_dies_when_b_revokes_it() {
    if !e2e_enabled() {
        return;
    }
    let rig = Rig::start();
    let admin = admin_token(&rig);
    acme_app_via_a(&rig, &admin);
    let token = deploy_token_via(&rig.a().url(), &admin, "ci");
    let stack = &rig.stack;
    let web = image(stack, "web");
    push_ok(stack, &token, &web, "acme/app/web:1");
    for into in ["pulled-1", "pulled-2"] {
        pull(stack, Auth::Token(&token), "acme/app/web:1", into).expect_success("pull");
    }
    // Round robin: both replicas issued this token's registry tokens.
    let needle = format!("username=\"{}\"", token.username);
    for replica in [rig.a(), &rig.b] {
        let issued = replica
            .log()
            .lines()
            .filter(|l| l.contains("token issued") && l.contains(&needle))
            .count();
        assert!(
            issued > 0,
            "replica {} issued none:\n{}",
            replica.addr,
            replica.log()
        );
    }

    let path = format!("/projects/acme%2Fapp/deploy_tokens/{}", token.id);
    let (status, body) = api(&rig.b.url(), "DELETE", &path, &admin, None);
    assert_eq!(status, 204, "{body}");
    pull(stack, Auth::Token(&token), "acme/app/web:1", "pulled-3").expect_failure_containing(
        "pull after revocation on B",
        &[INVALID_CREDENTIALS, OUR_401_MESSAGE],
    );
    inspect(stack, Auth::Token(&token), "acme/app/web:1").expect_failure_containing(
        "inspect after revocation on B",
        &[INVALID_CREDENTIALS, OUR_401_MESSAGE],
    );
    for base in both(&rig) {
        assert_eq!(
            actions_at(&base, &token.username, &token.token),
            refused(),
            "{base}"
        );
    }
    stack.assert_logs_clean();
}

#[test]
fn personal_tokens_refresh_tokens_and_roles_change_on_every_replica_at_once() {
    if !e2e_enabled() {
        return;
    }
    let rig = Rig::start();
    let admin = admin_token(&rig);
    acme_app_via_a(&rig, &admin);
    let a = rig.a();
    let out = a.admin(&["user", "create", "alice", "--json"]);
    let alice: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let api_token = alice["token"]["token"].as_str().unwrap().to_owned();
    let scopes = "read_registry,write_registry";
    let out = a.admin(&[
        "user", "token", "create", "alice", "--scopes", scopes, "--json",
    ]);
    let pat: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let registry_pat = pat["token"].as_str().unwrap().to_owned();

    // Roles: none yet, then Developer, then Reporter; every replica sees each at once.
    for base in both(&rig) {
        assert_eq!(
            actions_at(&base, "alice", &registry_pat),
            Ok(vec![]),
            "{base}"
        );
    }
    a.admin(&[
        "member",
        "add",
        "--project",
        "acme/app",
        "alice",
        "developer",
    ]);
    for base in both(&rig) {
        assert_eq!(
            actions_at(&base, "alice", &registry_pat),
            Ok(vec!["pull".into(), "push".into()]),
            "{base}"
        );
    }
    a.admin(&[
        "member",
        "add",
        "--project",
        "acme/app",
        "alice",
        "reporter",
    ]);
    for base in both(&rig) {
        assert_eq!(
            actions_at(&base, "alice", &registry_pat),
            Ok(vec!["pull".into()]),
            "{base}"
        );
    }

    // One key: both replicas publish the same JWKS and sign with the same kid.
    let jwks = both(&rig).map(|base| {
        http_client()
            .get(format!("{base}/jwt/jwks.json"))
            .send()
            .unwrap()
            .text()
            .unwrap()
    });
    assert_eq!(jwks[0], jwks[1]);
    let kids = both(&rig).map(|base| {
        token_at(
            &base,
            "alice",
            &registry_pat,
            "repository:acme/app/web:pull",
        )
        .1["kid"]
            .clone()
    });
    assert_eq!(kids[0], kids[1]);
    assert!(jwks[0].contains(kids[0].as_str().unwrap()));

    // A refresh token got on A works on B; revoking the personal token (CLI) ends it on both.
    let refresh = refresh_token(&a.url(), "alice", &registry_pat);
    assert_eq!(refresh_grant(&rig.b.url(), &refresh), 200);
    for base in both(&rig) {
        let (status, body) = api(&base, "GET", "/user", &api_token, None);
        assert_eq!(
            (status, body["username"].as_str()),
            (200, Some("alice")),
            "{base}"
        );
    }
    a.admin(&["user", "token", "revoke", &pat["id"].to_string()]);
    for base in both(&rig) {
        assert_eq!(refresh_grant(&base, &refresh), 401, "{base}");
        assert_eq!(
            actions_at(&base, "alice", &registry_pat),
            refused(),
            "{base}"
        );
    }
    let first_id = alice["token"]["id"].to_string();
    a.admin(&["user", "token", "revoke", &first_id]);
    for base in both(&rig) {
        assert_eq!(
            api(&base, "GET", "/user", &api_token, None).0,
            401,
            "{base}"
        );
    }

    // A deploy token's refresh token, got on B, dies on A when the token is revoked on A.
    let token = deploy_token_via(&rig.b.url(), &admin, "ci");
    let refresh = refresh_token(&rig.b.url(), &token.username, &token.token);
    assert_eq!(refresh_grant(&a.url(), &refresh), 200);
    let path = format!("/projects/acme%2Fapp/deploy_tokens/{}", token.id);
    assert_eq!(api(&a.url(), "DELETE", &path, &admin, None).0, 204);
    for base in both(&rig) {
        assert_eq!(refresh_grant(&base, &refresh), 401, "{base}");
    }
}
