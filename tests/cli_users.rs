//! `regauth user …` and `regauth member …` as an operator types them: the first personal
//! access token printed once, JSON output, roles by name or number, errors on stderr.

mod backend;

use backend::TestDatabase;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn regauth(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regauth"))
        .args(args)
        .current_dir(dir)
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
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn fails(dir: &Path, args: &[&str]) -> String {
    let out = regauth(dir, args);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(out.stdout.is_empty(), "errors go to stderr only");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn users_and_their_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let admin: Value =
        serde_json::from_str(&ok(d, &["user", "create", "root", "--admin", "--json"])).unwrap();
    assert_eq!(admin["username"], "root");
    assert_eq!(admin["is_admin"], true);
    assert_eq!(admin["token"]["scopes"], serde_json::json!(["api"]));
    assert_eq!(admin["token"]["expires_at"], Value::Null);
    assert!(
        admin["token"]["token"]
            .as_str()
            .unwrap()
            .starts_with("glpat-")
    );

    let text = ok(d, &["user", "create", "alice"]);
    assert!(text.starts_with("created user alice (id 2)\n"), "{text}");
    assert!(text.contains("scopes: api\n"), "{text}");
    let secret = text
        .lines()
        .find_map(|l| l.strip_prefix("token:  "))
        .expect("the token line");
    assert!(secret.starts_with("glpat-") && secret.len() > 30);
    assert!(text.contains("shown only this once"));

    let token: Value = serde_json::from_str(&ok(
        d,
        &[
            "user",
            "token",
            "create",
            "alice",
            "--scopes",
            "read_registry,write_registry",
            "--name",
            "laptop",
            "--expires-at",
            "2099-01-01",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(token["name"], "laptop");
    assert_eq!(
        token["scopes"],
        serde_json::json!(["read_registry", "write_registry"])
    );
    assert_eq!(token["expires_at"], "2099-01-01T00:00:00Z");
    assert_ne!(token["token"].as_str(), Some(secret), "a new secret");
    let id = token["id"].to_string();
    assert_eq!(
        ok(d, &["user", "token", "revoke", &id]),
        format!("revoked personal access token {id} (\"laptop\")\n")
    );

    ok(d, &["group", "create", "acme"]);
    ok(d, &["project", "create", "acme/app"]);
    let deploy = ["token", "create", "--project", "acme/app", "--name", "ci"];
    ok(
        d,
        &[
            &deploy[..],
            &["--scopes", "read_registry", "--username", "Deployer"],
        ]
        .concat(),
    );
    let errors = [
        (vec!["user", "create", "alice"], "user alice already exists"),
        (vec!["user", "create", "a+b"], "username"),
        (vec!["user", "create", "a\tb"], "username"),
        (
            vec![
                "user",
                "token",
                "create",
                "alice",
                "--scopes",
                "api",
                "--name",
                "a\u{1b}[0m",
            ],
            "name: name must be 1 to 255 characters, not all blank, without control characters",
        ),
        (vec!["user", "create", "a\nb"], "username"),
        // A deploy token is called Deployer: no user may be, in any case.
        (
            vec!["user", "create", "deployer"],
            "username: \"deployer\" is the username of a deploy token (ignoring case)",
        ),
        (
            vec!["user", "create", "DEPLOYER", "--admin"],
            "username: \"DEPLOYER\" is the username of a deploy token",
        ),
        (
            vec!["user", "token", "create", "nobody", "--scopes", "api"],
            "user nobody not found",
        ),
        (
            vec!["user", "token", "create", "alice", "--scopes", "sudo"],
            "scopes: unknown scope \"sudo\"",
        ),
        (
            vec![
                "user",
                "token",
                "create",
                "alice",
                "--scopes",
                "api",
                "--expires-at",
                "2001-01-01",
            ],
            "expires_at",
        ),
        (
            vec!["user", "token", "revoke", "99"],
            "personal access token 99 not found",
        ),
    ];
    for (args, expected) in errors {
        let stderr = fails(d, &args);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn members_by_role_name_or_level() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["group", "create", "acme"]);
    ok(d, &["project", "create", "acme/app"]);
    ok(d, &["user", "create", "bob"]);
    assert_eq!(
        ok(
            d,
            &["member", "add", "--project", "acme/app", "bob", "developer"]
        ),
        "bob added as developer (30) of project acme/app\n"
    );
    assert_eq!(
        ok(d, &["member", "add", "--project", "acme/app", "bob", "40"]),
        "bob is now maintainer (40) of project acme/app\n"
    );
    assert_eq!(
        ok(d, &["member", "add", "--group", "acme", "bob", "Owner"]),
        "bob added as owner (50) of group acme\n"
    );
    let errors = [
        (
            vec!["member", "add", "--group", "acme", "bob", "admin"],
            "unknown role \"admin\"",
        ),
        (
            vec!["member", "add", "--group", "acme", "bob", "35"],
            "unknown role \"35\"",
        ),
        (
            vec!["member", "add", "--group", "nope", "bob", "guest"],
            "group nope not found",
        ),
        (
            vec!["member", "add", "--project", "acme/app", "carol", "guest"],
            "user carol not found",
        ),
        (vec!["member", "add", "bob", "guest"], "--project"),
    ];
    for (args, expected) in errors {
        let stderr = fails(d, &args);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
