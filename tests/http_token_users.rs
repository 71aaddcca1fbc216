//! Users at the token endpoint: username + personal access token, roles decide the actions,
//! every issued JWT verified; refresh tokens bound to the personal access token.

mod api_harness;
mod harness;

use api_harness::{member, member_user, token, user};
use harness::{SERVICE, TestServer, error_of};
use regauth::app::namespaces::HolderRef;
use regauth::domain::role::AccessLevel;

fn q(scopes: &[&str]) -> String {
    let mut query = format!("service={SERVICE}");
    for s in scopes {
        query.push_str("&scope=");
        query.push_str(s);
    }
    query
}

const ALL: &str = "repository:acme/backend/api:*";

#[test]
fn roles_decide_pull_push_and_delete() {
    use AccessLevel::*;
    let s = TestServer::start();
    s.seed();
    let api = HolderRef::Project("acme/backend/api");
    let cases = [
        (Guest, vec![]),
        (Reporter, vec!["repository:acme/backend/api:pull"]),
        (Developer, vec!["repository:acme/backend/api:pull,push"]),
        (
            Maintainer,
            vec!["repository:acme/backend/api:pull,push,delete"],
        ),
        (Owner, vec!["repository:acme/backend/api:pull,push,delete"]),
    ];
    for (level, expected) in cases {
        let name = format!("u{}", level.value());
        let secret = member_user(&s, &name, api, level);
        let (status, body) = s.get_token(&q(&[ALL]), Some((&name, &secret)));
        assert_eq!(status, 200, "{level}");
        let jwt = body["token"].as_str().unwrap();
        assert_eq!(s.access(jwt), expected, "{level}");
        let (_, claims) = s.verify(jwt);
        assert_eq!(claims["sub"], name.as_str());
        assert_eq!(claims["auth_type"], "personal_access_token");
        assert!(!jwt.contains(&secret));
    }
}

#[test]
fn group_roles_scopes_visibility_and_catalog() {
    let s = TestServer::start();
    s.seed();
    user(&s, "dev", false);
    member(&s, HolderRef::Group("acme"), "dev", AccessLevel::Developer);
    let read_only = token(&s, "dev", &["read_registry"], None);
    let write_only = token(&s, "dev", &["write_registry"], None);
    let api_only = token(&s, "dev", &["read_api"], None);
    let ask = q(&[
        "repository:acme/frontend/web:pull,push",
        "repository:other/app:pull",
    ]);
    let access = |secret: &str| {
        let (status, body) = s.get_token(&ask, Some(("dev", secret)));
        assert_eq!(status, 200);
        s.access(body["token"].as_str().unwrap())
    };
    assert_eq!(access(&read_only), ["repository:acme/frontend/web:pull"]);
    assert_eq!(
        access(&write_only),
        ["repository:acme/frontend/web:pull,push"]
    );
    let (status, body) = s.get_token(&ask, Some(("dev", &api_only)));
    assert_eq!(status, 403);
    assert_eq!(error_of(&body).0, "DENIED");
    assert!(error_of(&body).1.contains("read_registry"));

    // any user pulls public projects; only administrators get the catalog, as `*`
    let stranger = user(&s, "stranger", false);
    let (_, body) = s.get_token(
        &q(&["repository:acme/pub:pull,push", "registry:catalog:*"]),
        Some(("stranger", &stranger)),
    );
    assert_eq!(
        s.access(body["token"].as_str().unwrap()),
        ["repository:acme/pub:pull"]
    );
    let root = user(&s, "root", true);
    let (_, body) = s.get_token(&q(&["registry:catalog:*", ALL]), Some(("root", &root)));
    assert_eq!(
        s.access(body["token"].as_str().unwrap()),
        [
            "registry:catalog:*",
            "repository:acme/backend/api:pull,push,delete"
        ]
    );
}

#[test]
fn wrong_username_revoked_and_expired_tokens_get_the_same_401() {
    let s = TestServer::start();
    s.seed();
    let secret = member_user(&s, "alice", HolderRef::Group("acme"), AccessLevel::Owner);
    user(&s, "bob", false);
    let expiring = token(&s, "alice", &["read_registry"], Some("2026-11-26"));
    let ask = q(&["repository:acme/pub:pull"]);
    let refused = |user: &str, secret: &str| {
        let (status, body) = s.get_token(&ask, Some((user, secret)));
        assert_eq!(status, 401, "{user}");
        assert_eq!(
            error_of(&body),
            ("UNAUTHORIZED".into(), "invalid username or token".into())
        );
    };
    refused("bob", &secret);
    refused("Alice", &secret);
    refused("alice", "glpat-unknown");
    assert_eq!(s.get_token(&ask, Some(("alice", &expiring))).0, 200);
    s.clock.set(time::macros::datetime!(2026-11-26 00:00 UTC));
    refused("alice", &expiring);
    s.app.revoke_personal_token(1).unwrap();
    refused("alice", &secret);
}

#[test]
fn docker_login_refresh_tokens_follow_the_personal_token() {
    let s = TestServer::start();
    s.seed();
    let secret = member_user(
        &s,
        "alice",
        HolderRef::Group("acme"),
        AccessLevel::Developer,
    );
    let (status, body) = s.get_token(
        &format!(
            "{}&offline_token=true&client_id=docker&account=alice",
            q(&[])
        ),
        Some(("alice", &secret)),
    );
    assert_eq!(status, 200);
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    assert!(!refresh.contains(&secret));
    let form = |grant: &str| {
        s.post_token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", grant),
            ("service", SERVICE),
            ("scope", "repository:acme/backend/api:pull,push"),
            ("access_type", "offline"),
        ])
    };
    let (status, body) = form(&refresh);
    assert_eq!(status, 200);
    assert_eq!(body["scope"], "repository:acme/backend/api:pull,push");
    assert_eq!(
        body["refresh_token"],
        refresh.as_str(),
        "reused, never rotated"
    );
    let (_, claims) = s.verify(body["token"].as_str().unwrap());
    assert_eq!(claims["sub"], "alice");
    // revoking the personal access token kills its refresh tokens at once
    s.app.revoke_personal_token(1).unwrap();
    let (status, body) = form(&refresh);
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).0, "UNAUTHORIZED");

    // the password grant with a personal access token issues refresh tokens too
    let second = token(&s, "alice", &["read_registry"], None);
    let (status, body) = s.post_token(&[
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", &second),
        ("service", SERVICE),
        ("access_type", "offline"),
    ]);
    assert_eq!(status, 200);
    let again = body["refresh_token"].as_str().unwrap();
    let (status, body) = form(again);
    assert_eq!(status, 200);
    assert_eq!(body["scope"], "repository:acme/backend/api:pull");
}
