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
        .env("REGAUTH_KEYS_DIR", dir.join("keys"))
        // Outside the keys directory, as for a replica whose keys directory is read-only.
        .env("REGAUTH_PUBLIC_KEYS_DIR", dir.join("public"));
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

/// The files in the keys directory with their contents, sorted by name (empty if it does not
/// exist).
fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("keys"))
        .map(|entries| {
            entries
                .map(|e| {
                    let e = e.unwrap();
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read(e.path()).unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn names(files: &[(String, Vec<u8>)]) -> Vec<&str> {
    files.iter().map(|(name, _)| name.as_str()).collect()
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
            && err.contains(&format!(
                "keys directory {keys} lacks ring.json, ci-secrets.key:"
            ))
            && err.contains("regauth keys generate"),
        "{err}"
    );
    let nothing = listing(d);
    assert!(
        nothing.is_empty(),
        "nothing was created: {:?}",
        names(&nothing)
    );

    // Filled once, the directory serves a replica, which changes nothing in it.
    let made = ok(d, &["keys", "generate"], &[]);
    assert!(
        made.contains("created sealing key") && made.contains("ES256"),
        "{made}"
    );
    let before = listing(d);
    for name in [
        "ci-secrets.key",
        "ring.json",
        "signing-cert.pem",
        "signing-key.pem",
    ] {
        assert!(names(&before).contains(&name), "{:?}", names(&before));
    }
    let line = serve_briefly(d, &[NO_GENERATE]);
    assert!(
        line.starts_with("regauth listening on http://127.0.0.1:"),
        "{line}"
    );
    assert!(
        listing(d) == before,
        "the replica changed its keys directory"
    );

    // A directory lacking the sealing key is refused as well, naming only that file.
    let sealing = std::fs::read(d.join("keys/ci-secrets.key")).unwrap();
    std::fs::remove_file(d.join("keys/ci-secrets.key")).unwrap();
    let err = fails(d, &["serve"], &[NO_GENERATE]);
    assert!(err.contains("lacks ci-secrets.key:"), "{err}");
    assert!(!d.join("keys/ci-secrets.key").exists());
    // A key file the ring lists but the directory lacks is refused, never made anew.
    std::fs::write(d.join("keys/ci-secrets.key"), sealing).unwrap();
    std::fs::remove_file(d.join("keys/signing-cert.pem")).unwrap();
    let err = fails(d, &["serve"], &[NO_GENERATE]);
    assert!(err.contains("signing-cert.pem"), "{err}");
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
