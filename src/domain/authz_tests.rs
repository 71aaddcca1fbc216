//! The authorization matrix as a table.

use super::*;
use crate::domain::fixtures::{NOW, deploy_token, projects};
use crate::domain::namespace::repository_in;
use crate::domain::scope::parse_all;
use crate::domain::token::{DeployToken, Holder};
use time::macros::datetime;

fn token(holder: Holder, scopes: &[&str]) -> DeployToken {
    deploy_token(10, "ci", "gitlab+deploy-token-10", holder, scopes)
}

fn project(id: i64, path: &str) -> Holder {
    Holder::Project {
        id,
        path: path.into(),
    }
}

fn group(path: &str) -> Holder {
    Holder::Group {
        id: 99,
        path: path.into(),
    }
}

/// Run `grant` for one request string and print the outcome compactly.
fn outcome(credential: Credential<'_>, scopes: &str, now: OffsetDateTime) -> String {
    let all = projects();
    let requested = parse_all([scopes]).unwrap();
    let lookup = |repo: &str| {
        all.iter()
            .filter(|p| repository_in(repo, &p.path))
            .max_by_key(|p| p.path.len())
    };
    match grant(&requested, credential, lookup, now) {
        Ok(g) => format!("ok [{}]", g.scope_string()),
        Err(Refusal::Unauthorized(m)) => format!("401 {m}"),
        Err(Refusal::Denied(m)) => format!("403 {m}"),
    }
}

const RW: &[&str] = &["read_registry", "write_registry"];
const RO: &[&str] = &["read_registry"];
const WO: &[&str] = &["write_registry"];

#[test]
fn deploy_token_matrix() {
    let api = project(1, "acme/backend/api");
    let cases: &[(Holder, &[&str], &str, &str)] = &[
        // project token: its project and repositories below it
        (
            api.clone(),
            RW,
            "repository:acme/backend/api:pull,push",
            "ok [repository:acme/backend/api:pull,push]",
        ),
        (
            api.clone(),
            RW,
            "repository:acme/backend/api/web:push,pull",
            "ok [repository:acme/backend/api/web:pull,push]",
        ),
        (
            api.clone(),
            RW,
            "repository:acme/backend/api/a/b:pull",
            "ok [repository:acme/backend/api/a/b:pull]",
        ),
        (
            api.clone(),
            RW,
            "repository:acme/backend/apix:pull",
            "ok []",
        ),
        (
            api.clone(),
            RW,
            "repository:acme/frontend/web:pull",
            "ok []",
        ),
        (
            api.clone(),
            RO,
            "repository:acme/backend/api:pull,push",
            "ok [repository:acme/backend/api:pull]",
        ),
        (
            api.clone(),
            WO,
            "repository:acme/backend/api:pull,push",
            "ok [repository:acme/backend/api:push]",
        ),
        // never delete, never *, never catalog
        (
            api.clone(),
            RW,
            "repository:acme/backend/api:delete",
            "ok []",
        ),
        (
            api.clone(),
            RW,
            "repository:acme/backend/api:*",
            "ok [repository:acme/backend/api:pull,push]",
        ),
        (api.clone(), RW, "registry:catalog:*", "ok []"),
        // group tokens: own group, subgroups; never parent or sibling
        (
            group("acme/backend"),
            RW,
            "repository:acme/backend/api:push",
            "ok [repository:acme/backend/api:push]",
        ),
        (
            group("acme/backend"),
            RW,
            "repository:acme/backend/sub/deep/img:pull",
            "ok [repository:acme/backend/sub/deep/img:pull]",
        ),
        (
            group("acme/backend"),
            RW,
            "repository:acme/frontend/web:pull",
            "ok []",
        ),
        (
            group("acme"),
            RO,
            "repository:acme/frontend/web:pull",
            "ok [repository:acme/frontend/web:pull]",
        ),
        (
            group("acme/backend/sub"),
            RW,
            "repository:acme/backend/api:pull",
            "ok []",
        ),
        (group("acme"), RW, "repository:other/app:pull", "ok []"),
        (
            group("acm"),
            RW,
            "repository:acme/backend/api:pull",
            "ok []",
        ),
        // unknown repository
        (group("acme"), RW, "repository:acme:pull", "ok []"),
        // visibility and registry access
        (
            api.clone(),
            RO,
            "repository:acme/pub:pull,push",
            "ok [repository:acme/pub:pull]",
        ),
        (api.clone(), RO, "repository:acme/pubpriv:pull", "ok []"),
        (
            group("acme"),
            RO,
            "repository:acme/pubpriv:pull",
            "ok [repository:acme/pubpriv:pull]",
        ),
        (group("acme"), RW, "repository:acme/off:pull,push", "ok []"),
        (api.clone(), RO, "repository:acme/internal:pull", "ok []"),
        // several scopes: merged per name, de-duplicated, order kept
        (
            group("acme/backend"),
            RW,
            "repository:acme/backend/api:pull repository:acme/pub:pull repository:acme/backend/api:push repository:acme/backend/api:pull",
            "ok [repository:acme/backend/api:pull,push repository:acme/pub:pull]",
        ),
        // unknown types are dropped
        (api.clone(), RW, "widget:acme/backend/api:pull", "ok []"),
        (
            api.clone(),
            RW,
            "repository(plugin):acme/backend/api:pull",
            "ok [repository(plugin):acme/backend/api:pull]",
        ),
        // a token without registry scopes has nothing to do here
        (
            api.clone(),
            &["read_repository", "read_package_registry"],
            "repository:acme/backend/api:pull",
            "403 this deploy token has neither read_registry nor write_registry scope",
        ),
    ];
    for (holder, scopes, request, expected) in cases {
        let t = token(holder.clone(), scopes);
        let got = outcome(Credential::DeployToken(&t), request, NOW);
        assert_eq!(&got, expected, "{holder:?} {scopes:?} asking {request}");
    }
}

