//! Forward-auth decisions for users (personal access tokens and roles), as a table.

use super::*;
use crate::domain::fixtures::{NOW, project_facts};
use crate::domain::role::{AccessLevel, MemberOf, Membership, Memberships};
use crate::domain::user::{PatScopes, PersonalAccessToken, User};
use time::macros::datetime;

fn facts(id: i64, path: &str, visibility: Visibility) -> ProjectFacts {
    project_facts(id, path, visibility)
}

/// `name` holding `role` on `of` (nothing when `None`), with a token of `scopes`.
fn user(name: &str, of: Option<MemberOf>, role: AccessLevel, scopes: &[&str]) -> UserCredential {
    UserCredential {
        user: User {
            id: 7,
            username: name.into(),
            is_admin: false,
            created_at: datetime!(2026-01-01 0:00 UTC),
            blocked: false,
        },
        token: PersonalAccessToken {
            id: 3,
            user_id: 7,
            name: "laptop".into(),
            scopes: PatScopes::parse(scopes.iter().copied()).unwrap(),
            expires_at: None,
            revoked: false,
            created_at: datetime!(2026-01-01 0:00 UTC),
            last_used_at: None,
        },
        memberships: Memberships(
            of.map(|of| Membership { of, level: role })
                .into_iter()
                .collect(),
        ),
    }
}

fn outcome(
    op: Operation,
    who: &UserCredential,
    project: Option<&ProjectFacts>,
    external: bool,
) -> String {
    let named = ProjectKey::Path(project.map_or("g/none".into(), |p| p.path.clone()));
    match decide(op, Credential::User(who), project, &named, external, NOW) {
        Ok(a) => format!("ok {}", a.subject()),
        Err(Refusal::Unauthorized(m)) => format!("401 {m}"),
        Err(Refusal::Denied(m)) => format!("403 {m}"),
    }
}

#[test]
fn user_decisions() {
    use AccessLevel::*;
    use Operation::*;
    let private = facts(1, "g/p", Visibility::Private);
    let sub = facts(2, "g/sub/q", Visibility::Private);
    let public = facts(3, "g/pub", Visibility::Public);
    let internal = facts(4, "g/int", Visibility::Internal);
    let other = facts(5, "h/x", Visibility::Private);
    let group = || {
        Some(MemberOf::Group {
            id: 9,
            path: "g".into(),
        })
    };
    let project = || {
        Some(MemberOf::Project {
            id: 1,
            path: "g/p".into(),
        })
    };
    let dev = user("dev", group(), Developer, &["api"]);
    let dev_ro = user("dev", group(), Developer, &["read_api"]);
    let dev_reg = user(
        "dev",
        group(),
        Developer,
        &["read_registry", "write_registry"],
    );
    let rep = user("rep", project(), Reporter, &["api"]);
    let guest = user("guest", project(), Guest, &["api"]);
    let nobody = user("nobody", None, Guest, &["api"]);
    let mut admin = user("root", None, Guest, &["api"]);
    admin.user.is_admin = true;
    let mut revoked = dev.clone();
    revoked.token.revoked = true;
    let mut expired = dev.clone();
    expired.token.expires_at = Some(NOW);
    let bad = "401 invalid username or token";
    let cases: Vec<(Operation, &UserCredential, Option<&ProjectFacts>, &str)> = vec![
        // Reporter+ reads, Developer+ writes; group roles reach subgroups.
        (GitRead, &rep, Some(&private), "ok rep"),
        (PackageRead, &rep, Some(&private), "ok rep"),
        (
            GitPush,
            &rep,
            Some(&private),
            "403 user rep needs the developer role on project g/p to push",
        ),
        (
            PackageWrite,
            &rep,
            Some(&private),
            "403 user rep needs the developer role on project g/p to publish or delete packages",
        ),
        (GitPush, &dev, Some(&private), "ok dev"),
        (PackageWrite, &dev, Some(&sub), "ok dev"),
        (GitRead, &dev, Some(&sub), "ok dev"),
        (
            GitRead,
            &guest,
            Some(&private),
            "403 user guest needs the reporter role on project g/p to clone or fetch",
        ),
        // A private project without a role answers like a missing one.
        (
            GitRead,
            &rep,
            Some(&other),
            "403 user rep has no access to project h/x",
        ),
        (
            GitRead,
            &rep,
            None,
            "403 user rep has no access to project g/none",
        ),
        (
            GitPush,
            &nobody,
            Some(&private),
            "403 user nobody has no access to project g/p",
        ),
        // Internal and public projects: any user reads, only Developer+ writes.
        (GitRead, &nobody, Some(&internal), "ok nobody"),
        (PackageRead, &nobody, Some(&public), "ok nobody"),
        (
            GitPush,
            &nobody,
            Some(&internal),
            "403 user nobody needs the developer role on project g/int to push",
        ),
        (
            PackageWrite,
            &nobody,
            Some(&public),
            "403 user nobody needs the developer role on project g/pub to publish or delete packages",
        ),
        // Scopes: read_api or api to read, api to write; checked before the project.
        (GitRead, &dev_ro, Some(&private), "ok dev"),
        (
            GitPush,
            &dev_ro,
            Some(&private),
            "403 the personal access token of dev lacks the api scope needed to push",
        ),
        (
            GitRead,
            &dev_reg,
            Some(&private),
            "403 the personal access token of dev lacks the read_api or api scope needed to clone or fetch",
        ),
        (
            GitRead,
            &dev_reg,
            None,
            "403 the personal access token of dev lacks the read_api or api scope needed to clone or fetch",
        ),
        (
            GitRead,
            &dev_reg,
            Some(&internal),
            "403 the personal access token of dev lacks the read_api or api scope needed to clone or fetch",
        ),
        // Reading a public project needs no scope: credentials never do worse than none.
        (GitRead, &dev_reg, Some(&public), "ok dev"),
        (
            GitPush,
            &dev_reg,
            Some(&public),
            "403 the personal access token of dev lacks the api scope needed to push",
        ),
        // Administrators are owners everywhere.
        (GitPush, &admin, Some(&other), "ok root"),
        (
            PackageWrite,
            &admin,
            None,
            "403 user root has no access to project g/none",
        ),
        // Revoked and expired tokens are bad credentials, even for public reads.
        (GitRead, &revoked, Some(&private), bad),
        (GitRead, &expired, Some(&public), bad),
    ];
    for (i, (op, who, project, want)) in cases.into_iter().enumerate() {
        assert_eq!(outcome(op, who, project, false), want, "case {i}");
    }
}

#[test]
fn external_authorization_leaves_users_alone() {
    let private = facts(1, "g/p", Visibility::Private);
    let of = Some(MemberOf::Group {
        id: 9,
        path: "g".into(),
    });
    let dev = user("dev", of, AccessLevel::Developer, &["api"]);
    for op in [
        Operation::GitRead,
        Operation::GitPush,
        Operation::PackageRead,
        Operation::PackageWrite,
    ] {
        assert_eq!(outcome(op, &dev, Some(&private), true), "ok dev", "{op:?}");
    }
}
