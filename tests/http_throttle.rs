//! Failed logins are throttled per client address and username at `/jwt/auth`,
//! `/auth/forward` and `/api/v4`: past the threshold further failures get 429 with
//! `Retry-After` in the surface's error shape, while valid credentials from the same address
//! keep getting 200. The client address is the peer's, or a trusted proxy's
//! `X-Forwarded-For`.

mod api_harness;
mod harness;

use harness::forward::{answer, nginx};
use harness::{Network, TestServer, error_of, unthrottled};
use regauth::app::namespaces::HolderRef;
use regauth::domain::client::TrustedProxies;
use regauth::domain::throttle::Policy;
use reqwest::blocking::RequestBuilder;
use time::Duration;

const PULL: &str = "service=container_registry&scope=repository:acme/backend/api:pull";
const INFO_REFS: &str = "/acme/backend/api.git/info/refs?service=git-upload-pack";
const MAX: u32 = 3;

fn network(trusted: &str) -> Network {
    Network {
        trusted_proxies: TrustedProxies::parse(trusted).unwrap(),
        throttle: Policy {
            max_failures: MAX,
            window: Duration::seconds(60),
            ban: Duration::seconds(300),
        },
        ..unthrottled()
    }
}

fn server(trusted: &str) -> (TestServer, String, String) {
    let s = TestServer::start_network(network(trusted));
    s.seed();
    let scopes = &["read_registry", "read_repository"];
    let (_, user, secret) = s.token(HolderRef::Project("acme/backend/api"), scopes);
    (s, user, secret)
}

/// Status, `Retry-After` and body of a request.
fn send(req: RequestBuilder) -> (u16, Option<u64>, String) {
    let res = req.send().unwrap();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (res.status().as_u16(), retry, res.text().unwrap())
}

fn pull(s: &TestServer, user: &str, secret: &str) -> RequestBuilder {
    s.http
        .get(s.url(&format!("/jwt/auth?{PULL}")))
        .basic_auth(user, Some(secret))
}

#[test]
fn registry_logins_past_the_threshold_get_429_and_good_ones_still_200() {
    let (s, user, secret) = server("");
    // Anonymous requests are not failed logins, however many.
    for _ in 0..10 {
        assert_eq!(s.get_token(PULL, None).0, 401);
    }
    for _ in 0..MAX {
        let (status, body) = s.get_token(PULL, Some((&user, "wrong")));
        assert_eq!(status, 401, "{body}");
    }
    let (status, retry, body) = send(pull(&s, &user, "wrong"));
    assert_eq!((status, retry), (429, Some(300)), "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    let (code, message) = error_of(&body);
    assert_eq!(code, "TOOMANYREQUESTS");
    assert_eq!(
        message,
        "too many failed logins for this username from this address"
    );
    // The POST form of the same login is the same key.
    let (status, body) = s.post_token(&[
        ("grant_type", "password"),
        ("username", &user),
        ("password", "still wrong"),
        ("service", "container_registry"),
    ]);
    assert_eq!(status, 429, "{body}");

    // The right secret is checked as always, and passes.
    let (status, body) = s.get_token(PULL, Some((&user, &secret)));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        s.access(body["token"].as_str().unwrap()),
        ["repository:acme/backend/api:pull"]
    );
    // Another username from this address is not throttled.
    assert_eq!(s.get_token(PULL, Some(("someone-else", "wrong"))).0, 401);

    // Once the ban is over, a failure is a plain 401 again.
    s.clock.set(harness::START + Duration::seconds(301));
    assert_eq!(s.get_token(PULL, Some((&user, "wrong"))).0, 401);
}

#[test]
fn forward_auth_failures_are_throttled_in_its_own_shape() {
    let (s, user, secret) = server("");
    for _ in 0..10 {
        assert_eq!(nginx(&s, "GET", INFO_REFS, None).status, 401);
    }
    for _ in 0..MAX {
        assert_eq!(
            nginx(&s, "GET", INFO_REFS, Some((&user, "wrong"))).status,
            401
        );
    }
    let throttled = || {
        s.http
            .get(s.url("/auth/forward"))
            .header("X-Original-Method", "GET")
            .header("X-Original-URI", INFO_REFS)
            .basic_auth(&user, Some("wrong"))
    };
    let (status, retry, body) = send(throttled());
    assert_eq!((status, retry), (429, Some(300)));
    let reason = "too many failed logins for this username from this address";
    assert_eq!(body, format!("{reason}\n"));
    let a = answer(throttled());
    assert_eq!(a.reason.as_deref(), Some(reason));
    assert_eq!(a.challenge, None, "a 429 must not make git ask again");

    let ok = nginx(&s, "GET", INFO_REFS, Some((&user, &secret)));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.user.as_deref(), Some(user.as_str()));
}

