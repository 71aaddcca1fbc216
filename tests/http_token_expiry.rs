//! Registry tokens never outlive their credential: `exp` is capped at the expiry of the deploy
//! token or personal access token (refresh-token grants included, since a refresh token
//! stands for the same credential), and `expires_in` says the same. Every JWT is verified with
//! the published certificate, on the manual clock.

mod api_harness;
mod harness;

use harness::{SERVICE, START, TestServer};
use regauth::app::namespaces::HolderRef;
use regauth::domain::role::AccessLevel;
use serde_json::Value;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// The instant the credentials of these tests expire: ten minutes after [`START`].
const EXPIRY: OffsetDateTime = datetime!(2026-11-25 12:10 UTC);
const EXPIRY_TEXT: &str = "2026-11-25T12:10:00Z";
const PULL: &str = "repository:acme/backend/api:pull";

/// `exp - iat` of a verified JWT and the answer's `expires_in`; checks that `exp` is `exp`.
fn lifetime(s: &TestServer, body: &Value, exp: i64) -> (i64, u64) {
    let jwt = body["token"].as_str().unwrap_or_else(|| panic!("{body}"));
    let (_, claims) = s.verify(jwt);
    assert_eq!(claims["exp"].as_i64(), Some(exp), "{claims}");
    assert_eq!(s.access(jwt), [PULL], "still a working token");
    let iat = claims["iat"].as_i64().unwrap();
    (exp - iat, body["expires_in"].as_u64().unwrap())
}

fn q() -> String {
    format!("service={SERVICE}&scope={PULL}")
}

/// Both grants (Basic, then the refresh grant) of one credential at `at`; each answer's
/// `exp` must be `exp` and `expires_in` must match it.
fn check_at(s: &TestServer, user: &str, secret: &str, at: OffsetDateTime, exp: i64) {
    let refresh = s.refresh_token(user, secret, SERVICE);
    s.clock.set(at);
    let (status, body) = s.get_token(&q(), Some((user, secret)));
    assert_eq!(status, 200, "{body}");
    let (left, expires_in) = lifetime(s, &body, exp);
    assert_eq!(expires_in as i64, left, "expires_in matches exp");
    let (status, body) = s.post_token(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", &refresh),
        ("service", SERVICE),
        ("scope", PULL),
    ]);
    assert_eq!(status, 200, "refresh grant: {body}");
    let (left, expires_in) = lifetime(s, &body, exp);
    assert_eq!(
        expires_in as i64, left,
        "refresh grant: expires_in matches exp"
    );
    s.clock.set(START);
}

#[test]
fn a_deploy_token_expiring_soon_caps_the_jwt() {
    let s = TestServer::start();
    s.seed();
    let api = HolderRef::Project("acme/backend/api");
    let (_, user, secret) = s.token_expiring(api, &["read_registry"], Some(EXPIRY_TEXT));
    let end = EXPIRY.unix_timestamp();
    // 6 ms before the end: the JWT expires with the token, one second after its `iat`.
    check_at(&s, &user, &secret, EXPIRY - Duration::milliseconds(6), end);
    // Ten minutes before the end, 900 s would be too long: 600 s it is.
    check_at(&s, &user, &secret, START, end);
    // Far from its end (or without one) a token gets the configured lifetime, 900 s.
    let later = Some("2026-12-01");
    let (_, user, secret) = s.token_expiring(api, &["read_registry"], later);
    check_at(&s, &user, &secret, START, START.unix_timestamp() + 900);
    let (_, user, secret) = s.token(api, &["read_registry"]);
    check_at(&s, &user, &secret, START, START.unix_timestamp() + 900);
}

#[test]
fn a_personal_access_token_expiring_soon_caps_the_jwt() {
    let s = TestServer::start();
    s.seed();
    let api = HolderRef::Project("acme/backend/api");
    api_harness::member_user(&s, "dev", api, AccessLevel::Reporter);
    let secret = api_harness::token(&s, "dev", &["read_registry"], Some(EXPIRY_TEXT));
    let end = EXPIRY.unix_timestamp();
    check_at(&s, "dev", &secret, EXPIRY - Duration::milliseconds(6), end);
    check_at(&s, "dev", &secret, START, end);
    let lasting = api_harness::token(&s, "dev", &["read_registry"], None);
    check_at(&s, "dev", &lasting, START, START.unix_timestamp() + 900);
}
