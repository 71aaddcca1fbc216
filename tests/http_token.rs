//! The token endpoint over real HTTP: every issued JWT is verified with the published
//! certificate and its claims asserted; every error has its status and body checked.

mod harness;

use harness::{SERVICE, START, TestServer, error_of};
use regauth::app::namespaces::HolderRef;
use regauth::jwt::Algorithm;
use std::io::Read;

const RW: &[&str] = &["read_registry", "write_registry"];
const RO: &[&str] = &["read_registry"];

fn q(scopes: &[&str]) -> String {
    let mut query = format!("service={SERVICE}");
    for s in scopes {
        query.push_str("&scope=");
        query.push_str(s);
    }
    query
}

#[test]
fn deploy_token_gets_the_granted_subset_in_a_verified_jwt() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) = s.token(HolderRef::Project("acme/backend/api"), RO);
    let res = s
        .http
        .get(s.url(&format!(
            "/jwt/auth?{}&account={user}&client_id=docker",
            q(&[
                "repository:acme/backend/api:pull,push",
                "repository:acme/frontend/web:pull"
            ])
        )))
        .basic_auth(&user, Some(&secret))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: serde_json::Value = res.json().unwrap();
    let jwt = body["token"].as_str().unwrap();
    assert_eq!(body["access_token"], body["token"]);
    assert_eq!(body["expires_in"], serde_json::json!(900));
    assert!(body["expires_in"].is_u64(), "expires_in must be an integer");
    assert_eq!(body["issued_at"], "2026-11-25T12:00:00Z");
    assert!(body.get("refresh_token").is_none(), "not asked for");
    assert!(body.get("scope").is_none(), "only on POST");
    let (header, claims) = s.verify(jwt);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    assert_eq!(header.x5c.as_ref().map(Vec::len), Some(1));
    assert_eq!(claims["iss"], "regauth");
    assert_eq!(claims["sub"], user.as_str());
    assert_eq!(claims["aud"], SERVICE, "aud must be a string");
    assert_eq!(claims["auth_type"], "deploy_token");
    let iat = claims["iat"].as_i64().unwrap();
    assert_eq!(iat, START.unix_timestamp());
    assert_eq!(claims["exp"].as_i64().unwrap(), iat + 900);
    let nbf = claims["nbf"].as_i64().unwrap();
    assert!(nbf < iat && iat - nbf <= 30, "nbf a few seconds before iat");
    assert!(claims["jti"].as_str().unwrap().len() >= 16);
    assert_eq!(s.access(jwt), ["repository:acme/backend/api:pull"]);
    assert!(!jwt.contains(&secret));
}

