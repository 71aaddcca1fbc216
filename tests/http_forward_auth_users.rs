//! `/auth/forward` for users with personal access tokens, over HTTP: Reporter+ clones and
//! reads packages, Developer+ pushes and publishes, the token's scope limits both, and a
//! private project without a role answers like a missing one.

mod api_harness;
mod harness;

use api_harness::{member_user, token, user};
use harness::forward::nginx;
use harness::{ForwardOptions, TestServer};
use regauth::app::namespaces::HolderRef::{Group, Project};
use regauth::app::users::CreatePersonalToken;
use regauth::domain::role::AccessLevel::{Developer, Reporter};

const CLONE: &str = "/acme/backend/api.git/info/refs?service=git-upload-pack";
const FETCH: &str = "/acme/backend/api.git/git-upload-pack";
const PUSH_REFS: &str = "/acme/backend/api.git/info/refs?service=git-receive-pack";
const PUSH: &str = "/acme/backend/api.git/git-receive-pack";
const PACKAGES: &str = "/api/v4/projects/acme%2Fbackend%2Fapi/packages/pypi";

fn server() -> TestServer {
    let s = TestServer::start();
    s.seed();
    s
}

#[test]
fn developers_push_and_publish_reporters_clone_and_download() {
    let s = server();
    let dev = member_user(&s, "dev", Group("acme"), Developer);
    let rep = member_user(&s, "rep", Project("acme/backend/api"), Reporter);
    let dev_creds = Some(("dev", dev.as_str()));
    let rep_creds = Some(("rep", rep.as_str()));

    for (method, uri) in [("GET", PUSH_REFS), ("POST", PUSH), ("GET", CLONE)] {
        let a = nginx(&s, method, uri, dev_creds);
        assert_eq!(a.status, 200, "{method} {uri}: {}", a.body);
        assert_eq!(
            a.user.as_deref(),
            Some("dev"),
            "git http-backend's REMOTE_USER"
        );
        assert_eq!(a.project.as_deref(), Some("acme/backend/api"));
    }
    for method in ["POST", "PUT", "DELETE", "GET"] {
        assert_eq!(
            nginx(&s, method, PACKAGES, dev_creds).status,
            200,
            "{method}"
        );
    }

    for (method, uri) in [("GET", CLONE), ("POST", FETCH), ("GET", PACKAGES)] {
        let a = nginx(&s, method, uri, rep_creds);
        assert_eq!(a.status, 200, "{method} {uri}: {}", a.body);
        assert_eq!(a.user.as_deref(), Some("rep"));
    }
    let why = "user rep needs the developer role on project acme/backend/api to push";
    for (method, uri) in [("GET", PUSH_REFS), ("POST", PUSH)] {
        let a = nginx(&s, method, uri, rep_creds);
        assert_eq!((a.status, a.reason.as_deref()), (403, Some(why)), "{uri}");
        assert_eq!(a.challenge, None, "a 403 must not make git ask again");
        assert_eq!(a.body, format!("{why}\n"));
    }
    let publish = nginx(&s, "POST", PACKAGES, rep_creds);
    assert_eq!(publish.status, 403);
    assert_eq!(
        publish.reason.as_deref(),
        Some(
            "user rep needs the developer role on project acme/backend/api to publish or delete packages"
        )
    );
}

#[test]
fn the_token_scope_limits_what_the_role_allows() {
    let s = server();
    member_user(&s, "dev", Group("acme"), Developer);
    let read_api = token(&s, "dev", &["read_api"], None);
    let registry = token(&s, "dev", &["read_registry", "write_registry"], None);
    let ro = Some(("dev", read_api.as_str()));
    assert_eq!(nginx(&s, "GET", CLONE, ro).status, 200);
    let push = nginx(&s, "POST", PUSH, ro);
    assert_eq!(push.status, 403);
    assert_eq!(
        push.reason.as_deref(),
        Some("the personal access token of dev lacks the api scope needed to push")
    );

    let reg = Some(("dev", registry.as_str()));
    let lacking =
        "the personal access token of dev lacks the read_api or api scope needed to clone or fetch";
    let clone = nginx(&s, "GET", CLONE, reg);
    assert_eq!(
        (clone.status, clone.reason.as_deref()),
        (403, Some(lacking))
    );
    // The scope is checked first, so a missing project answers the same.
    let missing = nginx(&s, "GET", "/acme/backend/nope.git/info/refs", reg);
    assert_eq!(missing.reason.as_deref(), Some(lacking));
    // A public project can be read with any valid credentials, as without any.
    let public = nginx(&s, "GET", "/acme/pub.git/info/refs", reg);
    assert_eq!((public.status, public.user.as_deref()), (200, Some("dev")));
}

