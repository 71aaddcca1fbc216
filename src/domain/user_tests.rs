//! Administrators, scopes and usernames as tables.

use super::*;
use crate::domain::fixtures::project_facts;
use crate::domain::namespace::Visibility;
use crate::domain::role::AccessLevel;

fn project(id: i64, path: &str) -> ProjectFacts {
    project_facts(id, path, Visibility::Private)
}

#[test]
fn administrators_are_owners_everywhere() {
    let credential = |is_admin| UserCredential {
        user: User {
            id: 1,
            username: "root".into(),
            is_admin,
            created_at: OffsetDateTime::UNIX_EPOCH,
            blocked: false,
        },
        token: PersonalAccessToken {
            id: 1,
            user_id: 1,
            name: "t".into(),
            scopes: PatScopes::parse(["api"]).unwrap(),
            expires_at: None,
            revoked: false,
            created_at: OffsetDateTime::UNIX_EPOCH,
            last_used_at: None,
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
        "a\nb",
        "a\tb",
        "a\u{1b}",
        &"x".repeat(256),
    ] {
        assert_eq!(
            validate_username(bad),
            Err(UserError::InvalidUsername),
            "{bad}"
        );
    }
}