#[test]
fn kid_matches_the_published_certificate_and_jwks() {
    let s = TestServer::start();
    let (_, body) = s.get_token(&q(&["repository:x/y:pull"]), None);
    assert_eq!(error_of(&body).0, "UNAUTHORIZED");
    s.seed();
    let (_, user, secret) = s.token(HolderRef::Group("acme"), RO);
    let (status, body) = s.get_token(&q(&[]), Some((&user, &secret)));
    assert_eq!(status, 200);
    let (header, _) = s.verify(body["token"].as_str().unwrap());
    let jwks: serde_json::Value = s
        .http
        .get(s.url("/jwt/jwks.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(jwks["keys"][0]["kid"].as_str(), header.kid.as_deref());
    let kid = header.kid.unwrap();
    assert_eq!(
        kid.len(),
        59,
        "12 groups of 4 base32 characters joined by ':'"
    );
    // The x5c certificate is the published one.
    let pem = s
        .http
        .get(s.url("/jwt/certs.pem"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let der_b64 = &header.x5c.unwrap()[0];
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(&body, der_b64);
}

#[test]
fn rs256_and_no_x5c_tokens_verify_too() {
    for (algorithm, x5c) in [
        (Algorithm::Rs256, true),
        (Algorithm::Es256, false),
        (Algorithm::Rs256, false),
    ] {
        let s = TestServer::start_with(harness::KeyOptions { algorithm, x5c });
        s.seed();
        let (_, user, secret) = s.token(HolderRef::Project("acme/backend/api"), RW);
        let (status, body) = s.get_token(
            &q(&["repository:acme/backend/api:push,pull"]),
            Some((&user, &secret)),
        );
        assert_eq!(status, 200);
        let jwt = body["token"].as_str().unwrap();
        let (header, _) = s.verify(jwt);
        assert_eq!(header.x5c.is_some(), x5c, "{algorithm:?}");
        assert_eq!(
            header.alg as u8,
            match algorithm {
                Algorithm::Es256 => jsonwebtoken::Algorithm::ES256 as u8,
                Algorithm::Rs256 => jsonwebtoken::Algorithm::RS256 as u8,
            }
        );
        assert_eq!(s.access(jwt), ["repository:acme/backend/api:pull,push"]);
    }
}

#[test]
fn scope_may_repeat_be_space_separated_duplicated_or_absent() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) = s.token(HolderRef::Group("acme"), RW);
    let creds = Some((user.as_str(), secret.as_str()));
    let cases: &[(&str, &[&str])] = &[
        (
            "scope=repository:acme/backend/api:pull&scope=repository:acme/frontend/web:push",
            &[
                "repository:acme/backend/api:pull",
                "repository:acme/frontend/web:push",
            ],
        ),
        (
            "scope=repository:acme/backend/api:pull+repository:acme/frontend/web:pull,push",
            &[
                "repository:acme/backend/api:pull",
                "repository:acme/frontend/web:pull,push",
            ],
        ),
        (
            "scope=repository%3Aacme%2Fbackend%2Fapi%3Apull%20repository%3Aacme%2Fpub%3Apull",
            &[
                "repository:acme/backend/api:pull",
                "repository:acme/pub:pull",
            ],
        ),
        (
            "scope=repository:acme/backend/api:pull&scope=repository:acme/backend/api:pull",
            &["repository:acme/backend/api:pull"],
        ),
        (
            "scope=repository:acme/backend/api:push,pull,push&scope=repository:acme/backend/api:pull",
            &["repository:acme/backend/api:pull,push"],
        ),
        (
            // cross-repository mount asks for the destination and the source
            "scope=repository:acme/frontend/web:pull,push&scope=repository:acme/backend/api:pull",
            &[
                "repository:acme/frontend/web:pull,push",
                "repository:acme/backend/api:pull",
            ],
        ),
        (
            "scope=repository:acme/backend/api:*",
            &["repository:acme/backend/api:pull,push"],
        ),
        ("scope=repository:acme/backend/api:delete", &[]),
        ("scope=registry:catalog:*", &[]),
        ("", &[]),
    ];
    for (scopes, expected) in cases {
        let (status, body) = s.get_token(&format!("service={SERVICE}&{scopes}"), creds);
        assert_eq!(status, 200, "{scopes}: {body}");
        assert_eq!(
            s.access(body["token"].as_str().unwrap()),
            *expected,
            "{scopes}"
        );
    }
}

#[test]
fn bad_credentials_all_answer_the_same_401() {
    let s = TestServer::start();
    s.seed();
    let (id, user, secret) = s.token(HolderRef::Project("acme/backend/api"), RW);
    let (_, exp_user, exp_secret) = s.token_expiring(
        HolderRef::Project("acme/backend/api"),
        RW,
        Some("2026-12-01"),
    );
    let scope = q(&["repository:acme/pub:pull"]);
    let expected = (
        "UNAUTHORIZED".to_owned(),
        "invalid username or token".to_owned(),
    );
    let attempts: Vec<(&str, String)> = vec![
        ("unknown token", "gldt-unknownunknownunknown".into()),
        ("wrong password", format!("{secret}x")),
    ];
    for (what, password) in &attempts {
        let (status, body) = s.get_token(&scope, Some((&user, password)));
        assert_eq!((status, error_of(&body)), (401, expected.clone()), "{what}");
    }
    let (status, body) = s.get_token(&scope, Some(("gitlab+deploy-token-999", &secret)));
    assert_eq!(
        (status, error_of(&body)),
        (401, expected.clone()),
        "wrong username"
    );
    // expired exactly at midnight UTC of the date
    s.clock
        .set(time::macros::datetime!(2026-11-30 23:59:59 UTC));
    assert_eq!(s.get_token(&scope, Some((&exp_user, &exp_secret))).0, 200);
    s.clock.set(time::macros::datetime!(2026-12-01 00:00 UTC));
    let (status, body) = s.get_token(&scope, Some((&exp_user, &exp_secret)));
    assert_eq!(
        (status, error_of(&body)),
        (401, expected.clone()),
        "expired"
    );
    // revocation takes effect on the very next request
    assert_eq!(s.get_token(&scope, Some((&user, &secret))).0, 200);
    s.app.revoke_deploy_token(id).unwrap();
    let (status, body) = s.get_token(&scope, Some((&user, &secret)));
    assert_eq!(
        (status, error_of(&body)),
        (401, expected.clone()),
        "revoked"
    );
    // a non-Basic or broken Authorization header is bad credentials, never anonymous
    for header in ["Bearer abc", "Basic !!!notbase64", "Basic Zm9v"] {
        let res = s
            .http
            .get(s.url(&format!("/jwt/auth?{scope}")))
            .header("Authorization", header)
            .send()
            .unwrap();
        assert_eq!(res.status(), 401, "{header}");
        assert!(res.headers().contains_key("www-authenticate"));
    }
}

#[test]
fn refusals_have_clear_codes() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) = s.token(
        HolderRef::Project("acme/backend/api"),
        &["read_repository", "read_package_registry"],
    );
    let (status, body) = s.get_token(
        &q(&["repository:acme/backend/api:pull"]),
        Some((&user, &secret)),
    );
    assert_eq!(status, 403);
    assert_eq!(error_of(&body).0, "DENIED");
    assert!(error_of(&body).1.contains("read_registry"));

    let (status, body) = s.get_token("service=nope&scope=repository:acme/pub:pull", None);
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (404, "SERVICE_UNKNOWN")
    );
    let (status, body) = s.get_token("scope=repository:acme/pub:pull", None);
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (404, "SERVICE_UNKNOWN")
    );

    for bad in ["repository:acme/pub", "repository", ":x:pull"] {
        let (status, body) = s.get_token(&q(&[bad]), None);
        assert_eq!(
            (status, error_of(&body).0.as_str()),
            (400, "INVALID_SCOPE"),
            "{bad}"
        );
    }
    // anonymous: public pull works, anything else is 401 "authentication required"
    let (status, body) = s.get_token(&q(&["repository:acme/pub:pull"]), None);
    assert_eq!(status, 200);
    let (_, claims) = s.verify(body["token"].as_str().unwrap());
    assert_eq!(claims["sub"], "");
    assert_eq!(claims["auth_type"], "none");
    let (status, body) = s.get_token(&q(&["repository:acme/pub:push"]), None);
    assert_eq!(
        (status, error_of(&body)),
        (
            401,
            ("UNAUTHORIZED".into(), "authentication required".into())
        )
    );
    let (status, _) = s.get_token(&q(&["repository:acme/backend/api:pull"]), None);
    assert_eq!(status, 401);

    let res = s.http.get(s.url("/nowhere")).send().unwrap();
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().unwrap();
    assert_eq!(error_of(&body).0, "NOT_FOUND");
    assert_eq!(s.http.get(s.url("/healthz")).send().unwrap().status(), 200);
}

