//! TLS to PostgreSQL against a real server that the test switches to TLS with a CA of its
//! own: `sslmode=require` refuses a server without TLS; with TLS on, the right `sslrootcert`
//! connects and an unknown CA, a certificate for another host name or a file without a
//! certificate is refused (under the default `prefer` too: no fallback to plain text), and
//! nothing is written through a refused connection; `sslmode=disable` stays plain. Always
//! runs on the private PostgreSQL server (tests/pg), whatever REGAUTH_TEST_DATABASE says.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::backend::pg::{self, Cluster};
use support::certs::Ca;

/// Runs the real binary on `database`; exit code, stdout and stderr.
fn regauth(database: &str, keys: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_regauth"))
        .args(args)
        .env("REGAUTH_DATABASE", database)
        .env("REGAUTH_KEYS_DIR", keys)
        .output()
        .expect("run regauth");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The URL with TLS parameters added.
fn with(url: &str, query: &str) -> String {
    format!("{url}?{query}")
}

/// Makes the keys in `dir` private, as the server demands, and gives `dir` to its user.
fn hand_to_server(cluster: &Cluster, dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "key") {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    cluster.hand_over(dir);
}

/// Serve `cert`/`key` over TLS (or switch TLS off) and wait until the server says so.
fn set_tls(cluster: &Cluster, files: Option<(&Path, &Path)>) {
    match files {
        Some((cert, key)) => {
            cluster.psql(&format!(
                "ALTER SYSTEM SET ssl_cert_file = '{}'",
                cert.display()
            ));
            cluster.psql(&format!(
                "ALTER SYSTEM SET ssl_key_file = '{}'",
                key.display()
            ));
            cluster.psql("ALTER SYSTEM SET ssl = on");
        }
        None => {
            cluster.psql("ALTER SYSTEM SET ssl = off");
        }
    }
    cluster.psql("SELECT pg_reload_conf()");
    let want = if files.is_some() { "on" } else { "off" };
    let deadline = Instant::now() + Duration::from_secs(20);
    while cluster.psql("SHOW ssl") != want {
        assert!(
            Instant::now() < deadline,
            "the server did not turn ssl {want}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn groups(database: &str, keys: &Path) -> String {
    let (code, out, err) = regauth(database, keys, &["group", "list", "--json"]);
    assert_eq!(code, Some(0), "group list failed: {err}");
    out
}

#[test]
fn tls_to_postgresql_verifies_the_server_and_never_falls_back() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let cluster = pg::shared();
    let url = cluster.database();

    // The server offers no TLS yet: require refuses it, prefer goes plain.
    let (code, _, err) = regauth(&with(&url, "sslmode=require"), &keys, &["group", "list"]);
    eprintln!("require against a plain server printed: {}", err.trim_end());
    assert_eq!(code, Some(1), "require against a plain server: {err}");
    assert!(err.contains("database unavailable"), "{err}");
    assert!(!err.contains("pw-"), "the password is never shown: {err}");
    groups(&with(&url, "sslmode=prefer"), &keys);

    // A directory of its own, all of it handed to the server's user (it must reach the files).
    let certs_dir = tempfile::tempdir().unwrap();
    let certs = certs_dir.path();
    let ca = Ca::new("regauth test database CA");
    let good_ca = ca.write(&certs.join("ca.pem"));
    let other_ca = Ca::new("somebody else's CA").write(&certs.join("other-ca.pem"));
    let empty = certs.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let (cert, key) = ca.server(certs, "db");
    let (wrong_cert, wrong_key) = ca.server_for(certs, "elsewhere", &["db.invalid"]);
    hand_to_server(cluster, certs);
    set_tls(cluster, Some((&cert, &key)));

    let good = with(
        &url,
        &format!("sslmode=require&sslrootcert={}", good_ca.display()),
    );
    let (code, out, err) = regauth(&good, &keys, &["group", "create", "acme"]);
    assert_eq!(code, Some(0), "{err}\nserver log:\n{}", cluster.log());
    assert!(out.contains("created group acme"), "{out}");

    // An unknown CA is refused, under require and under the default prefer alike; the
    // group that command would have made does not exist.
    for mode in ["require", "prefer"] {
        let query = format!("sslmode={mode}&sslrootcert={}", other_ca.display());
        let (code, _, err) = regauth(&with(&url, &query), &keys, &["group", "create", "beta"]);
        eprintln!("{mode} with an unknown CA printed: {}", err.trim_end());
        assert_eq!(code, Some(1), "{mode} with an unknown CA: {err}");
        assert!(err.contains("certificate"), "{mode}: {err}");
    }
    // A file holding no certificate is named.
    let query = format!("sslmode=require&sslrootcert={}", empty.display());
    let (code, _, err) = regauth(&with(&url, &query), &keys, &["group", "list"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&empty.display().to_string()), "{err}");
    // disable never uses TLS, even when the server offers it.
    let listed = groups(&with(&url, "sslmode=disable"), &keys);
    assert!(
        listed.contains("\"acme\"") && !listed.contains("beta"),
        "{listed}"
    );

    // A certificate from the right CA for another host name is refused.
    set_tls(cluster, Some((&wrong_cert, &wrong_key)));
    let (code, _, err) = regauth(&good, &keys, &["group", "create", "gamma"]);
    eprintln!("a certificate for db.invalid printed: {}", err.trim_end());
    assert_eq!(
        code,
        Some(1),
        "a certificate for db.invalid at 127.0.0.1: {err}"
    );
    assert!(err.contains("certificate"), "{err}");
    set_tls(cluster, Some((&cert, &key)));
    let listed = groups(&good, &keys);
    assert!(
        !listed.contains("gamma") && !listed.contains("beta"),
        "{listed}"
    );
    set_tls(cluster, None);
}
