//! Forward authentication as tables: URI readings, then decisions.

use super::*;
use crate::domain::namespace::RegistryAccess;
use crate::domain::token::{DeployToken, Holder, TokenScopes};
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

/// `targets` under the default routes, compactly: `project op` per reading.
fn read(method: &str, uri: &str) -> Result<Vec<String>, UriError> {
    Ok(targets(&default_routes(), method, uri)?
        .into_iter()
        .map(|t| format!("{} {:?}", t.project, t.operation))
        .collect())
}

#[test]
fn git_smart_http_operations() {
    let cases = [
        (
            "GET",
            "/g/p.git/info/refs?service=git-upload-pack",
            "g/p GitRead",
        ),
        ("POST", "/g/p.git/git-upload-pack", "g/p GitRead"),
        (
            "GET",
            "/g/sub/p.git/info/refs?service=git-receive-pack",
            "g/sub/p GitPush",
        ),
        ("POST", "/g/p.git/git-receive-pack", "g/p GitPush"),
        ("get", "/g/p.git/HEAD", "g/p GitRead"),
        ("GET", "/g/p.git/objects/info/packs", "g/p GitRead"),
        ("POST", "/g/p.git/info/lfs/objects/batch", "g/p GitRead"),
        ("PUT", "/g/p.git/info/lfs/objects/abc", "g/p GitPush"),
        ("POST", "/g/p.git/info/lfs/locks", "g/p GitPush"),
        ("DELETE", "/g/p.git/info/refs", "g/p GitPush"),
    ];
    for (method, uri, want) in cases {
        assert_eq!(read(method, uri).unwrap(), [want], "{method} {uri}");
    }
}

#[test]
fn package_operations_and_project_keys() {
    let cases = [
        (
            "GET",
            "/api/v4/projects/42/packages/pypi/simple/x/",
            "42 PackageRead",
        ),
        (
            "HEAD",
            "/api/v4/projects/g%2Fp/packages/pypi/files/a/x.whl",
            "g/p PackageRead",
        ),
        (
            "POST",
            "/api/v4/projects/g%2Fsub%2Fp/packages/pypi",
            "g/sub/p PackageWrite",
        ),
        (
            "PUT",
            "/api/v4/projects/7/packages/generic/x/1/f",
            "7 PackageWrite",
        ),
        ("DELETE", "/api/v4/projects/7/packages/1", "7 PackageWrite"),
        ("PATCH", "/api/v4/projects/7/packages/1", "7 PackageWrite"),
    ];
    for (method, uri, want) in cases {
        assert_eq!(read(method, uri).unwrap(), [want], "{method} {uri}");
    }
    // The suffix occurs twice: both readings, shortest first.
    assert_eq!(
        read("GET", "/api/v4/projects/g%2Fp/packages/pypi/packages/f.whl").unwrap(),
        ["g/p PackageRead", "g/p/packages/pypi PackageRead"]
    );
}

#[test]
fn uris_outside_every_route_or_naming_no_valid_project() {
    for uri in [
        "/",
        "/g/p/info/refs",
        "/.git/info/refs",
        "/G/P.git/info/refs",
        "/api/v4/projects/packages/x",
        "/api/v4/groups/1/packages/x",
        "/api/v4/projects/a%20b/packages/x",
    ] {
        assert_eq!(read("GET", uri).unwrap(), Vec::<String>::new(), "{uri}");
    }
}

#[test]
fn normalization_follows_nginx() {
    let n = |uri| normalize(uri).map(|(p, q)| (p, q.map(str::to_owned)));
    assert_eq!(n("/a//b/./c/").unwrap(), ("/a/b/c/".into(), None));
    assert_eq!(
        n("/a/b/../c?x=1").unwrap(),
        ("/a/c".into(), Some("x=1".into()))
    );
    assert_eq!(n("/a/%2e%2e/b").unwrap(), ("/b".into(), None));
    assert_eq!(n("/a/..").unwrap(), ("/".into(), None));
    assert_eq!(n("/g%2Fp").unwrap(), ("/g/p".into(), None));
    for bad in [
        "",
        "g/p.git",
        "/..",
        "/a/../../b",
        "/%zz",
        "/%4",
        "/%00",
        "/%ff",
        "/a%0a",
    ] {
        assert!(normalize(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn dot_segments_cannot_smuggle_another_project() {
    // nginx serves the normalized path, so that is the one checked.
    assert_eq!(
        read("GET", "/pub/p.git/../../g/secret.git/info/refs").unwrap(),
        ["g/secret GitRead"]
    );
    assert_eq!(
        read("GET", "/pub/p.git/%2e%2e/%2e%2e/g/secret.git/info/refs").unwrap(),
        ["g/secret GitRead"]
    );
}

#[test]
fn route_patterns() {
    let r = Route::parse("/git/{project}/", RouteKind::Git).unwrap();
    assert_eq!(r.pattern(), "/git/{project}/");
    assert_eq!(r.kind(), RouteKind::Git);
    let got = targets(&[r], "GET", "/git/g/p/info/refs?service=git-upload-pack").unwrap();
    let projects: Vec<String> = got.iter().map(|t| t.project.to_string()).collect();
    assert_eq!(projects, ["g", "g/p", "g/p/info"]);
    for bad in [
        "no-slash/{project}.git/",
        "/{project}",
        "/x/",
        "/{project}/{project}/",
    ] {
        assert!(Route::parse(bad, RouteKind::Git).is_err(), "{bad}");
    }
    assert_eq!("package".parse::<RouteKind>().unwrap(), RouteKind::Package);
    assert!("npm".parse::<RouteKind>().is_err());
}

#[test]
fn query_service_is_decoded() {
    let push = "g/p GitPush";
    assert_eq!(
        read("GET", "/g/p.git/info/refs?service=git%2Dreceive%2Dpack").unwrap(),
        [push]
    );
    assert_eq!(
        read("GET", "/g/p.git/info/refs?a=1&service=git-receive-pack").unwrap(),
        [push]
    );
    let twice = "/g/p.git/info/refs?service=git-upload-pack&service=git-receive-pack";
    assert_eq!(read("GET", twice).unwrap(), [push]);
    assert_eq!(
        read("GET", "/g/p.git/info/refs?service=%ff").unwrap(),
        ["g/p GitRead"]
    );
}

fn facts(id: i64, path: &str, visibility: Visibility) -> ProjectFacts {
    ProjectFacts {
        id,
        path: path.into(),
        visibility,
        registry: RegistryAccess::Enabled,
    }
}

fn token(holder: Holder, scopes: &[&str]) -> DeployToken {
    DeployToken {
        id: 10,
        name: "ci".into(),
        username: "bot".into(),
        holder,
        scopes: TokenScopes::parse(scopes.iter().copied()).unwrap(),
        expires_at: None,
        revoked: false,
        created_at: datetime!(2026-01-01 0:00 UTC),
    }
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
fn access_levels_for_users() {
    assert_eq!(Operation::GitRead.minimum_access_level(), 20);
    assert_eq!(Operation::PackageRead.minimum_access_level(), 20);
    assert_eq!(Operation::GitPush.minimum_access_level(), 30);
    assert_eq!(Operation::PackageWrite.minimum_access_level(), 30);
}