#[test]
fn post_password_and_refresh_grants() {
    let s = TestServer::start();
    s.seed();
    let (id, user, secret) = s.token(HolderRef::Project("acme/backend/api"), RW);
    let scope = "repository:acme/backend/api:pull,push";
    let (status, body) = s.post_token(&[
        ("grant_type", "password"),
        ("username", &user),
        ("password", &secret),
        ("service", SERVICE),
        ("client_id", "containers/image"),
        ("access_type", "offline"),
        ("scope", scope),
    ]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], scope);
    assert_eq!(s.access(body["access_token"].as_str().unwrap()), [scope]);
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    assert!(!refresh.contains(&secret) && !refresh.contains(&secret[5..]));

    // reusable, never rotated
    for _ in 0..2 {
        let (status, body) = s.post_token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("service", SERVICE),
            (
                "scope",
                "repository:acme/backend/api:pull repository:acme/pub:pull",
            ),
        ]);
        assert_eq!(status, 200, "{body}");
        let jwt = body["token"].as_str().unwrap();
        assert_eq!(
            s.access(jwt),
            [
                "repository:acme/backend/api:pull",
                "repository:acme/pub:pull"
            ]
        );
        assert_eq!(s.verify(jwt).1["sub"], user.as_str());
        assert!(body.get("refresh_token").is_none());
    }
    // with access_type=offline the same refresh token comes back
    let (_, body) = s.post_token(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", &refresh),
        ("service", SERVICE),
        ("access_type", "offline"),
    ]);
    assert_eq!(body["refresh_token"], refresh.as_str());
    // bad refresh token and bad grant type
    let (status, body) = s.refresh("rgrt-nope", SERVICE);
    assert_eq!((status, error_of(&body).0.as_str()), (401, "UNAUTHORIZED"));
    let (status, _) = s.post_token(&[("grant_type", "client_credentials"), ("service", SERVICE)]);
    assert_eq!(status, 400);
    let (status, _) = s.post_token(&[("grant_type", "refresh_token"), ("service", SERVICE)]);
    assert_eq!(status, 400);
    // wrong password on the password grant
    let (status, _) = s.post_token(&[
        ("grant_type", "password"),
        ("username", &user),
        ("password", "gldt-x"),
        ("service", SERVICE),
    ]);
    assert_eq!(status, 401);

    // revocation kills the refresh token at once
    s.app.revoke_deploy_token(id).unwrap();
    let (status, body) = s.refresh(&refresh, SERVICE);
    assert_eq!((status, error_of(&body).0.as_str()), (401, "UNAUTHORIZED"));
}

