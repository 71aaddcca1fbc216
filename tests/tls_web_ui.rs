//! Served over HTTPS (`REGAUTH_TLS_CERT`), the web UI's cookies carry `Secure`, so a
//! browser never sends them over plain HTTP. Runs the real binary.

mod support;

use support::certs::{Ca, client_trusting};
use support::stack::{Regauth, Signing};

#[test]
fn over_https_every_web_ui_cookie_is_secure() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("regauth web UI test CA");
    let (cert, key) = ca.server(dir.path(), "ui");
    let env = [
        ("REGAUTH_TLS_CERT", cert.to_str().unwrap()),
        ("REGAUTH_TLS_KEY", key.to_str().unwrap()),
    ];
    let regauth = Regauth::start(dir.path(), Signing::default(), &env);
    let page = client_trusting(&ca.pem)
        .get(format!("{}/users/sign_in", regauth.url()))
        .send()
        .unwrap();
    assert_eq!(page.status(), 200);
    let cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(!cookies.is_empty(), "the sign-in form sets its cookie");
    for cookie in cookies {
        assert!(cookie.contains("; Secure"), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
    }
}
