//! The operator's delete, block and member-removal commands as typed, with refusals that
//! exit 1 and say why on stderr (a non-empty group, a user blocked twice), and the settings:
//! `--help` naming each one's environment variable, flags over the environment, a typo in
//! a `REGAUTH_` variable warned about, the unknown-key error listing every key.

mod backend;
mod operator;

use operator::{fails, json_of, ok, regauth};
use serde_json::json;
use std::path::Path;

fn seed(d: &Path) {
    for g in ["acme", "acme/backend", "other"] {
        ok(d, &["group", "create", g]);
    }
    ok(d, &["project", "create", "acme/backend/api"]);
    ok(
        d,
        &["project", "create", "other/app", "--visibility", "public"],
    );
    ok(d, &["user", "create", "root", "--admin"]);
    ok(d, &["user", "create", "alice"]);
}

#[test]
fn deleting_blocking_and_removing_members() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    seed(d);
    ok(
        d,
        &[
            "token",
            "create",
            "--project",
            "acme/backend/api",
            "--name",
            "ci",
            "--scopes",
            "read_registry",
        ],
    );
    let err = fails(d, &["group", "delete", "acme"]);
    assert!(
        err.contains("group acme is not empty: it holds 1 subgroup(s) and 1 project(s)"),
        "{err}"
    );
    assert_eq!(
        json_of(d, &["group", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        3,
        "nothing removed"
    );
    let text = ok(d, &["group", "delete", "acme", "--recursive"]);
    assert_eq!(
        text,
        "deleted group acme with 1 subgroup(s) and 1 project(s), and their deploy tokens\n"
    );
    assert_eq!(
        json_of(d, &["token", "list", "--json"]),
        json!([]),
        "its tokens are gone"
    );
    assert_eq!(
        ok(d, &["project", "delete", "other/app"]),
        "deleted project other/app and its deploy tokens\n"
    );
    assert_eq!(
        ok(d, &["group", "delete", "other"]),
        "deleted group other with 0 subgroup(s) and 0 project(s), and their deploy tokens\n"
    );
    assert!(fails(d, &["project", "delete", "other/app"]).contains("not found"));
    assert_eq!(ok(d, &["group", "list"]), "no groups\n");

    assert_eq!(
        ok(d, &["user", "block", "alice"]),
        "blocked alice: their tokens no longer work\n"
    );
    assert!(
        fails(d, &["user", "block", "alice"]).ends_with("error: user alice is already blocked\n")
    );
    assert_eq!(
        json_of(d, &["user", "list", "--json"])[0]["state"],
        "blocked"
    );
    assert_eq!(ok(d, &["user", "unblock", "alice"]), "unblocked alice\n");

    ok(d, &["group", "create", "team"]);
    ok(
        d,
        &["member", "add", "--group", "team", "alice", "developer"],
    );
    assert_eq!(
        ok(d, &["member", "remove", "--group", "team", "alice"]),
        "removed alice from group team\n"
    );
    assert!(
        fails(d, &["member", "remove", "--group", "team", "alice"])
            .contains("alice has no role of its own on team")
    );
    assert_eq!(
        ok(d, &["member", "list", "--group", "team"]),
        "no members\n"
    );

    ok(
        d,
        &["member", "add", "--group", "team", "alice", "developer"],
    );
    assert!(ok(d, &["user", "delete", "alice"]).starts_with("deleted user alice (id 2)"));
    assert_eq!(
        ok(d, &["member", "list", "--group", "team"]),
        "no members\n"
    );
    assert_eq!(
        json_of(d, &["user", "token", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1,
        "root's only"
    );
    assert!(fails(d, &["user", "delete", "alice"]).contains("user alice not found"));
}

#[test]
fn settings_show_their_variables_and_typos_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["group", "list", "--help"],
    ] {
        let help = ok(d, args);
        for var in [
            "REGAUTH_LISTEN",
            "REGAUTH_DATABASE",
            "REGAUTH_KEYS_DIR",
            "REGAUTH_TOKEN_LIFETIME",
            "REGAUTH_FORWARD_AUTH_HEADERS",
        ] {
            assert!(
                help.contains(&format!("[env: {var}]")),
                "{args:?} does not name {var}:\n{help}"
            );
        }
        assert!(help.contains("--token-lifetime <VALUE>"), "{help}");
    }
    // a typo is warned about, naming the setting it likely means, and the command still runs
    let out = regauth(d, &["group", "list"], &[("REGAUTH_LISTN", "127.0.0.1:1")]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("WARN")
            && stderr.contains("REGAUTH_LISTN")
            && stderr.contains("did you mean REGAUTH_LISTEN?"),
        "{stderr}"
    );
    let out = regauth(d, &["group", "list"], &[]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("WARN"));
    // a flag beats the environment
    ok(
        d,
        &["--database", "elsewhere.db", "group", "create", "flagged"],
    );
    assert!(d.join("elsewhere.db").exists());
    assert_eq!(ok(d, &["group", "list"]), "no groups\n");
    // the unknown-key error lists every key a file may hold
    std::fs::write(d.join("c.toml"), "listn = \"127.0.0.1:1\"\n").unwrap();
    let err = fails(d, &["--config", "c.toml", "group", "list"]);
    for key in [
        "listen",
        "database",
        "keys_dir",
        "token_lifetime",
        "dependency_proxy",
        "forward_auth_headers",
        "forward_auth_route",
    ] {
        assert!(err.contains(key), "{key} missing from: {err}");
    }
    assert!(err.contains("invalid listn: unknown key"), "{err}");
}
