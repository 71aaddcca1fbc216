//! The web UI over plain HTTP: the headers every page carries, sign-in (its own form token,
//! one refusal for every wrong credential, tokens never sign in), sessions (cookie
//! attributes, a new id at each sign-in, idle and absolute timeouts on the manual clock,
//! sign-out), and form posts without the session's form token changing nothing.

mod harness;

use harness::TestServer;
use harness::ui::{PASSWORD, Visitor, person};
use regauth::app::namespaces::HolderRef;
use regauth::domain::role::AccessLevel;
use time::Duration;

const SETTINGS: &str = "/acme/backend/api/-/settings/repository";
const CREATE: &str = "/acme/backend/api/-/settings/repository/deploy_tokens";

fn server_with_maintainer() -> TestServer {
    let server = TestServer::start();
    server.seed();
    person(
        &server,
        "alice",
        false,
        Some(("acme/backend/api", AccessLevel::Maintainer)),
    );
    server
}

fn stored_tokens(server: &TestServer) -> usize {
    let now = server.app.now();
    server
        .app
        .store()
        .read(|tx| tx.deploy_tokens(None, false, now))
        .unwrap()
        .len()
}

#[test]
fn every_page_carries_strict_headers_and_the_secret_page_is_never_cached() {
    let server = server_with_maintainer();
    let mut v = Visitor::new(&server);
    for page in [v.get("/users/sign_in"), v.get("/no/such/page")] {
        assert_eq!(
            page.header("content-security-policy"),
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        );
        assert_eq!(page.header("x-frame-options"), "DENY");
        assert_eq!(page.header("referrer-policy"), "same-origin");
        assert_eq!(page.header("x-content-type-options"), "nosniff");
        assert_eq!(page.header("cache-control"), "no-store");
        assert!(!page.body.contains("<script>"), "no inline script");
        assert!(!page.body.contains("style="), "no inline style");
    }
    let css = v.get("/-/static/ui.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert_eq!(v.get("/-/static/ui.js").status, 200);

    v.sign_in("alice");
    let token = v.token_of(SETTINGS);
    let created = v.post(
        CREATE,
        &[
            ("authenticity_token", &token),
            ("name", "ci"),
            ("scopes", "read_registry"),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(created.header("location"), SETTINGS);
    let shown = v.get(SETTINGS);
    assert!(
        shown
            .body
            .contains("id=\"deploy-token-value\" value=\"gldt-")
    );
    assert_eq!(shown.header("cache-control"), "no-store");
    assert!(
        shown
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("regauth_new_token=;")),
        "the sealed secret is removed once shown"
    );
    let again = v.get(SETTINGS);
    assert!(!again.body.contains("deploy-token-value"), "shown once");
}

#[test]
fn session_cookies_are_http_only_lax_and_new_at_every_sign_in() {
    let server = server_with_maintainer();
    let mut v = Visitor::new(&server);
    let page = v.sign_in_with("alice", PASSWORD);
    let cookie = page
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("regauth_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http here: {cookie}");
    let first = v.session().unwrap();
    assert_eq!(v.get("/").status, 200);

    // Signing in again (the browser still sends the first cookie) makes a new session and
    // ends the old one.
    v.sign_in("alice");
    let second = v.session().unwrap();
    assert_ne!(first, second);
    let mut old = Visitor::new(&server);
    old.cookies.insert("regauth_session".into(), first);
    let refused = old.get("/");
    assert_eq!(refused.status, 303);
    assert_eq!(refused.header("location"), "/users/sign_in");
    assert_eq!(v.get("/").status, 200);
}

#[test]
fn sessions_end_after_two_idle_hours_or_twelve_hours_in_all() {
    let server = server_with_maintainer();
    let start = server.app.now();
    let mut v = Visitor::new(&server);
    v.sign_in("alice");
    server.clock.set(start + Duration::minutes(119));
    assert_eq!(v.get("/").status, 200, "used before the idle timeout");
    server.clock.set(start + Duration::minutes(119 + 119));
    assert_eq!(
        v.get("/").status,
        200,
        "each use starts the idle time again"
    );
    server.clock.set(start + Duration::minutes(238 + 120));
    assert_eq!(v.get("/").status, 303, "two idle hours end it");

    let start = server.app.now();
    let mut busy = Visitor::new(&server);
    busy.sign_in("alice");
    for hour in 1..12 {
        server.clock.set(start + Duration::hours(hour));
        assert_eq!(busy.get("/").status, 200, "hour {hour}");
    }
    server.clock.set(start + Duration::hours(12));
    assert_eq!(
        busy.get("/").status,
        303,
        "twelve hours end even a busy session"
    );
}

#[test]
fn signing_out_ends_the_session_for_every_copy_of_its_cookie() {
    let server = server_with_maintainer();
    let mut v = Visitor::new(&server);
    v.sign_in("alice");
    let cookie = v.session().unwrap();
    let token = v.token_of("/");
    let refused = v.post("/users/sign_out", &[]);
    assert_eq!(refused.status, 403, "sign-out needs the form token too");
    assert_eq!(v.get("/").status, 200);
    let out = v.post("/users/sign_out", &[("authenticity_token", &token)]);
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), "/users/sign_in?signed_out=1");
    let mut copy = Visitor::new(&server);
    copy.cookies.insert("regauth_session".into(), cookie);
    assert_eq!(copy.get("/").status, 303);
}

