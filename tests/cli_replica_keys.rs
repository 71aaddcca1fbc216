//! `REGAUTH_KEYS_GENERATE=false`, as a replica runs: `serve` and the admin commands never make
//! a key of their own; they refuse, naming the keys directory and the missing files, and leave
//! the directory as it was. `regauth keys generate` fills a directory once for every replica.

mod backend;

use backend::TestDatabase;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const NO_GENERATE: (&str, &str) = ("REGAUTH_KEYS_GENERATE", "false");

fn regauth(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_regauth"));
    command
        .current_dir(dir)
        .env("REGAUTH_LISTEN", "127.0.0.1:0")
        .env(
            "REGAUTH_DATABASE",
            TestDatabase::of_dir(dir, "db/regauth.db").value,
        )
        .env("REGAUTH_KEYS_DIR", dir.join("keys"));
    command
}

fn output(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    regauth(dir)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn fails(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = output(dir, args, env);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(out.stdout.is_empty(), "errors go to stderr only");
    String::from_utf8(out.stderr).unwrap()
}

fn ok(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = output(dir, args, env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// The names in the keys directory, sorted (empty if it does not exist).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("keys"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Starts `serve`, waits for its address line, stops it; returns the line.
fn serve_briefly(dir: &Path, env: &[(&str, &str)]) -> String {
    let mut child = regauth(dir)
        .arg("serve")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // The child is ours; it serves until stopped.
    child.kill().unwrap();
    child.wait().unwrap();
    line
}

#[test]
fn serve_refuses_to_make_keys_of_its_own_naming_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let err = fails(d, &["serve"], &[NO_GENERATE]);
    let keys = d.join("keys").display().to_string();
    assert!(
        err.contains("REGAUTH_KEYS_GENERATE is false")
            && err.contains(&format!("keys directory {keys} lacks"))
            && err.contains("signing-key.pem, signing-cert.pem, ci-secrets.key")
            && err.contains("regauth keys generate"),
        "{err}"
    );
    assert!(
        listing(d).is_empty(),
        "nothing was created: {:?}",
        listing(d)
    );

    // Filled once, the directory serves a replica, which changes nothing in it.
    let made = ok(d, &["keys", "generate"], &[]);
    assert!(
        made.contains("created sealing key") && made.contains("ES256"),
        "{made}"
    );
    let before = listing(d);
    assert_eq!(
        before,
        ["ci-secrets.key", "signing-cert.pem", "signing-key.pem"]
    );
    let line = serve_briefly(d, &[NO_GENERATE]);
    assert!(
        line.starts_with("regauth listening on http://127.0.0.1:"),
        "{line}"
    );
    assert_eq!(listing(d), before);

    // A directory lacking one file is refused as well, naming only that file.
    std::fs::remove_file(d.join("keys/signing-cert.pem")).unwrap();
    let err = fails(d, &["serve"], &[NO_GENERATE]);
    assert!(err.contains("lacks signing-cert.pem:"), "{err}");
    assert!(!d.join("keys/signing-cert.pem").exists());
}

#[test]
fn a_replica_never_makes_the_sealing_key_and_creates_no_token_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["group", "create", "acme"], &[NO_GENERATE]);
    let holder = ["--group", "acme", "--scopes", "read_registry"];
    let args = [
        &["token", "create", "--name", "gitlab-deploy-token"][..],
        &holder,
    ]
    .concat();
    let err = fails(d, &args, &[NO_GENERATE]);
    assert!(
        err.contains("ci-secrets.key") && err.contains("REGAUTH_KEYS_GENERATE is false"),
        "{err}"
    );
    assert!(!d.join("keys/ci-secrets.key").exists());
    let listed = ok(d, &["token", "list", "--group", "acme", "--json"], &[]);
    assert_eq!(listed.trim(), "[]", "the refused token was not created");

    // Tokens that seal nothing need no sealing key.
    let args = [&["token", "create", "--name", "ci"][..], &holder].concat();
    ok(d, &args, &[NO_GENERATE]);
    // `keys generate` never replaces a sealing key (with --force, only the signing key).
    ok(d, &["keys", "generate"], &[]);
    let sealing = std::fs::read(d.join("keys/ci-secrets.key")).unwrap();
    let again = ok(d, &["keys", "generate", "--force"], &[]);
    assert!(!again.contains("sealing key"), "{again}");
    assert_eq!(
        std::fs::read(d.join("keys/ci-secrets.key")).unwrap(),
        sealing
    );
    let args = [
        &["token", "create", "--name", "gitlab-deploy-token"][..],
        &holder,
    ]
    .concat();
    ok(d, &args, &[NO_GENERATE]);
}
