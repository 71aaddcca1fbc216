//! The operator's list commands as typed: aligned tables with a header row, `--json`, the
//! instance-wide token list and its filters, and revoking a revoked token (exit 1, saying
//! so on stderr).

mod backend;
mod operator;

use backend::TestDatabase;
use operator::{fails, json_of, ok, regauth};
use regauth::app::deploy_tokens::CreateDeployToken;
use regauth::app::namespaces::HolderRef;
use regauth::app::{App, ManualClock};
use regauth::storage::Store;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use time::macros::datetime;

/// The column starts of a table's header line.
fn starts(header: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let bytes = header.as_bytes();
    for i in 1..bytes.len() {
        if bytes[i] != b' ' && bytes[i - 1] == b' ' {
            starts.push(i);
        }
    }
    starts
}

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
fn lists_are_aligned_tables_or_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    seed(d);
    let text = ok(d, &["group", "list"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(starts(lines[0]).len(), 5, "{text}");
    assert!(
        lines[0].starts_with("ID  PATH") && lines[0].ends_with("CREATED"),
        "{text}"
    );
    let path_column = starts(lines[0])[1];
    for (line, path) in lines[1..].iter().zip(["acme", "acme/backend", "other"]) {
        assert_eq!(&line[path_column..path_column + path.len()], path, "{text}");
    }
    assert_eq!(lines.len(), 4);
    let groups = json_of(d, &["group", "list", "--json"]);
    assert_eq!(groups[1]["full_path"], "acme/backend");
    assert_eq!(groups[1]["parent_id"], 1);

    let projects = json_of(d, &["project", "list", "--group", "acme", "--json"]);
    assert_eq!(projects.as_array().unwrap().len(), 1);
    assert_eq!(projects[0]["path_with_namespace"], "acme/backend/api");
    let text = ok(d, &["project", "list"]);
    assert!(
        text.starts_with("ID  PATH") && text.contains("REGISTRY"),
        "{text}"
    );
    assert!(fails(d, &["project", "list", "--group", "nope"]).contains("group nope not found"));

    let text = ok(d, &["user", "list"]);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .starts_with("ID  USERNAME  ADMIN  STATE"),
        "{text}"
    );
    let users = json_of(d, &["user", "list", "--json"]);
    assert_eq!(users, json!([users[0].clone(), users[1].clone()]));
    assert_eq!(
        (&users[0]["username"], &users[0]["state"]),
        (&json!("alice"), &json!("active"))
    );

    ok(
        d,
        &["member", "add", "--group", "acme", "alice", "maintainer"],
    );
    ok(
        d,
        &[
            "member",
            "add",
            "--project",
            "acme/backend/api",
            "root",
            "guest",
        ],
    );
    let direct = json_of(
        d,
        &["member", "list", "--project", "acme/backend/api", "--json"],
    );
    assert_eq!(
        direct,
        json!([{"id": 1, "username": "root", "access_level": 10, "role": "guest", "held_on": "acme/backend/api"}])
    );
    let text = ok(
        d,
        &["member", "list", "--project", "acme/backend/api", "--all"],
    );
    assert!(text.starts_with("USERNAME  ROLE"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("alice") && l.ends_with("acme")),
        "{text}"
    );

    let text = ok(d, &["user", "token", "list", "alice"]);
    let header = text.lines().next().unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        [
            "ID", "USER", "NAME", "SCOPES", "STATE", "CREATED", "EXPIRES", "LAST", "USED"
        ]
    );
    assert!(text.contains("initial") && text.contains("never"), "{text}");
    assert_eq!(
        ok(d, &["group", "list", "--json"])
            .trim_start()
            .chars()
            .next(),
        Some('[')
    );
}

#[test]
fn token_list_across_the_instance_with_filters() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    seed(d);
    // a token that expired: made on a clock in the past, through the library
    let app = App::with_clock(
        Store::open(&TestDatabase::of_dir(d, "db/regauth.db").location()).unwrap(),
        Arc::new(ManualClock::new(datetime!(2020-01-01 0:00 UTC))),
    );
    app.create_deploy_token(&CreateDeployToken {
        holder: HolderRef::Project("other/app"),
        name: "old",
        scopes: vec!["read_registry"],
        username: None,
        expires_at: Some("2020-06-01"),
        repositories: None,
    })
    .unwrap();
    let create = |holder: &str, path: &str, name: &str| {
        ok(
            d,
            &[
                "token",
                "create",
                holder,
                path,
                "--name",
                name,
                "--scopes",
                "read_registry",
            ],
        );
    };
    create("--project", "acme/backend/api", "api");
    create("--group", "acme", "group");
    create("--project", "other/app", "app");
    ok(d, &["token", "revoke", "3"]);
    let names = |args: &[&str]| -> Vec<Value> {
        let mut all = vec!["token", "list", "--json"];
        all.extend_from_slice(args);
        json_of(d, &all)
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].clone())
            .collect()
    };
    assert_eq!(
        names(&[]),
        [json!("old"), json!("api"), json!("group"), json!("app")]
    );
    assert_eq!(names(&["--active"]), [json!("api"), json!("app")]);
    assert_eq!(names(&["--expired"]), [json!("old")]);
    assert_eq!(names(&["--revoked"]), [json!("group")]);
    assert_eq!(
        names(&["--project", "other/app", "--active"]),
        [json!("app")]
    );
    assert_eq!(names(&["--group", "acme"]), [json!("group")]);
    let listed = json_of(d, &["token", "list", "--json"]);
    assert_eq!(
        listed[1]["holder"],
        json!({"kind": "project", "id": 1, "path": "acme/backend/api"})
    );
    assert!(listed[1].get("token").is_none(), "secrets are never listed");
    let text = ok(d, &["token", "list"]);
    let header: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "ID", "HOLDER", "NAME", "USERNAME", "SCOPES", "STATE", "CREATED", "EXPIRES", "LAST",
            "USED"
        ]
    );
    assert!(
        text.lines()
            .any(|l| l.contains("old") && l.contains("expired") && l.contains("2020-06-01 00:00")),
        "{text}"
    );
    let out = regauth(d, &["token", "list", "--active", "--revoked"], &[]);
    assert_eq!(out.status.code(), Some(2), "one state filter at a time");

    // revoking twice says so and exits 1, for both kinds of token
    assert!(
        fails(d, &["token", "revoke", "3"])
            .ends_with("error: deploy token 3 was already revoked\n")
    );
    ok(d, &["user", "token", "revoke", "2"]);
    assert!(
        fails(d, &["user", "token", "revoke", "2"])
            .ends_with("error: personal access token 2 was already revoked\n")
    );
}
