//! HTTPS served by `regauth serve` itself (`REGAUTH_TLS_CERT`, `REGAUTH_TLS_KEY`): clients
//! that trust the test's CA connect, others do not; SIGHUP after replacing the files makes new
//! connections see the new certificate, and a broken replacement keeps the old one. Setting
//! only one of the two is a configuration error naming the other. Runs the real binary.

mod support;

use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};
use support::certs::{Ca, client_trusting};
use support::stack::{Regauth, Signing};

/// Generous: a reload happens as soon as the signal is handled.
const RELOAD_TIMEOUT: Duration = Duration::from_secs(30);

fn healthz(client: &reqwest::blocking::Client, regauth: &Regauth) -> Result<u16, String> {
    client
        .get(format!("{}/healthz", regauth.url()))
        .send()
        .map(|r| r.status().as_u16())
        .map_err(|e| format!("{e:?}"))
}

/// Put `from`'s certificate and key where the server reads them, each replaced at once.
fn install(cert: &Path, key: &Path, dir: &Path) {
    for (from, name) in [(cert, "tls.crt"), (key, "tls.key")] {
        let staged = dir.join(format!("{name}.new"));
        std::fs::copy(from, &staged).unwrap();
        std::fs::rename(&staged, dir.join(name)).unwrap();
    }
}

/// Waits until `client` connects (true) or the bound passes (false).
fn connects_soon(client: &reqwest::blocking::Client, regauth: &Regauth) -> bool {
    let started = Instant::now();
    while started.elapsed() < RELOAD_TIMEOUT {
        if healthz(client, regauth) == Ok(200) {
            return true;
        }
        thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn https_with_the_configured_certificate_reloaded_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (
        Ca::new("regauth test CA one"),
        Ca::new("regauth test CA two"),
    );
    let (cert1, key1) = first.server(dir.path(), "one");
    let (cert2, key2) = second.server(dir.path(), "two");
    install(&cert1, &key1, dir.path());
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    let env = [
        ("REGAUTH_TLS_CERT", cert.to_str().unwrap()),
        ("REGAUTH_TLS_KEY", key.to_str().unwrap()),
    ];
    let regauth = Regauth::start(dir.path(), Signing::default(), &env);
    assert!(
        regauth.url().starts_with("https://127.0.0.1:"),
        "{}",
        regauth.url()
    );
    let (trusts_first, trusts_second) = (client_trusting(&first.pem), client_trusting(&second.pem));
    assert_eq!(healthz(&trusts_first, &regauth), Ok(200));
    let refused = healthz(&trusts_second, &regauth).unwrap_err();
    assert!(refused.contains("UnknownIssuer"), "{refused}");
    let plain = reqwest::blocking::get(format!("http://{}/healthz", regauth.addr));
    assert!(
        plain.is_err() || plain.is_ok_and(|r| r.status() != 200),
        "no plain HTTP"
    );

    install(&cert2, &key2, dir.path());
    assert_eq!(
        healthz(&trusts_first, &regauth),
        Ok(200),
        "no reload before SIGHUP"
    );
    regauth.hangup();
    assert!(connects_soon(&trusts_second, &regauth), "{}", regauth.log());
    assert!(
        healthz(&trusts_first, &regauth).is_err(),
        "old certificate still served"
    );
    assert!(regauth.log().contains("reloaded the TLS certificate"));

    // A broken replacement: the reload fails, says so, and the current certificate stays.
    std::fs::write(&cert, "not a certificate\n").unwrap();
    regauth.hangup();
    let started = Instant::now();
    while !regauth.log().contains("TLS reload failed") && started.elapsed() < RELOAD_TIMEOUT {
        thread::sleep(Duration::from_millis(50));
    }
    assert!(
        regauth.log().contains("TLS reload failed"),
        "{}",
        regauth.log()
    );
    assert_eq!(healthz(&trusts_second, &regauth), Ok(200));
}

/// `regauth serve` with `env`, expected to fail at start: its stderr.
fn serve_fails(dir: &Path, env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_regauth"))
        .arg("serve")
        .env("REGAUTH_LISTEN", "127.0.0.1:0")
        .env("REGAUTH_DATABASE", dir.join("regauth.db"))
        .env("REGAUTH_KEYS_DIR", dir.join("keys"))
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(!out.status.success(), "serve started with {env:?}");
    assert!(out.stdout.is_empty(), "it must not say it listens");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn tls_settings_come_in_pairs_and_name_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let only_cert = serve_fails(dir.path(), &[("REGAUTH_TLS_CERT", "/etc/tls.crt")]);
    assert!(only_cert.contains("REGAUTH_TLS_KEY"), "{only_cert}");
    let only_key = serve_fails(dir.path(), &[("REGAUTH_TLS_KEY", "/etc/tls.key")]);
    assert!(only_key.contains("REGAUTH_TLS_CERT"), "{only_key}");

    let ca = Ca::new("regauth test CA");
    let (cert, key) = ca.server(dir.path(), "server");
    let (_, other_key) = ca.server(dir.path(), "other");
    let missing = dir.path().join("missing.crt");
    let text = serve_fails(
        dir.path(),
        &[
            ("REGAUTH_TLS_CERT", missing.to_str().unwrap()),
            ("REGAUTH_TLS_KEY", key.to_str().unwrap()),
        ],
    );
    assert!(text.contains("missing.crt"), "{text}");
    let text = serve_fails(
        dir.path(),
        &[
            ("REGAUTH_TLS_CERT", cert.to_str().unwrap()),
            ("REGAUTH_TLS_KEY", other_key.to_str().unwrap()),
        ],
    );
    assert!(text.contains("does not fit the certificate"), "{text}");
}
