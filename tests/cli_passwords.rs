//! `regauth user create NAME --password-stdin` and `regauth user password NAME`: the
//! password comes from standard input (one line), is checked against the rules, and is
//! stored only as an argon2id hash; a new password ends the user's web sessions.

mod backend;

use backend::TestDatabase;
use regauth::app::App;
use regauth::storage::Store;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn regauth(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_regauth"))
        .args(args)
        .env(
            "REGAUTH_DATABASE",
            TestDatabase::of_dir(dir, "regauth.db").value,
        )
        .env("REGAUTH_KEYS_DIR", dir.join("keys"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn app(dir: &Path) -> App {
    let db = TestDatabase::of_dir(dir, "regauth.db");
    App::new(Store::open(&db.location()).unwrap())
}

#[test]
fn passwords_come_from_stdin_and_are_stored_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = regauth(
        d,
        &["user", "create", "alice", "--password-stdin"],
        "first pass phrase\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("created user alice"), "{printed}");
    assert!(!printed.contains("first pass phrase"), "never echoed");
    let first = app(d).sign_in("alice", "first pass phrase").unwrap();

    let stored = TestDatabase::of_dir(d, "regauth.db").at_rest();
    let text = String::from_utf8_lossy(&stored);
    assert!(
        !text.contains("first pass phrase"),
        "no clear password in the database"
    );
    assert!(text.contains("$argon2id$v=19$"), "an argon2id hash");

    let out = regauth(d, &["user", "password", "alice"], "second pass phrase\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = app(d);
    assert!(app.sign_in("alice", "first pass phrase").is_err());
    assert!(app.sign_in("alice", "second pass phrase").is_ok());
    let ended = app.reading_session(Some(&first.secret), |_| {
        Ok::<_, regauth::app::access::AccessError>(())
    });
    assert!(ended.is_err(), "the new password ended the old session");
}

#[test]
fn bad_passwords_are_refused_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (stdin, message) in [
        ("short\n", "at least 8 characters"),
        ("", "no password on standard input"),
    ] {
        let out = regauth(d, &["user", "create", "bob", "--password-stdin"], stdin);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{err}");
    }
    let out = regauth(d, &["user", "password", "nobody"], "long enough pw\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("user nobody not found"));
    let created = regauth(d, &["user", "create", "bob"], "");
    assert!(created.status.success(), "bob was not created before");
    assert!(
        app(d).sign_in("bob", "").is_err(),
        "no password, no sign-in"
    );
}
