//! `token create --repositories` from the real binary: the patterns in the JSON entity and
//! the text output, and every bad pattern refused on stderr naming `repositories`, with
//! nothing created.

mod backend;

use backend::TestDatabase;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn regauth(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regauth"))
        .args(args)
        .current_dir(dir)
        .env_remove("REGAUTH_LISTEN")
        .env(
            "REGAUTH_DATABASE",
            TestDatabase::of_dir(dir, "db/regauth.db").value,
        )
        .env("REGAUTH_KEYS_DIR", dir.join("keys"))
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = regauth(dir, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {err}");
    String::from_utf8(out.stdout).unwrap()
}

fn create(holder: &str, path: &str, repositories: &str) -> Vec<String> {
    [
        "token",
        "create",
        holder,
        path,
        "--name",
        "web",
        "--scopes",
        "read_registry,write_registry",
        "--repositories",
        repositories,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn setup(d: &Path) {
    ok(d, &["group", "create", "acme"]);
    ok(d, &["group", "create", "acme/app"]);
    ok(d, &["project", "create", "acme/app/web"]);
    ok(d, &["project", "create", "acme/app/cache"]);
}

#[test]
fn create_shows_the_patterns_and_list_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let mut args = create("--group", "acme/app", "acme/app/web, acme/app/cache/*");
    args.push("--json".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let created: Value = serde_json::from_str(&ok(d, &args)).unwrap();
    let expected = serde_json::json!(["acme/app/web", "acme/app/cache/*"]);
    assert_eq!(created["repositories"], expected);
    let args = create("--project", "acme/app/web", "acme/app/web");
    let text = ok(d, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(text.contains("images:   acme/app/web\n"), "{text}");
    let listed: Value =
        serde_json::from_str(&ok(d, &["token", "list", "--group", "acme/app", "--json"])).unwrap();
    assert_eq!(listed[0]["repositories"], expected);
    assert_eq!(listed[0]["last_used_at"], Value::Null);
    let plain = ok(
        d,
        &[
            "token",
            "create",
            "--project",
            "acme/app/web",
            "--name",
            "all",
        ]
        .into_iter()
        .chain(["--scopes", "read_registry", "--json"])
        .collect::<Vec<_>>(),
    );
    let plain: Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(plain["repositories"], Value::Null);
}

#[test]
fn bad_patterns_fail_on_stderr_naming_repositories_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let cases = [
        (
            "--project",
            "acme/app/web",
            "",
            "repositories: invalid repository pattern \"\"",
        ),
        (
            "--project",
            "acme/app/web",
            "acme/app/web,",
            "repositories: invalid repository pattern \"\"",
        ),
        (
            "--project",
            "acme/app/web",
            "acme/*/web",
            "repositories: invalid repository pattern \"acme/*/web\"",
        ),
        (
            "--project",
            "acme/app/web",
            "ACME/app/web",
            "repositories: invalid repository pattern",
        ),
        (
            "--project",
            "acme/app/web",
            "acme/app/cache",
            "repositories: repository pattern \"acme/app/cache\" is outside acme/app/web: a pattern can only narrow what the token's holder covers",
        ),
        (
            "--project",
            "acme/app/web",
            "acme/app/*",
            "repositories: repository pattern \"acme/app/*\" is outside acme/app/web",
        ),
        (
            "--group",
            "acme/app",
            "acme/app",
            "repositories: repository pattern \"acme/app\" is outside acme/app",
        ),
        (
            "--group",
            "acme/app",
            "acme/*",
            "repositories: repository pattern \"acme/*\" is outside acme/app",
        ),
    ];
    for (flag, holder, patterns, expected) in cases {
        let args = create(flag, holder, patterns);
        let out = regauth(d, &args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(!out.status.success(), "{patterns:?} should fail");
        assert!(out.stdout.is_empty(), "errors go to stderr only");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(expected), "{patterns:?}: {err}");
    }
    for (flag, holder) in [("--project", "acme/app/web"), ("--group", "acme/app")] {
        let listed = ok(d, &["token", "list", flag, holder, "--json"]);
        assert_eq!(listed.trim(), "[]", "nothing was created for {holder}");
    }
}
