//! Registry grants of deploy tokens restricted to repository patterns, as a table.

use super::*;
use crate::domain::fixtures::{NOW, deploy_token, projects};
use crate::domain::namespace::repository_in;
use crate::domain::repository_pattern::RepositoryPatterns;
use crate::domain::scope::parse_all;
use crate::domain::token::Holder;

fn restricted(holder: Holder, patterns: &[&str]) -> DeployToken {
    let mut t = deploy_token(
        10,
        "ci",
        "bot",
        holder,
        &["read_registry", "write_registry"],
    );
    t.repositories = Some(RepositoryPatterns::parse(patterns.iter().copied()).unwrap());
    t
}

fn outcome(token: &DeployToken, scopes: &[&str]) -> String {
    let all = projects();
    let requested = parse_all(scopes.iter().copied()).unwrap();
    let lookup = |repo: &str| {
        all.iter()
            .filter(|p| repository_in(repo, &p.path))
            .max_by_key(|p| p.path.len())
    };
    match grant(&requested, Credential::DeployToken(token), lookup, NOW) {
        Ok(g) => format!("ok [{}]", g.scope_string()),
        Err(Refusal::Unauthorized(m)) => format!("401 {m}"),
        Err(Refusal::Denied(m)) => format!("403 {m}"),
    }
}

#[test]
fn only_matching_images_are_granted() {
    let api = Holder::Project {
        id: 1,
        path: "acme/backend/api".into(),
    };
    let web_only = restricted(api.clone(), &["acme/backend/api/web"]);
    let caches = restricted(api, &["acme/backend/api/cache/*"]);
    let group = Holder::Group {
        id: 99,
        path: "acme".into(),
    };
    let across = restricted(group, &["acme/backend/api", "acme/frontend/*"]);
    let pp = "pull,push";
    let cases: &[(&DeployToken, &[&str], &str)] = &[
        (
            &web_only,
            &["repository:acme/backend/api/web:pull,push"],
            "ok [repository:acme/backend/api/web:pull,push]",
        ),
        (
            &web_only,
            &["repository:acme/backend/api/db:pull,push"],
            "ok []",
        ),
        (&web_only, &["repository:acme/backend/api:pull"], "ok []"),
        (
            &web_only,
            &["repository:acme/backend/api/web/x:pull"],
            "ok []",
        ),
        // A cross-repository mount: the source outside the restriction gets nothing.
        (
            &web_only,
            &[
                "repository:acme/backend/api/web:pull,push",
                "repository:acme/backend/api/db:pull",
            ],
            "ok [repository:acme/backend/api/web:pull,push]",
        ),
        (
            &caches,
            &["repository:acme/backend/api/cache/redis:pull"],
            "ok [repository:acme/backend/api/cache/redis:pull]",
        ),
        (
            &caches,
            &["repository:acme/backend/api/cache/a/b:push"],
            "ok [repository:acme/backend/api/cache/a/b:push]",
        ),
        (
            &caches,
            &["repository:acme/backend/api/cache:pull"],
            "ok []",
        ),
        (
            &across,
            &["repository:acme/backend/api:pull"],
            "ok [repository:acme/backend/api:pull]",
        ),
        (
            &across,
            &["repository:acme/frontend/web/x:push"],
            "ok [repository:acme/frontend/web/x:push]",
        ),
        (&across, &["repository:acme/backend/sub/deep:pull"], "ok []"),
        // Outside the holder, a pattern never helps (none can be created, but even so).
        (
            &restricted(
                Holder::Group {
                    id: 99,
                    path: "acme".into(),
                },
                &["acme/*"],
            ),
            &["repository:other/app:pull"],
            "ok []",
        ),
        // Public images stay pullable by anyone, restricted tokens included; never pushable.
        (
            &web_only,
            &[&format!("repository:acme/pub/img:{pp}")],
            "ok [repository:acme/pub/img:pull]",
        ),
    ];
    for (token, scopes, expected) in cases {
        assert_eq!(outcome(token, scopes), *expected, "{scopes:?}");
    }
}

#[test]
fn a_pattern_written_outside_the_holder_grants_nothing_there() {
    let api = Holder::Project {
        id: 1,
        path: "acme/backend/api".into(),
    };
    let mut token = restricted(api, &["acme/backend/api/web"]);
    // As if the stored column had been edited by hand.
    token.repositories = Some(RepositoryPatterns::parse(["acme/frontend/web"]).unwrap());
    assert_eq!(
        outcome(&token, &["repository:acme/frontend/web:pull"]),
        "ok []"
    );
}
