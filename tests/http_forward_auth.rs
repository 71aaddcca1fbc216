//! `/auth/forward` over HTTP, as nginx calls it: status codes, the Basic challenge, the
//! reasons, and which project and operation each URI is judged as (the header families are
//! in `http_forward_auth_headers`).

mod harness;

use harness::TestServer;
use harness::forward::{answer, nginx};
use regauth::app::namespaces::HolderRef::{Group, Project};

const INFO_REFS: &str = "/acme/backend/api.git/info/refs?service=git-upload-pack";

#[test]
fn clone_needs_read_repository_on_a_covered_project() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) = s.token(Project("acme/backend/api"), &["read_repository"]);
    let ok = nginx(&s, "GET", INFO_REFS, Some((&user, &secret)));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.user.as_deref(), Some(user.as_str()));
    assert_eq!(ok.project.as_deref(), Some("acme/backend/api"));
    let pack = nginx(
        &s,
        "POST",
        "/acme/backend/api.git/git-upload-pack",
        Some((&user, &secret)),
    );
    assert_eq!(pack.status, 200);

    let (_, ruser, rsecret) = s.token(Project("acme/backend/api"), &["read_registry"]);
    let denied = nginx(&s, "GET", INFO_REFS, Some((&ruser, &rsecret)));
    assert_eq!(denied.status, 403);
    let why =
        format!("deploy token {ruser} lacks the read_repository scope needed to clone or fetch");
    assert_eq!(denied.reason.as_deref(), Some(why.as_str()));
    assert_eq!(denied.body, format!("{why}\n"));
    assert_eq!(denied.challenge, None, "a 403 must not make git ask again");

    let other = nginx(
        &s,
        "GET",
        "/acme/frontend/web.git/info/refs",
        Some((&user, &secret)),
    );
    assert_eq!(other.status, 403);
    let why = format!("deploy token {user} has no access to project acme/frontend/web");
    assert_eq!(other.reason.as_deref(), Some(why.as_str()));
    // A project that does not exist answers exactly like one that is not covered.
    let none = nginx(
        &s,
        "GET",
        "/acme/backend/nope.git/info/refs",
        Some((&user, &secret)),
    );
    assert_eq!(none.status, 403);
    let why = format!("deploy token {user} has no access to project acme/backend/nope");
    assert_eq!(none.reason.as_deref(), Some(why.as_str()));
}

#[test]
fn missing_or_bad_credentials_get_a_basic_challenge() {
    let s = TestServer::start();
    s.seed();
    let (id, user, secret) = s.token(Project("acme/backend/api"), &["read_repository"]);
    let cases: [(Option<(&str, &str)>, &str); 3] = [
        (None, "authentication required"),
        (Some((&user, "gldt-wrong")), "invalid username or token"),
        (Some(("someone-else", &secret)), "invalid username or token"),
    ];
    for (creds, why) in cases {
        let a = nginx(&s, "GET", INFO_REFS, creds);
        assert_eq!(a.status, 401, "{creds:?}");
        assert_eq!(a.challenge.as_deref(), Some("Basic realm=\"regauth\""));
        assert_eq!(a.reason.as_deref(), Some(why));
    }
    let bearer = s
        .http
        .get(s.url("/auth/forward"))
        .header("X-Original-Method", "GET")
        .header("X-Original-URI", INFO_REFS)
        .bearer_auth(&secret);
    assert_eq!(
        answer(bearer).status,
        401,
        "another scheme is not anonymous"
    );

    s.app.revoke_deploy_token(id).unwrap();
    let revoked = nginx(&s, "GET", INFO_REFS, Some((&user, &secret)));
    assert_eq!(revoked.status, 401);
    assert_eq!(revoked.reason.as_deref(), Some("invalid username or token"));

    let (_, euser, esecret) = s.token_expiring(
        Project("acme/backend/api"),
        &["read_repository"],
        Some("2026-12-01"),
    );
    assert_eq!(
        nginx(&s, "GET", INFO_REFS, Some((&euser, &esecret))).status,
        200
    );
    s.clock.set(time::macros::datetime!(2026-12-01 00:00 UTC));
    assert_eq!(
        nginx(&s, "GET", INFO_REFS, Some((&euser, &esecret))).status,
        401
    );
}

#[test]
fn deploy_tokens_never_push() {
    let s = TestServer::start();
    s.seed();
    let all = [
        "read_repository",
        "read_registry",
        "write_registry",
        "read_package_registry",
        "write_package_registry",
    ];
    let (_, user, secret) = s.token(Project("acme/backend/api"), &all);
    let creds = Some((user.as_str(), secret.as_str()));
    let why =
        "deploy tokens cannot push to Git repositories: there is no write scope for repositories";
    for (method, uri) in [
        (
            "GET",
            "/acme/backend/api.git/info/refs?service=git-receive-pack",
        ),
        ("POST", "/acme/backend/api.git/git-receive-pack"),
        ("PUT", "/acme/backend/api.git/info/lfs/objects/abc"),
    ] {
        let a = nginx(&s, method, uri, creds);
        assert_eq!(
            (a.status, a.reason.as_deref()),
            (403, Some(why)),
            "{method} {uri}"
        );
    }
    let anonymous = nginx(&s, "POST", "/acme/pub.git/git-receive-pack", None);
    assert_eq!(anonymous.status, 401);
}

