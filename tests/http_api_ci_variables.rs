//! `GET /api/v4/projects/:id/ci_variables` over real HTTP: a CI runner acting as a Maintainer+
//! user or an administrator gets what `regauth ci-variables --format json` prints; lower roles
//! get 403, hidden or unknown projects 404, deploy tokens and no token 401.

mod api_harness;
mod harness;

use api_harness::{Auth, Body, Reply, call, get, member_user, message, token, user};
use harness::{CI_REGISTRY, SERVICE, TestServer};
use regauth::app::deploy_tokens::CreateDeployToken;
use regauth::app::namespaces::HolderRef::{self, Group, Project};
use regauth::domain::role::AccessLevel::{Developer, Maintainer, Owner, Reporter};
use serde_json::{Value, json};

const API: &str = "/projects/acme%2Fbackend%2Fapi/ci_variables";

/// A server with the usual tree and a `gitlab-deploy-token` on acme/backend/api:
/// (server, its username, its secret).
fn server() -> (TestServer, String, String) {
    let s = TestServer::start();
    s.seed();
    let created = s
        .app
        .create_deploy_token(&CreateDeployToken {
            holder: HolderRef::Project("acme/backend/api"),
            name: "gitlab-deploy-token",
            scopes: vec!["read_registry"],
            username: None,
            expires_at: None,
            repositories: None,
        })
        .unwrap();
    let secret = created.secret.expose().to_owned();
    (s, created.token.username, secret)
}

fn expected(username: &str, secret: &str) -> Value {
    json!([
        {"key": "CI_DEPLOY_USER", "value": username, "public": true, "masked": false},
        {"key": "CI_DEPLOY_PASSWORD", "value": secret, "public": false, "masked": true},
        {"key": "CI_REGISTRY", "value": CI_REGISTRY, "public": true, "masked": false},
        {"key": "CI_REGISTRY_IMAGE", "value": format!("{CI_REGISTRY}/acme/backend/api"),
         "public": true, "masked": false},
    ])
}

#[test]
fn maintainers_and_admins_get_the_variables_the_cli_prints() {
    let (s, username, secret) = server();
    let maintainer = member_user(&s, "mia", Group("acme"), Maintainer);
    let reply = get(&s, API, &maintainer);
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body, expected(&username, &secret));
    assert_eq!(reply.header("cache-control"), "no-store");
    let cli_json = s.app.ci_variables("acme/backend/api", Some(CI_REGISTRY));
    assert_eq!(reply.body, serde_json::to_value(cli_json.unwrap()).unwrap());

    // The password is the live secret: it logs in to the registry.
    let (status, _) = s.get_token(
        &format!("service={SERVICE}&scope=repository:acme/backend/api:pull"),
        Some((&username, &secret)),
    );
    assert_eq!(status, 200);

    let id = match s.app.resolve_holder(Project("acme/backend/api")).unwrap() {
        regauth::domain::token::Holder::Project { id, .. } => id,
        other => panic!("{other:?}"),
    };
    let owner = member_user(&s, "olga", Project("acme/backend/api"), Owner);
    let root = user(&s, "root", true);
    let read_api = token(&s, "mia", &["read_api"], None);
    let by_id = format!("/projects/{id}/ci_variables");
    for (path, auth) in [
        (by_id.as_str(), Auth::Bearer(&maintainer)),
        (API, Auth::Private(&owner)),
        (API, Auth::Private(&root)),
        (API, Auth::Private(&read_api)),
    ] {
        let r = call(&s, "GET", path, auth, Body::None);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.body, expected(&username, &secret));
    }
}

#[test]
fn without_a_gitlab_deploy_token_only_the_registry_variables_come() {
    let (s, _, _) = server();
    let maintainer = member_user(&s, "mia", Group("acme"), Maintainer);
    let reply = get(
        &s,
        "/projects/acme%2Ffrontend%2Fweb/ci_variables",
        &maintainer,
    );
    assert_eq!(reply.status, 200);
    let keys: Vec<&str> = reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["CI_REGISTRY", "CI_REGISTRY_IMAGE"]);
}

#[test]
fn lower_roles_get_403_and_hidden_or_unknown_projects_404() {
    let (s, _, _) = server();
    let developer = member_user(&s, "dev", Group("acme"), Developer);
    let reporter = member_user(&s, "rep", Project("acme/backend/api"), Reporter);
    let outsider = user(&s, "eve", false);
    let forbidden = |r: &Reply| (r.status, message(r).to_owned());
    let f = (403, "403 Forbidden".to_owned());
    let nf = (404, "404 Project Not Found".to_owned());
    assert_eq!(forbidden(&get(&s, API, &developer)), f);
    assert_eq!(forbidden(&get(&s, API, &reporter)), f);
    assert_eq!(forbidden(&get(&s, API, &outsider)), nf, "private: hidden");
    let unknown = "/projects/acme%2Fnope/ci_variables";
    assert_eq!(forbidden(&get(&s, unknown, &developer)), nf);
    assert_eq!(
        forbidden(&get(&s, "/projects/9999/ci_variables", &developer)),
        nf
    );
    let public = "/projects/acme%2Fpub/ci_variables";
    assert_eq!(forbidden(&get(&s, public, &outsider)), f, "public: visible");

    let maintainer = member_user(&s, "mia", Group("acme"), Maintainer);
    let registry_only = token(&s, "mia", &["read_registry"], None);
    let r = get(&s, API, &registry_only);
    assert_eq!(r.status, 403);
    assert_eq!(r.body["error"], "insufficient_scope");
    assert_eq!(get(&s, API, &maintainer).status, 200);
}

#[test]
fn deploy_tokens_and_no_token_get_401() {
    let (s, username, secret) = server();
    let unauthorized = |auth: Auth<'_>| {
        let r = call(&s, "GET", API, auth, Body::None);
        (r.status, message(&r).to_owned())
    };
    let want = (401, "401 Unauthorized".to_owned());
    assert_eq!(unauthorized(Auth::None), want);
    assert_eq!(unauthorized(Auth::Private(&secret)), want);
    assert_eq!(unauthorized(Auth::Bearer(&secret)), want);
    assert_eq!(unauthorized(Auth::Basic(&username, &secret)), want);
    assert_eq!(unauthorized(Auth::Private("glpat-unknown")), want);
}
