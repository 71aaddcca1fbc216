use super::*;

fn project() -> Holder {
    Holder::Project {
        id: 1,
        path: "acme/app".into(),
    }
}

fn group() -> Holder {
    Holder::Group {
        id: 2,
        path: "acme".into(),
    }
}

#[test]
fn grammar_exact_paths_and_a_trailing_star() {
    let exact = RepositoryPattern::parse("acme/app/web").unwrap();
    assert_eq!(exact, RepositoryPattern::Exact("acme/app/web".into()));
    let below = RepositoryPattern::parse(" acme/app/cache/* ").unwrap();
    assert_eq!(below, RepositoryPattern::Below("acme/app/cache".into()));
    assert_eq!(below.to_string(), "acme/app/cache/*");
    for bad in [
        "",
        " ",
        "*",
        "/*",
        "acme/*/web",
        "acme/app*",
        "acme/app/**",
        "acme/app/*/*",
        "acme/app/",
        "/acme/app",
        "acme//app",
        "Acme/app",
        "acme/../app",
        "localhost:5000/acme/app",
        "acme/app:tag",
        "acme/app web",
        "acme/app,acme/db",
    ] {
        assert_eq!(
            RepositoryPattern::parse(bad),
            Err(PatternError::Invalid(bad.into())),
            "{bad:?}"
        );
    }
}

#[test]
fn exact_matches_itself_only_and_star_everything_below_at_any_depth() {
    let table = [
        ("acme/app/web", "acme/app/web", true),
        ("acme/app/web", "acme/app/web/x", false),
        ("acme/app/web", "acme/app/webx", false),
        ("acme/app/web", "acme/app", false),
        ("acme/app/cache/*", "acme/app/cache/a", true),
        ("acme/app/cache/*", "acme/app/cache/a/b/c", true),
        ("acme/app/cache/*", "acme/app/cache", false),
        ("acme/app/cache/*", "acme/app/cachex/a", false),
        ("acme/app/cache/*", "acme/app/db", false),
    ];
    for (pattern, repository, expected) in table {
        let p = RepositoryPattern::parse(pattern).unwrap();
        assert_eq!(p.matches(repository), expected, "{pattern} vs {repository}");
    }
}

#[test]
fn patterns_must_lie_inside_the_holder() {
    let table = [
        (project(), "acme/app", true),
        (project(), "acme/app/web", true),
        (project(), "acme/app/*", true),
        (project(), "acme/app/cache/*", true),
        (project(), "acme/*", false),
        (project(), "acme/other", false),
        (project(), "acme/application", false),
        (project(), "acme", false),
        (group(), "acme/app/web", true),
        (group(), "acme/*", true),
        (group(), "acme/app/*", true),
        (group(), "acme", false),
        (group(), "acmex/app", false),
        (group(), "other/app/*", false),
    ];
    for (holder, pattern, expected) in table {
        let p = RepositoryPattern::parse(pattern).unwrap();
        assert_eq!(p.within(&holder), expected, "{pattern} in {holder:?}");
    }
}

#[test]
fn lists_are_deduplicated_non_empty_bounded_and_round_trip() {
    let list =
        RepositoryPatterns::parse(["acme/app/web", "acme/app/cache/*", "acme/app/web"]).unwrap();
    assert_eq!(list.names(), ["acme/app/web", "acme/app/cache/*"]);
    assert_eq!(list.to_stored(), "acme/app/web,acme/app/cache/*");
    assert_eq!(
        RepositoryPatterns::from_stored(&list.to_stored()),
        Ok(list.clone())
    );
    assert!(list.matches("acme/app/cache/redis"));
    assert!(!list.matches("acme/app/db"));
    assert_eq!(RepositoryPatterns::parse([]), Err(PatternError::Empty));
    let many: Vec<String> = (0..=MAX_PATTERNS)
        .map(|i| format!("acme/app/{i}"))
        .collect();
    assert_eq!(
        RepositoryPatterns::parse(many.iter().map(String::as_str)),
        Err(PatternError::TooMany)
    );
    assert!(RepositoryPatterns::parse(many[..MAX_PATTERNS].iter().map(String::as_str)).is_ok());
}

#[test]
fn the_first_pattern_outside_is_named() {
    let list = RepositoryPatterns::parse(["acme/app/web", "acme/db/*"]).unwrap();
    assert_eq!(list.check_within(&group()), Ok(()));
    assert_eq!(
        list.check_within(&project()),
        Err(PatternError::OutsideHolder {
            pattern: "acme/db/*".into(),
            holder: "acme/app".into()
        })
    );
}
