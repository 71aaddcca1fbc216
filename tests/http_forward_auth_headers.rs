//! `/auth/forward` trusts only the header family the proxy sets: what each setting reads, the
//! 400s for a missing method or URI and for a disagreeing other family (so no setting lets a
//! client choose what is checked), and the deploy-token id each answer names.

mod api_harness;
mod harness;

use api_harness::member_user;
use harness::forward::{Answer, answer, nginx};
use harness::{ForwardOptions, TestServer};
use regauth::app::deploy_tokens::CreateDeployToken;
use regauth::app::namespaces::HolderRef::{self, Project};
use regauth::domain::forward::HeaderFamily::{self, XForwarded, XOriginal};
use regauth::domain::role::AccessLevel::Reporter;

const PRIVATE: &str = "/acme/backend/api.git/info/refs?service=git-upload-pack";
const PUBLIC: &str = "/acme/pub.git/info/refs?service=git-upload-pack";
const PUSH_REFS: &str = "/acme/backend/api.git/info/refs?service=git-receive-pack";
const NGINX: [&str; 2] = ["X-Original-Method", "X-Original-URI"];
const CADDY: [&str; 2] = ["X-Forwarded-Method", "X-Forwarded-Uri"];

fn server(headers: HeaderFamily) -> TestServer {
    let s = TestServer::start_forward(ForwardOptions {
        headers,
        ..ForwardOptions::default()
    });
    s.seed();
    s
}

/// A check made with `check_method`, carrying `headers` (name, value) and credentials.
fn ask(
    s: &TestServer,
    check_method: &str,
    headers: &[(&str, &str)],
    creds: Option<(&str, &str)>,
) -> Answer {
    let method = check_method.parse().unwrap();
    let mut req = s.http.request(method, s.url("/auth/forward"));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    if let Some((u, p)) = creds {
        req = req.basic_auth(u, Some(p));
    }
    answer(req)
}

