//! Scope parsing as tables: canonical printing, the colon rules, malformed input.

use super::*;

#[test]
fn parses_and_prints_canonically() {
    let cases = [
        ("repository:acme/app:pull", "repository:acme/app:pull"),
        (
            "repository:acme/app:push,pull",
            "repository:acme/app:pull,push",
        ),
        (
            "repository:a/b:pull,pull,push,pull",
            "repository:a/b:pull,push",
        ),
        ("repository:a/b:*", "repository:a/b:*"),
        ("registry:catalog:*", "registry:catalog:*"),
        (
            "repository:127.0.0.1:5000/g/p:pull",
            "repository:127.0.0.1:5000/g/p:pull",
        ),
        ("repository(plugin):g/p:pull", "repository(plugin):g/p:pull"),
        ("repository:g/p:pull,frobnicate", "repository:g/p:pull"),
        ("repository:g/p:", "repository:g/p:"),
    ];
    for (input, printed) in cases {
        let scope: ResourceScope = input.parse().unwrap();
        assert_eq!(scope.to_string(), printed, "{input}");
        let again: ResourceScope = printed.parse().unwrap();
        assert_eq!(again.to_string(), printed, "round trip of {input}");
    }
}

#[test]
fn splits_type_at_first_colon_and_actions_at_last() {
    let s: ResourceScope = "repository:localhost:5000/g/p:pull,push".parse().unwrap();
    assert_eq!(s.resource_type, "repository");
    assert_eq!(s.name, "localhost:5000/g/p");
    assert_eq!(s.actions.names(), vec!["pull", "push"]);
    assert!(!s.wildcard);
    let c: ResourceScope = "repository(plugin):g/p:pull".parse().unwrap();
    assert_eq!(c.base_type(), "repository");
}

#[test]
fn star_expands_to_every_action() {
    let s: ResourceScope = "repository:g/p:*".parse().unwrap();
    assert!(s.wildcard);
    assert_eq!(s.actions, Actions::ALL);
}

#[test]
fn malformed_scopes_are_rejected() {
    for bad in [
        "repository:g/p",
        "repository",
        ":g/p:pull",
        "repository::pull",
        "repo sitory:g:pull",
        "repository(:g:pull",
        "repository():g:pull",
        "",
    ] {
        assert!(bad.parse::<ResourceScope>().is_err(), "{bad:?} should fail");
    }
}

#[test]
fn parse_all_splits_on_whitespace_and_keeps_duplicates() {
    let scopes = parse_all(["repository:a:pull repository:b:push", "repository:a:pull"]).unwrap();
    let printed: Vec<String> = scopes.iter().map(ToString::to_string).collect();
    assert_eq!(
        printed,
        [
            "repository:a:pull",
            "repository:b:push",
            "repository:a:pull"
        ]
    );
    assert!(parse_all(["repository:a:pull bad"]).is_err());
    assert!(parse_all(Vec::<&str>::new()).unwrap().is_empty());
}

#[test]
fn repository_scopes_need_a_repository_name() {
    for bad in [
        "repository:acme/../other:pull",
        "repository:acme/App:pull",
        "repository:acme//app:pull",
        "repository:/acme/app:pull",
        "repository(plugin):acme/app/:pull",
        "repository:acme/a\u{1}b:pull",
    ] {
        assert_eq!(
            bad.parse::<ResourceScope>(),
            Err(ScopeError::RepositoryName(bad.to_owned())),
            "{bad:?}"
        );
    }
    // Other types keep their names: unknown ones are simply granted nothing.
    for other in [
        "registry:catalog:*",
        "registry:Catalog:*",
        "unknown:a//b:pull",
    ] {
        assert!(other.parse::<ResourceScope>().is_ok(), "{other:?}");
    }
}
