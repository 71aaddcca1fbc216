//! Dependency-proxy rules at `/jwt/auth?service=<proxy>` over real HTTP.

mod harness;

use harness::{OPEN_PROXY, PROXY, SERVICE, TestServer, error_of};
use regauth::app::namespaces::HolderRef;

const BOTH: &[&str] = &["read_registry", "write_registry"];

fn proxy_query(service: &str, scopes: &[&str]) -> String {
    scopes.iter().fold(format!("service={service}"), |q, s| {
        format!("{q}&scope={s}")
    })
}

#[test]
fn a_qualifying_group_token_gets_pull_and_nothing_else() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) = s.token(HolderRef::Group("acme"), BOTH);
    let query = proxy_query(
        PROXY,
        &[
            "repository:library/alpine:pull,push",
            "repository:acme/dependency_proxy/containers/busybox:*",
            "repository:library/alpine:delete",
            "registry:catalog:*",
        ],
    );
    let (status, body) = s.get_token(&query, Some((&user, &secret)));
    assert_eq!(status, 200, "{body}");
    let jwt = body["token"].as_str().unwrap();
    let (_, claims) = s.verify_for(jwt, PROXY);
    assert_eq!(claims["aud"], PROXY);
    assert_eq!(claims["sub"], user.as_str());
    let access: Vec<String> = claims["access"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("{}:{}", a["name"].as_str().unwrap(), a["actions"]))
        .collect();
    assert_eq!(
        access,
        [
            "library/alpine:[\"pull\"]",
            "acme/dependency_proxy/containers/busybox:[\"pull\"]"
        ]
    );
    // login (no scope) works too, and so does the POST form
    assert_eq!(
        s.get_token(&proxy_query(PROXY, &[]), Some((&user, &secret)))
            .0,
        200
    );
    let (status, _) = s.post_token(&[
        ("grant_type", "password"),
        ("username", &user),
        ("password", &secret),
        ("service", PROXY),
        ("scope", "repository:library/alpine:pull"),
    ]);
    assert_eq!(status, 200);
}

#[test]
fn each_failed_requirement_is_named_in_a_403() {
    let s = TestServer::start();
    s.seed();
    let cases: Vec<(HolderRef<'_>, &[&str], &str)> = vec![
        (
            HolderRef::Project("acme/backend/api"),
            BOTH,
            "needs a group deploy token",
        ),
        (
            HolderRef::Group("acme"),
            &["read_registry"],
            "lacks write_registry",
        ),
        (
            HolderRef::Group("acme"),
            &["write_registry"],
            "lacks read_registry",
        ),
        (
            HolderRef::Group("other"),
            BOTH,
            "does not cover the dependency proxy of group acme",
        ),
        (
            HolderRef::Group("acme/backend"),
            BOTH,
            "does not cover the dependency proxy of group acme",
        ),
    ];
    let query = proxy_query(PROXY, &["repository:library/alpine:pull"]);
    for (holder, scopes, expected) in cases {
        let (_, user, secret) = s.token(holder, scopes);
        let (status, body) = s.get_token(&query, Some((&user, &secret)));
        let (code, message) = error_of(&body);
        assert_eq!(
            (status, code.as_str()),
            (403, "DENIED"),
            "{holder:?} {scopes:?}"
        );
        assert!(
            message.contains(expected),
            "{holder:?} {scopes:?}: {message}"
        );
    }
    // a proxy without a group takes any group token with both scopes
    let (_, user, secret) = s.token(HolderRef::Group("other"), BOTH);
    let (status, _) = s.get_token(
        &proxy_query(OPEN_PROXY, &["repository:x:pull"]),
        Some((&user, &secret)),
    );
    assert_eq!(status, 200);
    // ... but a GitLab-style name checks the group in the path
    let gitlab_name = "repository:acme/dependency_proxy/containers/alpine:pull";
    let (status, body) = s.get_token(
        &proxy_query(OPEN_PROXY, &[gitlab_name]),
        Some((&user, &secret)),
    );
    assert_eq!(status, 403);
    assert!(error_of(&body).1.contains("group acme"), "{body}");
}

#[test]
fn anonymous_and_bad_credentials_are_401() {
    let s = TestServer::start();
    s.seed();
    let query = proxy_query(PROXY, &["repository:library/alpine:pull"]);
    let (status, body) = s.get_token(&query, None);
    assert_eq!(
        (status, error_of(&body).1.as_str()),
        (401, "authentication required")
    );
    let (id, user, secret) = s.token(HolderRef::Group("acme"), BOTH);
    let (status, _) = s.get_token(&query, Some((&user, "gldt-wrong")));
    assert_eq!(status, 401);
    s.app.revoke_deploy_token(id).unwrap();
    let (status, body) = s.get_token(&query, Some((&user, &secret)));
    assert_eq!(
        (status, error_of(&body).1.as_str()),
        (401, "invalid username or token")
    );
}

#[test]
fn registry_and_proxy_tokens_are_not_interchangeable() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) = s.token(HolderRef::Group("acme"), BOTH);
    let (_, body) = s.get_token(&proxy_query(PROXY, &[]), Some((&user, &secret)));
    let proxy_jwt = body["token"].as_str().unwrap().to_owned();
    let (_, body) = s.get_token(&proxy_query(SERVICE, &[]), Some((&user, &secret)));
    let registry_jwt = body["token"].as_str().unwrap().to_owned();
    // each token names its own audience only
    assert_eq!(s.verify_for(&proxy_jwt, PROXY).1["aud"], PROXY);
    assert_eq!(s.verify(&registry_jwt).1["aud"], SERVICE);
    // refresh tokens are bound to the service they were issued for
    let refresh = s.refresh_token(&user, &secret, SERVICE);
    assert_eq!(s.refresh(&refresh, PROXY).0, 401);
    assert_eq!(s.refresh(&refresh, SERVICE).0, 200);
}