#[test]
fn login_without_scope_gets_an_empty_token() {
    let t = token(project(1, "acme/backend/api"), RO);
    let requested = [];
    let g = grant(&requested, Credential::DeployToken(&t), |_| None, NOW).unwrap();
    assert!(g.access().is_empty());
    assert_eq!(g.subject(), "gitlab+deploy-token-10");
    assert_eq!(g.auth_type(), AuthType::DeployToken);
}

#[test]
fn anonymous_matrix() {
    let cases = [
        ("repository:acme/pub:pull", "ok [repository:acme/pub:pull]"),
        (
            "repository:acme/pub:pull repository:acme/pub:pull",
            "ok [repository:acme/pub:pull]",
        ),
        (
            "repository:acme/pub:push,pull",
            "ok [repository:acme/pub:pull]",
        ),
        ("repository:acme/pub:push", "401 authentication required"),
        (
            "repository:acme/backend/api:pull",
            "401 authentication required",
        ),
        (
            "repository:acme/pubpriv:pull",
            "401 authentication required",
        ),
        ("repository:acme/off:pull", "401 authentication required"),
        (
            "repository:acme/internal:pull",
            "401 authentication required",
        ),
        ("registry:catalog:*", "401 authentication required"),
        ("", "401 authentication required"),
    ];
    for (request, expected) in cases {
        assert_eq!(
            outcome(Credential::Anonymous, request, NOW),
            expected,
            "{request}"
        );
    }
}

#[test]
fn revoked_and_expired_tokens_are_unauthorized() {
    let mut t = token(project(1, "acme/backend/api"), RW);
    let ask = "repository:acme/backend/api:pull";
    t.revoked = true;
    assert_eq!(
        outcome(Credential::DeployToken(&t), ask, NOW),
        "401 invalid username or token"
    );
    t.revoked = false;
    let at = datetime!(2026-12-01 0:00 UTC);
    t.expires_at = Some(at);
    let just_before = at - time::Duration::seconds(1);
    assert_eq!(
        outcome(Credential::DeployToken(&t), ask, just_before),
        "ok [repository:acme/backend/api:pull]"
    );
    assert_eq!(
        outcome(Credential::DeployToken(&t), ask, at),
        "401 invalid username or token"
    );
    // expired tokens are refused even where a public project would let anyone pull
    assert_eq!(
        outcome(Credential::DeployToken(&t), "repository:acme/pub:pull", at),
        "401 invalid username or token"
    );
}
