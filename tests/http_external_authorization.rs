//! External authorization over HTTP: deploy tokens refused on Git and package routes with
//! a reason, and on the container registry as GitLab does it (the token is set aside:
//! public pulls only, otherwise 403). Also: configured forward-auth routes.

mod harness;

use harness::{ForwardOptions, PROXY, SERVICE, START, TestServer, error_of, forward};
use regauth::app::namespaces::HolderRef::{Group, Project};
use regauth::domain::forward::{Route, RouteKind};
use regauth::domain::token::PlainToken;

const GIT_REFUSAL: &str = "deploy tokens cannot be used for Git or package registry operations while external authorization is enabled";
const REGISTRY_REFUSAL: &str = "deploy tokens cannot be used on the container registry or the dependency proxy while external authorization is enabled";

fn external() -> TestServer {
    let s = TestServer::start_forward(ForwardOptions {
        external_authorization: true,
        ..ForwardOptions::default()
    });
    s.seed();
    s
}

/// (status, reason) of a forward-auth check.
fn check(s: &TestServer, method: &str, uri: &str, creds: Option<(&str, &str)>) -> (u16, String) {
    let answer = forward::nginx(s, method, uri, creds);
    (answer.status, answer.reason.unwrap_or_default())
}

#[test]
fn git_and_package_routes_refuse_deploy_tokens_saying_why() {
    let s = external();
    let scopes = [
        "read_repository",
        "read_package_registry",
        "write_package_registry",
    ];
    let (_, user, secret) = s.token(Project("acme/backend/api"), &scopes);
    let creds = Some((user.as_str(), secret.as_str()));
    for (method, uri) in [
        (
            "GET",
            "/acme/backend/api.git/info/refs?service=git-upload-pack",
        ),
        (
            "GET",
            "/api/v4/projects/acme%2Fbackend%2Fapi/packages/pypi/simple/x/",
        ),
        (
            "POST",
            "/api/v4/projects/acme%2Fbackend%2Fapi/packages/pypi",
        ),
        ("GET", "/acme/pub.git/info/refs?service=git-upload-pack"),
    ] {
        assert_eq!(
            check(&s, method, uri, creds),
            (403, GIT_REFUSAL.into()),
            "{uri}"
        );
    }
    // Bad credentials are still a 401, and anonymous reads of public projects still work.
    let wrong = check(&s, "GET", "/acme/pub.git/HEAD", Some((&user, "gldt-x")));
    assert_eq!(wrong.0, 401);
    assert_eq!(check(&s, "GET", "/acme/pub.git/HEAD", None).0, 200);
}

#[test]
fn the_registry_sets_deploy_tokens_aside() {
    let s = external();
    let (_, user, secret) = s.token(
        Project("acme/backend/api"),
        &["read_registry", "write_registry"],
    );
    let creds = Some((user.as_str(), secret.as_str()));
    let private = "service=container_registry&scope=repository:acme/backend/api:pull,push";
    let (status, body) = s.get_token(private, creds);
    assert_eq!(status, 403);
    assert_eq!(error_of(&body), ("DENIED".into(), REGISTRY_REFUSAL.into()));
    let (status, body) = s.get_token(
        "service=container_registry&account=x&client_id=docker&offline_token=true",
        creds,
    );
    assert_eq!(status, 403, "docker login is refused too: {body}");
    let public = "service=container_registry&scope=repository:acme/pub:pull,push";
    let (status, body) = s.get_token(public, creds);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        s.access(body["token"].as_str().unwrap()),
        ["repository:acme/pub:pull"]
    );
    assert_eq!(s.verify(body["token"].as_str().unwrap()).1["sub"], "");
    let (status, _) = s.get_token(private, Some((&user, "gldt-wrong")));
    assert_eq!(status, 401);
}

#[test]
fn the_dependency_proxy_refuses_deploy_tokens() {
    let s = external();
    let (_, user, secret) = s.token(Group("acme"), &["read_registry", "write_registry"]);
    let query =
        format!("service={PROXY}&scope=repository:acme/dependency_proxy/containers/alpine:pull");
    let (status, body) = s.get_token(&query, Some((&user, &secret)));
    assert_eq!(status, 403);
    assert_eq!(error_of(&body), ("DENIED".into(), REGISTRY_REFUSAL.into()));
    let (status, _) = s.get_token(&query, Some((&user, "gldt-wrong")));
    assert_eq!(status, 401);
}

#[test]
fn without_external_authorization_the_registry_is_unchanged() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) = s.token(Project("acme/backend/api"), &["read_registry"]);
    let (status, body) = s.get_token(
        "service=container_registry&scope=repository:acme/backend/api:pull",
        Some((&user, &secret)),
    );
    assert_eq!(status, 200);
    assert_eq!(
        s.access(body["token"].as_str().unwrap()),
        ["repository:acme/backend/api:pull"]
    );
}

#[test]
fn configured_routes_replace_the_defaults() {
    let s = TestServer::start_forward(ForwardOptions {
        routes: vec![
            Route::parse("/git/{project}/", RouteKind::Git).unwrap(),
            Route::parse("/maven/{project}/-/", RouteKind::Package).unwrap(),
        ],
        ..ForwardOptions::default()
    });
    s.seed();
    let (_, user, secret) = s.token(
        Project("acme/backend/api"),
        &["read_repository", "read_package_registry"],
    );
    let creds = Some((user.as_str(), secret.as_str()));
    let git = "/git/acme/backend/api/info/refs?service=git-upload-pack";
    assert_eq!(check(&s, "GET", git, creds).0, 200);
    let push = "/git/acme/backend/api/git-receive-pack";
    assert_eq!(check(&s, "POST", push, creds).0, 403);
    let maven = "/maven/acme/backend/api/-/com/example/x/1.0/x-1.0.jar";
    assert_eq!(check(&s, "GET", maven, creds).0, 200);
    assert_eq!(check(&s, "PUT", maven, creds).0, 403);
    let default_layout = "/acme/backend/api.git/info/refs?service=git-upload-pack";
    let (status, reason) = check(&s, "GET", default_layout, creds);
    assert_eq!(status, 403);
    assert_eq!(
        reason,
        "this URI names no project on any forward-auth route"
    );
}

#[test]
fn a_deploy_tokens_refresh_token_is_not_handed_back() {
    let s = external();
    let (id, _, _) = s.token(Group("acme"), &["read_registry"]);
    // A refresh token issued before external authorization was switched on.
    let refresh = "rgrt-issued-before-external-authorization";
    let digest = PlainToken::from_client(refresh).digest();
    s.app
        .store()
        .write(|tx| tx.insert_deploy_refresh(&digest, id, SERVICE, START))
        .unwrap();
    let (status, body) = s.post_token(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("service", SERVICE),
        ("access_type", "offline"),
        (
            "scope",
            "repository:acme/pub:pull repository:acme/backend/api:pull",
        ),
    ]);
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none(), "{body}");
    let jwt = body["token"].as_str().unwrap();
    assert_eq!(s.access(jwt), ["repository:acme/pub:pull"]);
    assert_eq!(s.verify(jwt).1["sub"], "");
}
