//! The dependency-proxy rules as a table.

use super::*;
use crate::domain::fixtures::{NOW, deploy_token};
use crate::domain::scope::parse_all;
use crate::domain::token::DeployToken;

fn token(holder: Holder, scopes: &[&str]) -> DeployToken {
    deploy_token(3, "proxy", "gitlab+deploy-token-3", holder, scopes)
}

fn group(path: &str) -> Holder {
    Holder::Group {
        id: 1,
        path: path.into(),
    }
}

fn outcome(credential: Credential<'_>, proxy_group: Option<&str>, scopes: &str) -> String {
    let proxy = ProxyService {
        service: "dependency_proxy".into(),
        group: proxy_group.map(str::to_owned),
    };
    match grant_proxy(&parse_all([scopes]).unwrap(), credential, &proxy, NOW) {
        Ok(g) => format!("ok [{}]", g.scope_string()),
        Err(Refusal::Unauthorized(m)) => format!("401 {m}"),
        Err(Refusal::Denied(m)) => format!("403 {m}"),
    }
}

const BOTH: &[&str] = &["read_registry", "write_registry"];

/// Token holder, its scopes, the proxy's group, the request, the expected outcome.
type Case = (
    Holder,
    &'static [&'static str],
    Option<&'static str>,
    &'static str,
    &'static str,
);

#[test]
fn proxy_matrix() {
    let project = Holder::Project {
        id: 1,
        path: "acme/app".into(),
    };
    let cases: &[Case] = &[
        (
            group("acme"),
            BOTH,
            Some("acme"),
            "repository:library/alpine:pull",
            "ok [repository:library/alpine:pull]",
        ),
        (
            group("acme"),
            BOTH,
            Some("acme/sub"),
            "repository:alpine:pull,push",
            "ok [repository:alpine:pull]",
        ),
        (
            group("acme"),
            BOTH,
            None,
            "repository:alpine:*",
            "ok [repository:alpine:pull]",
        ),
        (
            group("acme"),
            BOTH,
            None,
            "repository:alpine:delete registry:catalog:*",
            "ok []",
        ),
        (group("acme"), BOTH, None, "", "ok []"),
        (
            group("acme/sub"),
            BOTH,
            Some("acme"),
            "repository:alpine:pull",
            "403 this deploy token belongs to group acme/sub, which does not cover the dependency proxy of group acme",
        ),
        (
            group("other"),
            BOTH,
            Some("acme"),
            "",
            "403 this deploy token belongs to group other, which does not cover the dependency proxy of group acme",
        ),
        (
            group("acm"),
            BOTH,
            Some("acme"),
            "",
            "403 this deploy token belongs to group acm, which does not cover the dependency proxy of group acme",
        ),
        (
            group("acme"),
            &["read_registry"],
            Some("acme"),
            "repository:alpine:pull",
            "403 the dependency proxy needs a deploy token with both read_registry and write_registry; this one lacks write_registry",
        ),
        (
            group("acme"),
            &["read_repository"],
            None,
            "",
            "403 the dependency proxy needs a deploy token with both read_registry and write_registry; this one lacks read_registry and write_registry",
        ),
        (
            project,
            BOTH,
            None,
            "repository:alpine:pull",
            "403 the dependency proxy needs a group deploy token; this is a project deploy token",
        ),
        // GitLab-style names: the group in the path is checked
        (
            group("acme"),
            BOTH,
            None,
            "repository:acme/sub/dependency_proxy/containers/alpine:pull",
            "ok [repository:acme/sub/dependency_proxy/containers/alpine:pull]",
        ),
        (
            group("acme"),
            BOTH,
            None,
            "repository:other/dependency_proxy/containers/alpine:pull",
            "403 this deploy token belongs to group acme, which does not cover the dependency proxy of group other",
        ),
    ];
    for (holder, scopes, proxy_group, request, expected) in cases {
        let t = token(holder.clone(), scopes);
        let got = outcome(Credential::DeployToken(&t), *proxy_group, request);
        assert_eq!(
            &got, expected,
            "{holder:?} {scopes:?} proxy of {proxy_group:?} asking {request}"
        );
    }
}

#[test]
fn anonymous_revoked_and_expired_are_unauthorized() {
    assert_eq!(
        outcome(Credential::Anonymous, None, "repository:alpine:pull"),
        "401 authentication required"
    );
    let mut t = token(group("acme"), BOTH);
    t.revoked = true;
    assert_eq!(
        outcome(Credential::DeployToken(&t), None, ""),
        "401 invalid username or token"
    );
    t.revoked = false;
    t.expires_at = Some(NOW);
    assert_eq!(
        outcome(Credential::DeployToken(&t), None, ""),
        "401 invalid username or token"
    );
}

#[test]
fn gitlab_style_names() {
    assert_eq!(
        gitlab_group("acme/dependency_proxy/containers/alpine"),
        Some("acme")
    );
    assert_eq!(
        gitlab_group("a/b/dependency_proxy/containers/library/x"),
        Some("a/b")
    );
    assert_eq!(gitlab_group("library/alpine"), None);
    assert_eq!(gitlab_group("/dependency_proxy/containers/x"), None);
}

#[test]
fn restricted_tokens_pull_only_matching_images_by_their_path_in_the_group() {
    let mut t = token(group("acme"), BOTH);
    t.repositories = Some(
        crate::domain::repository_pattern::RepositoryPatterns::parse([
            "acme/dependency_proxy/containers/library/*",
            "acme/sub/dependency_proxy/containers/nginx",
        ])
        .unwrap(),
    );
    let ask = |proxy_group, scopes| outcome(Credential::DeployToken(&t), proxy_group, scopes);
    let cases = [
        (
            Some("acme"),
            "repository:library/alpine:pull",
            "ok [repository:library/alpine:pull]",
        ),
        (Some("acme"), "repository:nginx:pull", "ok []"),
        // Without a group the proxy gives plain names no path a pattern could match.
        (None, "repository:library/alpine:pull", "ok []"),
        (
            None,
            "repository:acme/sub/dependency_proxy/containers/nginx:pull",
            "ok [repository:acme/sub/dependency_proxy/containers/nginx:pull]",
        ),
        (
            None,
            "repository:acme/sub/dependency_proxy/containers/redis:pull",
            "ok []",
        ),
        (
            None,
            "repository:other/dependency_proxy/containers/library/x:pull",
            "403 this deploy token belongs to group acme, which does not cover the dependency proxy of group other",
        ),
    ];
    for (proxy_group, scopes, expected) in cases {
        assert_eq!(
            ask(proxy_group, scopes),
            expected,
            "{proxy_group:?} {scopes}"
        );
    }
    let proxy = |group: Option<&str>| ProxyService {
        service: "dependency_proxy".into(),
        group: group.map(str::to_owned),
    };
    assert_eq!(
        image_path("library/alpine", &proxy(Some("acme"))).as_deref(),
        Some("acme/dependency_proxy/containers/library/alpine")
    );
    assert_eq!(image_path("library/alpine", &proxy(None)), None);
}
