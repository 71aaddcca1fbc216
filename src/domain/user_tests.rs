//! Roles, scopes and usernames as tables.

use super::*;
use crate::domain::namespace::{RegistryAccess, Visibility};

fn project(id: i64, path: &str) -> ProjectFacts {
    ProjectFacts {
        id,
        path: path.into(),
        visibility: Visibility::Private,
        registry: RegistryAccess::Enabled,
    }
}

fn group(id: i64, path: &str, level: AccessLevel) -> Membership {
    Membership {
        of: MemberOf::Group {
            id,
            path: path.into(),
        },
        level,
    }
}

fn on_project(id: i64, path: &str, level: AccessLevel) -> Membership {
    Membership {
        of: MemberOf::Project {
            id,
            path: path.into(),
        },
        level,
    }
}

#[test]
fn effective_role_is_the_highest_applicable_membership() {
    use AccessLevel::*;
    let api = project(1, "acme/backend/api");
    let cases: Vec<(Vec<Membership>, Option<AccessLevel>)> = vec![
        (vec![], None),
        (
            vec![on_project(1, "acme/backend/api", Developer)],
            Some(Developer),
        ),
        (vec![on_project(2, "acme/frontend/web", Owner)], None),
        (vec![group(1, "acme", Reporter)], Some(Reporter)),
        (vec![group(2, "acme/backend", Maintainer)], Some(Maintainer)),
        // a group's role reaches all projects below it, however deep
        (vec![group(1, "acme", Guest)], Some(Guest)),
        // the highest wins, whether it comes from the project or an ancestor
        (
            vec![
                group(1, "acme", Owner),
                on_project(1, "acme/backend/api", Guest),
            ],
            Some(Owner),
        ),
        (
            vec![
                group(1, "acme", Reporter),
                group(2, "acme/backend", Developer),
                on_project(1, "acme/backend/api", Maintainer),
            ],
            Some(Maintainer),
        ),
        // siblings, lookalike prefixes and subgroups below the project's group do not count
        (vec![group(3, "acme/frontend", Owner)], None),
        (vec![group(4, "acm", Owner)], None),
        (vec![group(5, "acme/backend/api-tools", Owner)], None),
        (vec![group(6, "other", Owner)], None),
    ];
    for (memberships, expected) in cases {
        let m = Memberships(memberships.clone());
        assert_eq!(m.role_on_project(&api), expected, "{memberships:?}");
    }
}

#[test]
fn group_roles_inherit_downwards_only() {
    use AccessLevel::*;
    let m = Memberships(vec![
        group(2, "acme/backend", Maintainer),
        on_project(1, "acme/backend/api", Owner),
    ]);
    assert_eq!(m.role_on_group("acme/backend"), Some(Maintainer));
    assert_eq!(m.role_on_group("acme/backend/sub"), Some(Maintainer));
    assert_eq!(m.role_on_group("acme"), None, "never upwards");
    assert_eq!(m.role_on_group("acme/backend-x"), None);
    assert_eq!(
        m.role_on_group("acme/backend/api"),
        Some(Maintainer),
        "a project membership is not a group role"
    );
}

#[test]
fn administrators_are_owners_everywhere() {
    let credential = |is_admin| UserCredential {
        user: User {
            id: 1,
            username: "root".into(),
            is_admin,
            created_at: OffsetDateTime::UNIX_EPOCH,
        },
        token: PersonalAccessToken {
            id: 1,
            user_id: 1,
            name: "t".into(),
            scopes: PatScopes::parse(["api"]).unwrap(),
            expires_at: None,
            revoked: false,
            created_at: OffsetDateTime::UNIX_EPOCH,
        },
        memberships: Memberships::default(),
    };
    let p = project(9, "x/y");
    assert_eq!(
        credential(true).role_on_project(&p),
        Some(AccessLevel::Owner)
    );
    assert_eq!(credential(false).role_on_project(&p), None);
}

#[test]
fn access_levels_parse_by_name_or_number() {
    for (text, level) in [
        ("guest", AccessLevel::Guest),
        ("Reporter", AccessLevel::Reporter),
        ("30", AccessLevel::Developer),
        ("MAINTAINER", AccessLevel::Maintainer),
        ("50", AccessLevel::Owner),
    ] {
        assert_eq!(text.parse::<AccessLevel>(), Ok(level), "{text}");
    }
    for bad in ["admin", "15", "", "0"] {
        assert!(bad.parse::<AccessLevel>().is_err(), "{bad}");
    }
    assert_eq!(AccessLevel::from_value(40), Some(AccessLevel::Maintainer));
    assert_eq!(AccessLevel::from_value(45), None);
    assert_eq!(AccessLevel::Developer.to_string(), "developer (30)");
    assert!(AccessLevel::Reporter < AccessLevel::Developer);
}

#[test]
fn scopes_decide_api_and_registry_use() {
    // (scopes, reads_api, writes_api, reads_registry, writes_registry)
    let cases: &[(&[&str], [bool; 4])] = &[
        (&["api"], [true, true, true, true]),
        (&["read_api"], [true, false, false, false]),
        (&["read_registry"], [false, false, true, false]),
        (&["write_registry"], [false, false, true, true]),
        (&["read_api", "read_registry"], [true, false, true, false]),
    ];
    for (words, expected) in cases {
        let s = PatScopes::parse(words.iter().copied()).unwrap();
        let got = [
            s.reads_api(),
            s.writes_api(),
            s.reads_registry(),
            s.writes_registry(),
        ];
        assert_eq!(&got, expected, "{words:?}");
    }
    let s = PatScopes::parse(["write_registry", "api", "api"]).unwrap();
    assert_eq!(s.to_stored(), "api,write_registry");
    assert_eq!(
        PatScopes::parse(["sudo"]),
        Err(UserError::UnknownScope("sudo".into()))
    );
    assert_eq!(PatScopes::parse([" "]), Err(UserError::NoScope));
}

#[test]
fn usernames() {
    for ok in ["alice", "a", "_bot", "j.doe-2", "A_B"] {
        assert!(validate_username(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "-x",
        ".x",
        "x.",
        "a b",
        "gitlab+deploy-token-1",
        "a/b",
        "é",
        &"x".repeat(256),
    ] {
        assert_eq!(
            validate_username(bad),
            Err(UserError::InvalidUsername),
            "{bad}"
        );
    }
}