#[test]
fn the_sign_in_form_needs_its_own_form_token() {
    let server = server_with_maintainer();
    let creds = [("username", "alice"), ("password", PASSWORD)];
    let mut v = Visitor::new(&server);
    let page = v.post("/users/sign_in", &creds);
    assert_eq!(page.status, 403, "no pre-session cookie");
    assert!(page.body.contains("Nothing was changed"));
    v.get("/users/sign_in");
    let wrong = [("authenticity_token", "forged"), creds[0], creds[1]];
    assert_eq!(v.post("/users/sign_in", &wrong).status, 403);
    assert!(v.session().is_none(), "no session was started");
}

#[test]
fn only_a_password_signs_in_never_a_token() {
    let server = server_with_maintainer();
    let pat = server
        .app
        .create_user("tokenonly", false)
        .unwrap()
        .first_token;
    let (_, dt_user, dt_secret) =
        server.token(HolderRef::Project("acme/backend/api"), &["read_registry"]);
    let alice_pat = server
        .app
        .create_personal_token(
            "alice",
            &regauth::app::users::CreatePersonalToken {
                name: "t",
                scopes: vec!["api"],
                expires_at: None,
            },
        )
        .unwrap();
    let attempts = [
        ("alice", "wrong password"),
        ("alice", alice_pat.secret.expose()),
        ("tokenonly", pat.secret.expose()),
        (dt_user.as_str(), dt_secret.as_str()),
        ("nobody", PASSWORD),
        ("alice", ""),
    ];
    for (username, password) in attempts {
        let mut v = Visitor::new(&server);
        let page = v.sign_in_with(username, password);
        assert_eq!(page.status, 401, "{username}");
        assert!(
            page.body.contains("Invalid username or password."),
            "{username}"
        );
        assert!(v.session().is_none(), "{username}");
    }
}

#[test]
fn form_posts_without_the_sessions_form_token_change_nothing() {
    let server = server_with_maintainer();
    let mut other = Visitor::new(&server);
    other.sign_in("alice");
    let foreign = other.token_of("/");
    let mut v = Visitor::new(&server);
    v.sign_in("alice");
    let fields = [("name", "ci"), ("scopes", "read_registry")];
    for token in [None, Some(""), Some("forged"), Some(foreign.as_str())] {
        let mut form = fields.to_vec();
        if let Some(token) = token {
            form.push(("authenticity_token", token));
        }
        let page = v.post(CREATE, &form);
        assert_eq!(page.status, 403, "token {token:?}");
        assert!(page.body.contains("The form could not be accepted"));
    }
    assert_eq!(stored_tokens(&server), 0, "nothing stored");
    let anonymous = Visitor::new(&server).post(CREATE, &fields);
    assert_eq!(anonymous.status, 303, "no session: sign in first");
    assert_eq!(stored_tokens(&server), 0);
}