#[test]
fn get_offline_token_returns_a_refresh_token_only_with_credentials() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) = s.token(HolderRef::Project("acme/backend/api"), RO);
    let query = format!("{}&client_id=docker&offline_token=true", q(&[]));
    let (status, body) = s.get_token(&query, Some((&user, &secret)));
    assert_eq!(status, 200);
    assert!(body["refresh_token"].as_str().unwrap().starts_with("rgrt-"));
    let (status, body) = s.get_token(&format!("{query}&scope=repository:acme/pub:pull"), None);
    assert_eq!(status, 200);
    assert!(body.get("refresh_token").is_none());
}

#[test]
fn expired_deploy_token_kills_its_refresh_token() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) =
        s.token_expiring(HolderRef::Group("acme"), RO, Some("2026-11-26T00:00:00Z"));
    let refresh = s.refresh_token(&user, &secret, SERVICE);
    assert_eq!(s.refresh(&refresh, SERVICE).0, 200);
    s.clock.set(time::macros::datetime!(2026-11-26 00:00 UTC));
    assert_eq!(s.refresh(&refresh, SERVICE).0, 401);
}

/// A reader that hands out its bytes in small pieces, so reqwest sends the body chunked
/// with no Content-Length, as containers/image does.
struct Trickle(std::io::Cursor<Vec<u8>>);

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(7);
        self.0.read(&mut buf[..n])
    }
}

#[test]
fn post_accepts_a_chunked_body_without_content_length() {
    let s = TestServer::start();
    s.seed();
    let (_, user, secret) = s.token(HolderRef::Project("acme/backend/api"), RO);
    let form = serde_urlencoded::to_string([
        ("grant_type", "password"),
        ("username", user.as_str()),
        ("password", secret.as_str()),
        ("service", SERVICE),
        ("scope", "repository:acme/backend/api:pull"),
    ])
    .unwrap();
    let body = reqwest::blocking::Body::new(Trickle(std::io::Cursor::new(form.into_bytes())));
    let res = s
        .http
        .post(s.url("/jwt/auth"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().unwrap();
    assert_eq!(
        s.access(body["token"].as_str().unwrap()),
        ["repository:acme/backend/api:pull"]
    );
}
