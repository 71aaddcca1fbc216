//! The authorization matrix for users with personal access tokens, as a table.

use super::*;
use crate::domain::fixtures::{NOW, projects};
use crate::domain::namespace::repository_in;
use crate::domain::role::{AccessLevel, MemberOf, Membership, Memberships};
use crate::domain::scope::parse_all;
use crate::domain::user::{PatScopes, PersonalAccessToken, User, UserCredential};
use time::macros::datetime;

/// Who asks: a role (on project 1, or on group `acme` when `on_group`), scopes, admin flag.
struct Who {
    role: Option<AccessLevel>,
    on_group: bool,
    scopes: &'static [&'static str],
    admin: bool,
}

fn credential(who: &Who) -> UserCredential {
    let of = if who.on_group {
        MemberOf::Group {
            id: 1,
            path: "acme".into(),
        }
    } else {
        MemberOf::Project {
            id: 1,
            path: "acme/backend/api".into(),
        }
    };
    UserCredential {
        user: User {
            id: 7,
            username: "alice".into(),
            is_admin: who.admin,
            created_at: datetime!(2026-01-01 0:00 UTC),
            blocked: false,
        },
        token: PersonalAccessToken {
            id: 3,
            user_id: 7,
            name: "laptop".into(),
            scopes: PatScopes::parse(who.scopes.iter().copied()).unwrap(),
            expires_at: None,
            revoked: false,
            created_at: datetime!(2026-01-01 0:00 UTC),
            last_used_at: None,
        },
        memberships: Memberships(
            who.role
                .map(|level| Membership { of, level })
                .into_iter()
                .collect(),
        ),
    }
}

fn outcome(user: &UserCredential, scopes: &str, now: OffsetDateTime) -> String {
    let all = projects();
    let requested = parse_all([scopes]).unwrap();
    let lookup = |repo: &str| {
        all.iter()
            .filter(|p| repository_in(repo, &p.path))
            .max_by_key(|p| p.path.len())
    };
    match grant(&requested, Credential::User(user), lookup, now) {
        Ok(g) => {
            assert_eq!(g.subject(), "alice");
            assert_eq!(g.auth_type(), AuthType::PersonalAccessToken);
            format!("ok [{}]", g.scope_string())
        }
        Err(Refusal::Unauthorized(m)) => format!("401 {m}"),
        Err(Refusal::Denied(m)) => format!("403 {m}"),
    }
}

const API: &[&str] = &["api"];
const RR: &[&str] = &["read_registry"];
const WR: &[&str] = &["write_registry"];
const ALL: &str = "repository:acme/backend/api:*";

fn member(role: AccessLevel, scopes: &'static [&'static str]) -> Who {
    Who {
        role: Some(role),
        on_group: false,
        scopes,
        admin: false,
    }
}

