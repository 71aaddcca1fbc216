//! Forward-auth decisions as a table.

use super::*;
use crate::domain::fixtures::{NOW, deploy_token, project_facts};
use crate::domain::token::Holder;

fn facts(id: i64, path: &str, visibility: Visibility) -> ProjectFacts {
    project_facts(id, path, visibility)
}

fn token(holder: Holder, scopes: &[&str]) -> DeployToken {
    deploy_token(10, "ci", "bot", holder, scopes)
}

/// The decision for one case, compactly.
fn outcome(
    op: Operation,
    credential: Credential<'_>,
    project: Option<&ProjectFacts>,
    external: bool,
) -> String {
    let named = ProjectKey::Path(project.map_or("g/none".into(), |p| p.path.clone()));
    match decide(op, credential, project, &named, external, NOW) {
        Ok(a) => format!("ok {}", a.subject()),
        Err(Refusal::Unauthorized(m)) => format!("401 {m}"),
        Err(Refusal::Denied(m)) => format!("403 {m}"),
    }
}

#[test]
fn decisions() {
    use Operation::*;
    let private = facts(1, "g/p", Visibility::Private);
    let sub = facts(2, "g/sub/q", Visibility::Private);
    let public = facts(3, "g/pub", Visibility::Public);
    let internal = facts(4, "g/int", Visibility::Internal);
    let other = facts(5, "h/x", Visibility::Private);
    let own = Holder::Project {
        id: 1,
        path: "g/p".into(),
    };
    let grp = Holder::Group {
        id: 9,
        path: "g".into(),
    };
    let repo = token(own.clone(), &["read_repository"]);
    let reg = token(own.clone(), &["read_registry", "write_registry"]);
    let pkg_ro = token(grp.clone(), &["read_package_registry"]);
    let pkg_rw = token(grp, &["read_package_registry", "write_package_registry"]);
    let mut revoked = repo.clone();
    revoked.revoked = true;
    let push = format!("403 {GIT_PUSH_REFUSAL}");
    let external = format!("403 {EXTERNAL_AUTHORIZATION_REFUSAL}");
    let t = Credential::DeployToken;
    let anon = Credential::Anonymous;
    let cases: Vec<(Operation, Credential<'_>, Option<&ProjectFacts>, bool, &str)> = vec![
        (GitRead, t(&repo), Some(&private), false, "ok bot"),
        (
            GitRead,
            t(&reg),
            Some(&private),
            false,
            "403 deploy token bot lacks the read_repository scope needed to clone or fetch",
        ),
        (
            GitRead,
            t(&revoked),
            Some(&private),
            false,
            "401 invalid username or token",
        ),
        (
            GitRead,
            t(&repo),
            Some(&other),
            false,
            "403 deploy token bot has no access to project h/x",
        ),
        (
            GitRead,
            t(&repo),
            None,
            false,
            "403 deploy token bot has no access to project g/none",
        ),
        (
            GitRead,
            t(&repo),
            Some(&internal),
            false,
            "403 deploy token bot has no access to project g/int",
        ),
        (GitPush, t(&repo), Some(&private), false, &push),
        (GitPush, t(&pkg_rw), Some(&public), false, &push),
        (GitRead, t(&reg), Some(&public), false, "ok bot"),
        (GitRead, anon, Some(&public), false, "ok "),
        (
            GitRead,
            anon,
            Some(&private),
            false,
            "401 authentication required",
        ),
        (GitRead, anon, None, false, "401 authentication required"),
        (
            GitPush,
            anon,
            Some(&public),
            false,
            "401 authentication required",
        ),
        (PackageRead, t(&pkg_ro), Some(&sub), false, "ok bot"),
        (
            PackageWrite,
            t(&pkg_ro),
            Some(&sub),
            false,
            "403 deploy token bot lacks the write_package_registry scope needed to publish or delete packages",
        ),
        (PackageWrite, t(&pkg_rw), Some(&sub), false, "ok bot"),
        (
            PackageRead,
            t(&pkg_rw),
            Some(&other),
            false,
            "403 deploy token bot has no access to project h/x",
        ),
        (
            PackageRead,
            t(&repo),
            Some(&private),
            false,
            "403 deploy token bot lacks the read_package_registry scope needed to read packages",
        ),
        (
            PackageWrite,
            anon,
            Some(&public),
            false,
            "401 authentication required",
        ),
        (PackageRead, anon, Some(&public), false, "ok "),
        (GitRead, t(&repo), Some(&private), true, &external),
        (PackageRead, t(&pkg_ro), Some(&sub), true, &external),
        (
            GitRead,
            t(&revoked),
            Some(&private),
            true,
            "401 invalid username or token",
        ),
        (GitRead, anon, Some(&public), true, "ok "),
    ];
    for (i, (op, credential, project, external, want)) in cases.into_iter().enumerate() {
        assert_eq!(outcome(op, credential, project, external), want, "case {i}");
    }
}

#[test]
fn expiry_counts_at_the_instant() {
    let p = facts(1, "g/p", Visibility::Private);
    let mut t = token(
        Holder::Project {
            id: 1,
            path: "g/p".into(),
        },
        &["read_repository"],
    );
    t.expires_at = Some(NOW);
    let got = outcome(
        Operation::GitRead,
        Credential::DeployToken(&t),
        Some(&p),
        false,
    );
    assert_eq!(got, "401 invalid username or token");
}

#[test]
fn restricted_tokens_are_refused_for_git_and_packages() {
    use Operation::*;
    let private = facts(1, "g/p", Visibility::Private);
    let public = facts(3, "g/pub", Visibility::Public);
    let other = facts(5, "h/x", Visibility::Private);
    let all = [
        "read_repository",
        "read_registry",
        "read_package_registry",
        "write_package_registry",
    ];
    let mut t = token(
        Holder::Group {
            id: 9,
            path: "g".into(),
        },
        &all,
    );
    t.repositories = Some(
        crate::domain::repository_pattern::RepositoryPatterns::parse(["g/p/web", "g/p/cache/*"])
            .unwrap(),
    );
    let refused =
        format!("403 {RESTRICTED_REFUSAL}: deploy token bot may only use g/p/web, g/p/cache/*");
    let no_access = "403 deploy token bot has no access to project h/x";
    let cases = [
        (GitRead, Some(&private), refused.as_str()),
        (PackageRead, Some(&private), refused.as_str()),
        (PackageWrite, Some(&private), refused.as_str()),
        // Unknown and uncovered projects answer as for any token: nothing is revealed.
        (GitRead, Some(&other), no_access),
        (
            GitRead,
            None,
            "403 deploy token bot has no access to project g/none",
        ),
        // Anyone may read a public project; the restriction takes nothing from that.
        (GitRead, Some(&public), "ok bot"),
        (PackageWrite, Some(&public), refused.as_str()),
    ];
    for (op, project, want) in cases {
        let got = outcome(op, Credential::DeployToken(&t), project, false);
        assert_eq!(got, want, "{op:?} {project:?}");
    }
    t.repositories = None;
    let got = outcome(GitRead, Credential::DeployToken(&t), Some(&private), false);
    assert_eq!(got, "ok bot");
}