#[test]
fn without_a_role_private_projects_are_hidden_and_public_ones_read_only() {
    let s = server();
    let t = user(&s, "eve", false);
    let creds = Some(("eve", t.as_str()));
    let hidden = nginx(&s, "GET", CLONE, creds);
    assert_eq!(hidden.status, 403);
    assert_eq!(
        hidden.reason.as_deref(),
        Some("user eve has no access to project acme/backend/api")
    );
    let missing = nginx(&s, "GET", "/acme/backend/nope.git/info/refs", creds);
    assert_eq!(
        missing.reason.as_deref(),
        Some("user eve has no access to project acme/backend/nope")
    );
    assert_eq!(
        nginx(&s, "GET", "/acme/pub.git/info/refs", creds).status,
        200
    );
    let push = nginx(&s, "POST", "/acme/pub.git/git-receive-pack", creds);
    assert_eq!(push.status, 403);
    assert_eq!(
        push.reason.as_deref(),
        Some("user eve needs the developer role on project acme/pub to push")
    );

    let root = user(&s, "root", true);
    let admin = nginx(
        &s,
        "POST",
        "/other/app.git/git-receive-pack",
        Some(("root", &root)),
    );
    assert_eq!((admin.status, admin.user.as_deref()), (200, Some("root")));
}

#[test]
fn wrong_revoked_and_expired_personal_tokens_get_a_basic_challenge() {
    let s = server();
    let dev = member_user(&s, "dev", Group("acme"), Developer);
    member_user(&s, "other", Group("acme"), Developer);
    let expiring = |name| CreatePersonalToken {
        name,
        scopes: vec!["api"],
        expires_at: Some("2026-12-01"),
    };
    let created = s
        .app
        .create_personal_token("dev", &expiring("soon"))
        .unwrap();
    let soon = created.secret.expose().to_owned();
    let revoked = s
        .app
        .create_personal_token("dev", &expiring("revoked"))
        .unwrap();
    s.app.revoke_personal_token(revoked.token.id).unwrap();

    let cases = [
        ("other", dev.as_str()),
        ("dev", "glpat-unknown"),
        ("dev", revoked.secret.expose()),
    ];
    for (name, secret) in cases {
        let a = nginx(&s, "GET", CLONE, Some((name, secret)));
        assert_eq!(a.status, 401, "{name}");
        assert_eq!(a.challenge.as_deref(), Some("Basic realm=\"regauth\""));
        assert_eq!(a.reason.as_deref(), Some("invalid username or token"));
    }
    assert_eq!(nginx(&s, "GET", CLONE, Some(("dev", &soon))).status, 200);
    s.clock.set(time::macros::datetime!(2026-12-01 00:00 UTC));
    let expired = nginx(&s, "GET", "/acme/pub.git/info/refs", Some(("dev", &soon)));
    assert_eq!(expired.status, 401, "even where anonymous callers may read");
}

#[test]
fn external_authorization_refuses_deploy_tokens_but_not_users() {
    let s = TestServer::start_forward(ForwardOptions {
        external_authorization: true,
        ..ForwardOptions::default()
    });
    s.seed();
    let dev = member_user(&s, "dev", Group("acme"), Developer);
    assert_eq!(nginx(&s, "POST", PUSH, Some(("dev", &dev))).status, 200);
    assert_eq!(nginx(&s, "PUT", PACKAGES, Some(("dev", &dev))).status, 200);
    let (_, name, secret) = s.token(Project("acme/backend/api"), &["read_repository"]);
    assert_eq!(nginx(&s, "GET", CLONE, Some((&name, &secret))).status, 403);
}