#[test]
fn api_failures_are_throttled_in_gitlab_shape() {
    let (s, _, _) = server("");
    let good = api_harness::user(&s, "alice", false);
    // Nobody presenting a token is no failed login either.
    for _ in 0..10 {
        let r = api_harness::call(
            &s,
            "GET",
            "/user",
            api_harness::Auth::None,
            api_harness::Body::None,
        );
        assert_eq!(r.status, 401);
    }
    for _ in 0..MAX {
        let r = api_harness::get(&s, "/user", "glpat-wrong");
        assert_eq!(r.status, 401);
        assert_eq!(api_harness::message(&r), "401 Unauthorized");
    }
    let r = api_harness::get(&s, "/user", "glpat-wrong");
    assert_eq!(r.status, 429);
    assert_eq!(api_harness::message(&r), "429 Too Many Requests");
    assert_eq!(r.header("retry-after"), "300");

    let r = api_harness::get(&s, "/user", &good);
    assert_eq!(r.status, 200);
    assert_eq!(r.body["username"], "alice");
}

#[test]
fn the_client_is_the_forwarded_address_only_behind_a_trusted_proxy() {
    let via = |s: &TestServer, user: &str, xff: &str| {
        send(pull(s, user, "wrong").header("X-Forwarded-For", xff)).0
    };
    // The test client connects from 127.0.0.1: trusted here, so its header names the client.
    let (s, user, secret) = server("127.0.0.1/32");
    for _ in 0..MAX {
        assert_eq!(via(&s, &user, "198.51.100.1"), 401);
    }
    assert_eq!(via(&s, &user, "198.51.100.1"), 429);
    // Another client behind the same proxy is not throttled...
    assert_eq!(via(&s, &user, "198.51.100.2"), 401);
    // ...nor can the throttled one escape by prepending an address of its choosing.
    assert_eq!(via(&s, &user, "203.0.113.7, 198.51.100.1"), 429);
    // And its valid pull goes through.
    let (status, _, _) = send(pull(&s, &user, &secret).header("X-Forwarded-For", "198.51.100.1"));
    assert_eq!(status, 200);

    // Not trusted: the header is ignored and every request is the peer's, 127.0.0.1.
    let (s, user, _) = server("10.0.0.0/8");
    for i in 0..MAX {
        assert_eq!(via(&s, &user, &format!("198.51.100.{i}")), 401);
    }
    assert_eq!(via(&s, &user, "198.51.100.200"), 429);
}

/// Everything the server logs in this test binary, from the first call on.
fn log() -> &'static std::sync::Mutex<Vec<u8>> {
    static LOG: std::sync::OnceLock<&'static std::sync::Mutex<Vec<u8>>> =
        std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let buffer: &'static std::sync::Mutex<Vec<u8>> = Box::leak(Box::default());
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || Sink(buffer))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        tracing::callsite::rebuild_interest_cache();
        buffer
    })
}

struct Sink(&'static std::sync::Mutex<Vec<u8>>);

impl std::io::Write for Sink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_flood_of_failures_is_not_a_flood_of_log_lines() {
    let log = log();
    let (s, user, _) = server("127.0.0.1/32");
    let secret = "gldt-wrong-secret-never-logged";
    for _ in 0..200 {
        let req = pull(&s, &user, secret).header("X-Forwarded-For", "198.51.100.77");
        assert!(matches!(send(req).0, 401 | 429));
        let fwd = s
            .http
            .get(s.url("/auth/forward"))
            .header("X-Original-Method", "GET")
            .header("X-Original-URI", INFO_REFS)
            .header("X-Forwarded-For", "198.51.100.77")
            .basic_auth(&user, Some(secret));
        assert!(matches!(send(fwd).0, 401 | 429));
    }
    let text = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("198.51.100.77"))
        .collect();
    // 400 failures in one window: the first gets its access line; the rest are counted
    // for the summary line the window's end brings.
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].contains("token refused"), "{}", lines[0]);
    assert!(lines[0].contains("status=401"), "{}", lines[0]);
    assert!(
        lines[0].contains(&format!("username=\"{user}\"")),
        "{}",
        lines[0]
    );
    assert!(!text.contains(secret));
}
