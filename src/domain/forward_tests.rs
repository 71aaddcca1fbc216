//! How URIs are read: routes, projects, operations, normalization.

use super::*;

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
fn git_reads_the_repository_git_http_backend_serves() {
    // git http-backend serves the directory before the service path: the longest reading.
    // With a `.git` component in it, it is no project regauth could hold, so nothing is read
    // (never the shorter `g/p`, which git would not serve).
    for uri in [
        "/g/p.git/x.git/info/refs?service=git-upload-pack",
        "/g/p.git/x.git/git-upload-pack",
        "/g/p.git/sub/x.git/HEAD",
        "/g/p.git/.git/info/refs",
    ] {
        assert_eq!(read("GET", uri).unwrap(), Vec::<String>::new(), "{uri}");
    }
    assert_eq!(
        read("GET", "/g/p.gitx/q.git/info/refs").unwrap(),
        ["g/p.gitx/q GitRead"]
    );
    assert_eq!(
        read("GET", "/g/p.git/objects/info/packs").unwrap(),
        ["g/p GitRead"]
    );
    assert_eq!(
        read("GET", "/g/p-git/x.git/HEAD").unwrap(),
        ["g/p-git/x GitRead"]
    );
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

#[test]
fn roles_for_users() {
    use crate::domain::role::AccessLevel::{Developer, Reporter};
    assert_eq!(Operation::GitRead.minimum_role(), Reporter);
    assert_eq!(Operation::PackageRead.minimum_role(), Reporter);
    assert_eq!(Operation::GitPush.minimum_role(), Developer);
    assert_eq!(Operation::PackageWrite.minimum_role(), Developer);
}