#[test]
fn user_matrix() {
    use AccessLevel::*;
    let nobody = |scopes| Who {
        role: None,
        on_group: false,
        scopes,
        admin: false,
    };
    let cases: Vec<(Who, &str, &str)> = vec![
        // roles on a private project, with a token that may write
        (member(Guest, API), ALL, "ok []"),
        (
            member(Reporter, API),
            ALL,
            "ok [repository:acme/backend/api:pull]",
        ),
        (
            member(Developer, API),
            ALL,
            "ok [repository:acme/backend/api:pull,push]",
        ),
        (
            member(Maintainer, API),
            ALL,
            "ok [repository:acme/backend/api:pull,push,delete]",
        ),
        (
            member(Owner, WR),
            ALL,
            "ok [repository:acme/backend/api:pull,push,delete]",
        ),
        // a read-only token caps every role at pull
        (
            member(Owner, RR),
            ALL,
            "ok [repository:acme/backend/api:pull]",
        ),
        // repositories below the project
        (
            member(Developer, API),
            "repository:acme/backend/api/web:push",
            "ok [repository:acme/backend/api/web:push]",
        ),
        // a group role reaches the projects below the group
        (
            Who {
                role: Some(Developer),
                on_group: true,
                scopes: API,
                admin: false,
            },
            "repository:acme/frontend/web:pull,push",
            "ok [repository:acme/frontend/web:pull,push]",
        ),
        // a project role does not reach its siblings
        (
            member(Owner, API),
            "repository:acme/frontend/web:pull",
            "ok []",
        ),
        // visibility: public and internal projects are pullable by any user, never pushable
        (
            nobody(RR),
            "repository:acme/pub:pull,push",
            "ok [repository:acme/pub:pull]",
        ),
        (
            nobody(API),
            "repository:acme/internal:pull,push",
            "ok [repository:acme/internal:pull]",
        ),
        (nobody(API), "repository:acme/pubpriv:pull", "ok []"),
        (nobody(API), "repository:acme/off:pull", "ok []"),
        (
            Who {
                role: Some(Reporter),
                on_group: true,
                scopes: RR,
                admin: false,
            },
            "repository:acme/pubpriv:pull",
            "ok [repository:acme/pubpriv:pull]",
        ),
        (
            Who {
                role: Some(Owner),
                on_group: true,
                scopes: API,
                admin: false,
            },
            "repository:acme/off:pull,push",
            "ok []",
        ),
        // the catalog is for administrators only, granted as `*`
        (member(Owner, API), "registry:catalog:*", "ok []"),
        (
            Who {
                role: None,
                on_group: false,
                scopes: RR,
                admin: true,
            },
            "registry:catalog:*",
            "ok [registry:catalog:*]",
        ),
        // administrators hold every role on every project
        (
            Who {
                role: None,
                on_group: false,
                scopes: API,
                admin: true,
            },
            "repository:acme/frontend/web:*",
            "ok [repository:acme/frontend/web:pull,push,delete]",
        ),
        // a token that may not use the registry at all
        (
            member(Owner, &["read_api"]),
            ALL,
            "403 this personal access token has none of the scopes read_registry, write_registry or api",
        ),
        // unknown projects
        (member(Owner, API), "repository:nowhere/x:pull", "ok []"),
    ];
    for (who, request, expected) in cases {
        let got = outcome(&credential(&who), request, NOW);
        assert_eq!(
            got, expected,
            "role {:?} (group {}) scopes {:?} admin {} asking {request}",
            who.role, who.on_group, who.scopes, who.admin
        );
    }
}

#[test]
fn revoked_and_expired_personal_tokens_are_unauthorized() {
    let mut user = credential(&member(AccessLevel::Owner, API));
    let ask = "repository:acme/pub:pull";
    user.token.revoked = true;
    assert_eq!(outcome(&user, ask, NOW), "401 invalid username or token");
    user.token.revoked = false;
    let at = datetime!(2026-12-01 0:00 UTC);
    user.token.expires_at = Some(at);
    assert_eq!(
        outcome(&user, ask, at - time::Duration::seconds(1)),
        "ok [repository:acme/pub:pull]"
    );
    assert_eq!(outcome(&user, ask, at), "401 invalid username or token");
}

#[test]
fn login_without_scope_names_the_user() {
    let user = credential(&member(AccessLevel::Guest, RR));
    assert_eq!(outcome(&user, "", NOW), "ok []");
}

#[test]
fn personal_access_tokens_are_refused_at_the_dependency_proxy() {
    use crate::domain::proxy::{ProxyService, grant_proxy};
    let proxy = ProxyService {
        service: "dependency_proxy".into(),
        group: None,
    };
    let mut user = credential(&Who {
        role: None,
        on_group: false,
        scopes: API,
        admin: true,
    });
    let ask = parse_all(["repository:library/alpine:pull"]).unwrap();
    let refusal = grant_proxy(&ask, Credential::User(&user), &proxy, NOW).unwrap_err();
    assert!(
        matches!(&refusal, Refusal::Denied(m) if m.contains("needs a group deploy token")),
        "{refusal:?}"
    );
    user.token.revoked = true;
    let refusal = grant_proxy(&ask, Credential::User(&user), &proxy, NOW).unwrap_err();
    assert_eq!(refusal, Refusal::Unauthorized(BAD_CREDENTIALS));
}
