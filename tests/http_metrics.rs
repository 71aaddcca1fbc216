//! `GET /metrics` as Prometheus scrapes it: the counters move with the requests made (issued,
//! unauthorized, denied; forward-auth decisions), latency is counted per route pattern (never
//! per raw path), and the key ring and build are shown. `HEAD /healthz` answers too.

mod harness;

use harness::forward::nginx;
use harness::{SERVICE, TestServer};
use regauth::app::namespaces::HolderRef::Project;

const PULL: &str = "scope=repository:acme/backend/api:pull";
const INFO_REFS: &str = "/acme/backend/api.git/info/refs?service=git-upload-pack";

/// The scraped text, checking the content type on the way.
fn scrape(s: &TestServer) -> String {
    let res = s.http.get(s.url("/metrics")).send().unwrap();
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    res.text().unwrap()
}

/// The value of the sample `name{labels}` (labels exactly as written), 0 if absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

fn token_series(outcome: &str, credential: &str) -> String {
    format!(
        "regauth_token_requests_total{{service=\"{SERVICE}\",outcome=\"{outcome}\",credential=\"{credential}\"}}"
    )
}

#[test]
fn token_counters_move_with_each_outcome() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) = s.token(Project("acme/backend/api"), &["read_registry"]);
    let (_, git_user, git_secret) = s.token(Project("acme/backend/api"), &["read_repository"]);
    let query = format!("service={SERVICE}&{PULL}");
    let before = scrape(&s);
    let issued = token_series("issued", "deploy_token");
    assert_eq!(sample(&before, &issued), 0.0);

    assert_eq!(s.get_token(&query, Some((&user, &secret))).0, 200);
    assert_eq!(s.get_token(&query, Some((&user, &secret))).0, 200);
    assert_eq!(s.get_token(&query, Some((&user, "gldt-wrong"))).0, 401);
    assert_eq!(s.get_token(&query, Some((&git_user, &git_secret))).0, 403);
    // A token for another project's repository: 200, but granting nothing is a denial.
    let elsewhere = format!("service={SERVICE}&scope=repository:acme/frontend/web:pull");
    let (status, body) = s.get_token(&elsewhere, Some((&user, &secret)));
    assert_eq!(status, 200);
    assert_eq!(
        s.access(body["token"].as_str().unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(
        s.get_token("service=nope", Some((&user, &secret))).0,
        404,
        "unknown service"
    );

    let after = scrape(&s);
    assert_eq!(sample(&after, &issued), 2.0, "{after}");
    let unauthorized = token_series("unauthorized", "deploy_token");
    assert_eq!(sample(&after, &unauthorized), 1.0, "{after}");
    assert_eq!(sample(&after, &token_series("denied", "deploy_token")), 2.0);
    // The service a client names becomes a label only when it is configured.
    let unknown = "regauth_token_requests_total{service=\"unknown\",outcome=\"invalid\",credential=\"deploy_token\"}";
    assert_eq!(sample(&after, unknown), 1.0, "{after}");
    assert!(!after.contains("\"nope\""), "{after}");

    let count =
        "regauth_http_request_duration_seconds_count{endpoint=\"/jwt/auth\",method=\"GET\"}";
    assert_eq!(sample(&after, count), 6.0, "{after}");
    let inf = "regauth_http_request_duration_seconds_bucket{le=\"+Inf\",endpoint=\"/jwt/auth\",method=\"GET\"}";
    assert_eq!(sample(&after, inf), 6.0, "{after}");
}

#[test]
fn forward_auth_decisions_are_counted() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) = s.token(Project("acme/backend/api"), &["read_repository"]);
    let (_, reg_user, reg_secret) = s.token(Project("acme/backend/api"), &["read_registry"]);
    assert_eq!(
        nginx(&s, "GET", INFO_REFS, Some((&user, &secret))).status,
        200
    );
    assert_eq!(
        nginx(&s, "GET", INFO_REFS, Some((&user, "gldt-x"))).status,
        401
    );
    assert_eq!(
        nginx(&s, "GET", INFO_REFS, Some((&reg_user, &reg_secret))).status,
        403
    );
    assert_eq!(nginx(&s, "GET", INFO_REFS, None).status, 401);

    let text = scrape(&s);
    let decision = |d: &str, c: &str| {
        let series =
            format!("regauth_forward_auth_decisions_total{{decision=\"{d}\",credential=\"{c}\"}}");
        sample(&text, &series)
    };
    assert_eq!(decision("allowed", "deploy_token"), 1.0, "{text}");
    assert_eq!(decision("unauthorized", "deploy_token"), 1.0, "{text}");
    assert_eq!(decision("denied", "deploy_token"), 1.0, "{text}");
    assert_eq!(decision("unauthorized", "anonymous"), 1.0, "{text}");
    let count =
        "regauth_http_request_duration_seconds_count{endpoint=\"/auth/forward\",method=\"GET\"}";
    assert_eq!(sample(&text, count), 4.0, "{text}");
}

#[test]
fn latency_labels_are_route_patterns_and_the_ring_and_build_are_shown() {
    let s = TestServer::start();
    s.seed();
    for path in [
        "/api/v4/projects/1",
        "/api/v4/projects/2",
        // Outside /api/v4 any GET path may be a project page of the web UI (GitLab's
        // `/{path}`, label `/{tail:.+}`), so the unmatched one is an unknown API path.
        "/api/v4/no/such/thing/zq-raw-path",
    ] {
        s.http.get(s.url(path)).send().unwrap();
    }
    let text = scrape(&s);
    let pattern = "regauth_http_request_duration_seconds_count{endpoint=\"/api/v4/projects/{id}\",method=\"GET\"}";
    assert_eq!(sample(&text, pattern), 2.0, "{text}");
    let unmatched =
        "regauth_http_request_duration_seconds_count{endpoint=\"unmatched\",method=\"GET\"}";
    assert_eq!(sample(&text, unmatched), 1.0, "{text}");
    // Not a number: a latency sum can hold any digits.
    assert!(
        !text.contains("zq-raw-path"),
        "a raw path became a label:\n{text}"
    );

    let kid = s
        .http
        .get(s.url("/jwt/jwks.json"))
        .send()
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap()["keys"][0]["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = format!("regauth_signing_key{{kid=\"{kid}\",algorithm=\"ES256\",active=\"true\"}}");
    assert_eq!(sample(&text, &key), 1.0, "{text}");
    assert_eq!(sample(&text, "regauth_signing_keys_published"), 1.0);
    let build = format!(
        "regauth_build_info{{version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(sample(&text, &build), 1.0, "{text}");
    assert_eq!(sample(&text, "regauth_database_errors_total"), 0.0);
    assert!(
        text.contains("# TYPE regauth_database_errors counter"),
        "{text}"
    );
}

#[test]
fn head_healthz_answers_without_a_body() {
    let s = TestServer::start();
    let res = s.http.head(s.url("/healthz")).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().unwrap(), "");
    let get = s.http.get(s.url("/healthz")).send().unwrap();
    assert_eq!(get.text().unwrap(), r#"{"status":"ok"}"#);
    let post = s.http.post(s.url("/healthz")).send().unwrap();
    assert_eq!(post.status(), 404, "only GET and HEAD");
}