/// The two headers of `family` naming `method uri`.
fn set(
    family: [&'static str; 2],
    method: &'static str,
    uri: &'static str,
) -> Vec<(&'static str, &'static str)> {
    vec![(family[0], method), (family[1], uri)]
}

#[test]
fn x_forwarded_reads_caddy_and_traefik() {
    let s = server(XForwarded);
    let (_, user, secret) = s.token(Project("acme/backend/api"), &["read_repository"]);
    let creds = Some((user.as_str(), secret.as_str()));
    let push = "/acme/backend/api.git/git-receive-pack";
    assert_eq!(ask(&s, "GET", &set(CADDY, "POST", push), creds).status, 403);
    let clone = ask(&s, "GET", &set(CADDY, "GET", PRIVATE), creds);
    assert_eq!(
        (clone.status, clone.project.as_deref()),
        (200, Some("acme/backend/api"))
    );
    // nginx's headers are not the ones this setting trusts.
    let nginx_only = ask(&s, "GET", &set(NGINX, "GET", PRIVATE), creds);
    assert_eq!(nginx_only.status, 400);
    assert!(
        nginx_only.body.contains("X-Forwarded-Method"),
        "{}",
        nginx_only.body
    );
}

#[test]
fn without_a_method_header_the_answer_is_400_never_the_checks_own_method() {
    for (family, names) in [(XOriginal, NGINX), (XForwarded, CADDY)] {
        let s = server(family);
        let (_, user, secret) = s.token(Project("acme/backend/api"), &["read_repository"]);
        let creds = Some((user.as_str(), secret.as_str()));
        for check_method in ["GET", "POST", "HEAD"] {
            let a = ask(&s, check_method, &[(names[1], PRIVATE)], creds);
            assert_eq!(a.status, 400, "{family} {check_method}");
        }
        let a = ask(&s, "GET", &[(names[0], "GET")], creds);
        assert_eq!(a.status, 400, "{family}: no URI");
        // The check's own method does not matter once the headers name the original.
        let head = ask(&s, "HEAD", &set(names, "GET", PRIVATE), creds);
        assert_eq!(head.status, 200, "{family}");
    }
}

/// What a proxy of `proxy`'s family sends for the real request, plus what the client added
/// in the other family.
fn spoofed(
    proxy: [&'static str; 2],
    real: (&'static str, &'static str),
    spoof: (&'static str, &'static str),
) -> Vec<(&'static str, &'static str)> {
    let other = if proxy == NGINX { CADDY } else { NGINX };
    let mut headers = set(proxy, real.0, real.1);
    headers.extend(set(other, spoof.0, spoof.1));
    headers
}

#[test]
fn no_setting_lets_a_client_choose_what_is_checked() {
    for family in [XOriginal, XForwarded] {
        let s = server(family);
        let (_, user, secret) = s.token(Project("acme/backend/api"), &["read_repository"]);
        let reader = Some((user.as_str(), secret.as_str()));
        // Whichever proxy is in front (its family matching the setting or not), a client
        // adding the other family to name a public project, or to call a push a clone, gets
        // 400: never the answer for what it named.
        for proxy in [NGINX, CADDY] {
            let anonymous = ask(
                &s,
                "GET",
                &spoofed(proxy, ("GET", PRIVATE), ("GET", PUBLIC)),
                None,
            );
            assert_eq!(
                anonymous.status, 400,
                "{family} behind {proxy:?}: {}",
                anonymous.body
            );
            assert!(anonymous.body.contains("disagrees"), "{}", anonymous.body);
            let push = ask(
                &s,
                "GET",
                &spoofed(proxy, ("GET", PUSH_REFS), ("GET", PRIVATE)),
                reader,
            );
            assert_eq!(push.status, 400, "{family} behind {proxy:?}: {}", push.body);
            let method = ask(
                &s,
                "GET",
                &spoofed(
                    proxy,
                    ("POST", "/acme/backend/api.git/git-receive-pack"),
                    ("GET", "/acme/backend/api.git/git-receive-pack"),
                ),
                reader,
            );
            assert_eq!(method.status, 400, "{family} behind {proxy:?}");
        }
        // A client repeating exactly what the proxy set changes nothing.
        let both = spoofed(NGINX, ("GET", PRIVATE), ("GET", PRIVATE));
        assert_eq!(ask(&s, "GET", &both, reader).status, 200, "{family}");
        assert_eq!(ask(&s, "GET", &both, None).status, 401, "{family}");
    }
}

#[test]
fn repeated_or_non_ascii_headers_are_400() {
    let s = server(XOriginal);
    let twice = [
        ("X-Original-Method", "GET"),
        ("X-Original-URI", PUBLIC),
        ("X-Original-URI", PRIVATE),
    ];
    let a = ask(&s, "GET", &twice, None);
    assert_eq!(a.status, 400);
    assert!(a.body.contains("more than once"), "{}", a.body);
    let mut req = s
        .http
        .get(s.url("/auth/forward"))
        .header("X-Original-Method", "GET");
    req = req.header(
        "X-Original-URI",
        reqwest::header::HeaderValue::from_bytes(b"/acme/pub.git/\xff").unwrap(),
    );
    assert_eq!(answer(req).status, 400);
}

/// A deploy token with a custom username on `holder`; returns (id, secret).
fn custom(s: &TestServer, holder: HolderRef<'_>, username: &str) -> (i64, String) {
    let created = s
        .app
        .create_deploy_token(&CreateDeployToken {
            holder,
            name: "ci",
            scopes: vec!["read_repository"],
            username: Some(username),
            expires_at: None,
            repositories: None,
        })
        .unwrap();
    (created.token.id, created.secret.expose().to_owned())
}

#[test]
fn answers_name_the_deploy_token_by_id() {
    let s = server(XOriginal);
    let (first, first_secret) = custom(&s, Project("acme/backend/api"), "ci-bot");
    let (second, second_secret) = custom(&s, Project("other/app"), "ci-bot");
    let allowed = nginx(&s, "GET", PRIVATE, Some(("ci-bot", &first_secret)));
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.user.as_deref(), Some("ci-bot"));
    assert_eq!(allowed.token_id, Some(first.to_string()));
    let refused = nginx(&s, "GET", PRIVATE, Some(("ci-bot", &second_secret)));
    assert_eq!(refused.status, 403);
    assert_eq!(refused.token_id, Some(second.to_string()));
    let public = nginx(&s, "GET", PUBLIC, Some(("ci-bot", &second_secret)));
    assert_eq!(public.token_id, Some(second.to_string()));

    // Users, anonymous callers and failed logins name no deploy token.
    let rep = member_user(&s, "rep", Project("acme/backend/api"), Reporter);
    let user = nginx(&s, "GET", PRIVATE, Some(("rep", &rep)));
    assert_eq!((user.status, user.token_id), (200, None));
    let anonymous = nginx(&s, "GET", PUBLIC, None);
    assert_eq!((anonymous.status, anonymous.token_id), (200, None));
    let wrong = nginx(&s, "GET", PRIVATE, Some(("ci-bot", "gldt-wrong")));
    assert_eq!((wrong.status, wrong.token_id), (401, None));
}