#[test]
fn group_tokens_cover_subgroups_and_public_projects_are_readable() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) = s.token(Group("acme"), &["read_repository"]);
    let creds = Some((user.as_str(), secret.as_str()));
    assert_eq!(nginx(&s, "GET", INFO_REFS, creds).status, 200);
    assert_eq!(
        nginx(&s, "GET", "/acme/frontend/web.git/HEAD", creds).status,
        200
    );
    assert_eq!(nginx(&s, "GET", "/other/app.git/HEAD", creds).status, 403);
    let (_, buser, bsecret) = s.token(Group("acme/backend"), &["read_repository"]);
    let sibling = nginx(
        &s,
        "GET",
        "/acme/frontend/web.git/HEAD",
        Some((&buser, &bsecret)),
    );
    assert_eq!(sibling.status, 403);

    let anonymous = nginx(
        &s,
        "GET",
        "/acme/pub.git/info/refs?service=git-upload-pack",
        None,
    );
    assert_eq!(anonymous.status, 200);
    assert_eq!(anonymous.user.as_deref(), Some(""));
    let (_, puser, psecret) = s.token(Project("other/app"), &["read_registry"]);
    let other = nginx(&s, "GET", "/acme/pub.git/HEAD", Some((&puser, &psecret)));
    assert_eq!(other.status, 200, "anyone may read a public project");
}

#[test]
fn package_routes_by_id_or_encoded_path() {
    let s = TestServer::start();
    s.seed();
    let (_, ro_user, ro) = s.token(Project("acme/backend/api"), &["read_package_registry"]);
    let (_, rw_user, rw) = s.token(
        Group("acme"),
        &["read_package_registry", "write_package_registry"],
    );
    let id = s.app.resolve_holder(Project("acme/backend/api")).unwrap();
    let regauth::domain::token::Holder::Project { id, .. } = id else {
        unreachable!()
    };
    let by_id = format!("/api/v4/projects/{id}/packages/pypi/simple/demo/");
    let by_path = "/api/v4/projects/acme%2Fbackend%2Fapi/packages/pypi";
    let ro_creds = Some((ro_user.as_str(), ro.as_str()));
    let rw_creds = Some((rw_user.as_str(), rw.as_str()));
    let read = nginx(&s, "GET", &by_id, ro_creds);
    assert_eq!(read.status, 200);
    assert_eq!(read.project.as_deref(), Some("acme/backend/api"));
    assert_eq!(nginx(&s, "HEAD", &by_id, ro_creds).status, 200);
    let upload = nginx(&s, "POST", by_path, ro_creds);
    assert_eq!(upload.status, 403);
    let why = format!(
        "deploy token {ro_user} lacks the write_package_registry scope needed to publish or delete packages"
    );
    assert_eq!(upload.reason.as_deref(), Some(why.as_str()));
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        assert_eq!(nginx(&s, method, by_path, rw_creds).status, 200, "{method}");
    }
    let (_, repo_user, repo) = s.token(Project("acme/backend/api"), &["read_repository"]);
    let no_scope = nginx(&s, "GET", &by_id, Some((&repo_user, &repo)));
    assert_eq!(no_scope.status, 403);
    assert_eq!(nginx(&s, "GET", &by_id, None).status, 401);
}

#[test]
fn unusable_uris_are_400_and_unguarded_ones_403() {
    let s = TestServer::start();
    s.seed();
    let missing = answer(s.http.get(s.url("/auth/forward")));
    assert_eq!(missing.status, 400);
    assert!(missing.body.contains("X-Original-URI"), "{}", missing.body);
    // git http-backend would serve g/p.git/x.git, not acme/pub: no reading at all.
    let nested = nginx(&s, "GET", "/acme/pub.git/x.git/info/refs", None);
    assert_eq!(nested.status, 403);
    for uri in [
        "/%zz.git/info/refs",
        "/../acme/pub.git/HEAD",
        "acme/pub.git/HEAD",
    ] {
        assert_eq!(nginx(&s, "GET", uri, None).status, 400, "{uri}");
    }
    let unguarded = nginx(&s, "GET", "/acme/pub/info/refs", None);
    assert_eq!(unguarded.status, 403);
    assert_eq!(
        unguarded.reason.as_deref(),
        Some("this URI names no project on any forward-auth route")
    );
    // Dot segments are resolved first, as nginx does before serving.
    let smuggled = "/acme/pub.git/../../acme/backend/api.git/info/refs";
    assert_eq!(nginx(&s, "GET", smuggled, None).status, 401);
    let encoded = "/acme/pub.git/%2e%2e/%2e%2e/acme/backend/api.git/info/refs";
    assert_eq!(nginx(&s, "GET", encoded, None).status, 401);
}
