//! The `regauth` binary as an operator uses it: exact command shapes, JSON output, errors on
//! stderr with a non-zero exit, configuration errors naming the key.

mod backend;
mod operator;

use backend::TestDatabase;
use operator::{ok, regauth};
use serde_json::Value;
use std::path::Path;

fn fails(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = regauth(dir, args, env);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(out.stdout.is_empty(), "errors go to stderr only");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn groups_projects_and_tokens_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["group", "create", "acme"]);
    ok(d, &["group", "create", "acme/backend"]);
    let project: Value = serde_json::from_str(&ok(
        d,
        &[
            "project",
            "create",
            "acme/backend/api",
            "--visibility",
            "public",
            "--registry",
            "private",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(project["path_with_namespace"], "acme/backend/api");
    assert_eq!(project["container_registry_access_level"], "private");

    let created: Value = serde_json::from_str(&ok(
        d,
        &[
            "token",
            "create",
            "--project",
            "acme/backend/api",
            "--name",
            "ci",
            "--scopes",
            "read_registry,write_registry",
            "--expires-at",
            "2099-06-30",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(created["id"], 1);
    assert_eq!(created["username"], "gitlab+deploy-token-1");
    assert_eq!(created["expires_at"], "2099-06-30T00:00:00Z");
    assert_eq!(
        created["scopes"],
        serde_json::json!(["read_registry", "write_registry"])
    );
    assert_eq!(created["revoked"], false);
    assert_eq!(created["expired"], false);
    let secret = created["token"].as_str().unwrap();
    assert!(secret.starts_with("gldt-") && secret.len() >= 25);

    let group_token = ok(
        d,
        &[
            "token",
            "create",
            "--group",
            "acme",
            "--name",
            "g",
            "--scopes",
            "read_registry",
            "--username",
            "ci-bot",
        ],
    );
    assert!(group_token.contains("username: ci-bot"));
    assert!(group_token.contains("token:    gldt-"));

    let listed: Value = serde_json::from_str(&ok(
        d,
        &["token", "list", "--project", "acme/backend/api", "--json"],
    ))
    .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        listed[0].get("token").is_none(),
        "the secret is never shown again"
    );
    let stored = TestDatabase::of_dir(d, "db/regauth.db").at_rest();
    let needle = secret.as_bytes();
    assert!(
        !stored.windows(needle.len()).any(|w| w == needle),
        "secret stored in clear"
    );

    assert!(ok(d, &["token", "revoke", "1"]).contains("revoked deploy token 1"));
    let active: Value = serde_json::from_str(&ok(
        d,
        &[
            "token",
            "list",
            "--project",
            "acme/backend/api",
            "--active",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(active, serde_json::json!([]));
    let all: Value = serde_json::from_str(&ok(
        d,
        &["token", "list", "--project", "acme/backend/api", "--json"],
    ))
    .unwrap();
    assert_eq!(all[0]["revoked"], true);
    let text = ok(d, &["token", "list", "--group", "acme"]);
    assert!(text.contains("ci-bot") && text.contains("active"), "{text}");
}

#[test]
fn bad_input_fails_on_stderr_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["group", "create", "acme"]);
    ok(d, &["project", "create", "acme/app"]);
    ok(d, &["user", "create", "root"]);
    let token = |name: &str, username: &str| -> Vec<String> {
        let mut args = vec!["token", "create", "--project", "acme/app", "--name", name];
        args.extend(["--scopes", "read_registry"]);
        if !username.is_empty() {
            args.extend(["--username", username]);
        }
        args.into_iter().map(str::to_owned).collect()
    };
    let names: &[(Vec<String>, &str)] = &[
        (
            token("ci\nINFO forged", ""),
            "name: name must be 1 to 255 characters",
        ),
        (token("ci\u{1b}[2J", ""), "name: name must be"),
        (
            token("x", "root"),
            "username: \"root\" is the username of a user",
        ),
        (
            token("x", "Root"),
            "username: \"Root\" is the username of a user",
        ),
        (
            token("x", "gitlab+deploy-token-1"),
            "username: usernames starting with gitlab+deploy-token-",
        ),
        (
            token("x", "GITLAB+DEPLOY-TOKEN-2"),
            "username: usernames starting with",
        ),
        (token("x", "a\u{7}b"), "username"),
    ];
    for (args, expected) in names {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = fails(d, &args, &[]);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let cases: &[(&[&str], &str)] = &[
        (&["group", "create", "Acme"], "invalid path"),
        (&["group", "create", "acme/p.git"], "path: invalid path"),
        (&["group", "create", "acme/feed.atom"], ".git or .atom"),
        (&["project", "create", "acme/app.git"], "path: invalid path"),
        (&["group", "create", "acme"], "already taken"),
        (&["group", "create", "nope/sub"], "group nope not found"),
        (&["project", "create", "lonely"], "lives in a group"),
        (&["project", "create", "acme/app"], "already taken"),
        (
            &["project", "create", "acme/x", "--visibility", "secret"],
            "invalid visibility",
        ),
        (
            &[
                "token",
                "create",
                "--project",
                "acme/app",
                "--name",
                "x",
                "--scopes",
                "api",
            ],
            "unknown scope \"api\"",
        ),
        (
            &[
                "token",
                "create",
                "--project",
                "acme/app",
                "--name",
                "x",
                "--scopes",
                "read_registry",
                "--expires-at",
                "2020-01-01",
            ],
            "must be in the future",
        ),
        (
            &[
                "token",
                "create",
                "--project",
                "acme/app",
                "--name",
                "x",
                "--scopes",
                "read_registry",
                "--expires-at",
                "soon",
            ],
            "expires_at",
        ),
        (
            &[
                "token",
                "create",
                "--project",
                "acme/app",
                "--name",
                "x",
                "--scopes",
                "read_registry",
                "--username",
                "a b",
            ],
            "username",
        ),
        (
            &[
                "token",
                "create",
                "--project",
                "acme/nope",
                "--name",
                "x",
                "--scopes",
                "read_registry",
            ],
            "project acme/nope not found",
        ),
        (
            &[
                "token",
                "create",
                "--project",
                "acme/app",
                "--group",
                "acme",
                "--name",
                "x",
                "--scopes",
                "read_registry",
            ],
            "cannot be used with",
        ),
        (&["token", "revoke", "42"], "deploy token 42 not found"),
    ];
    for (args, expected) in cases {
        let err = fails(d, args, &[]);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let tokens: Value = serde_json::from_str(&ok(
        d,
        &["token", "list", "--project", "acme/app", "--json"],
    ))
    .unwrap();
    assert_eq!(tokens, serde_json::json!([]));
}

#[test]
fn invalid_configuration_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let err = fails(d, &["serve"], &[("REGAUTH_TOKEN_LIFETIME", "ten")]);
    assert!(err.contains("REGAUTH_TOKEN_LIFETIME"), "{err}");
    let err = fails(d, &["serve"], &[("REGAUTH_SIGNING_ALGORITHM", "HS256")]);
    assert!(err.contains("REGAUTH_SIGNING_ALGORITHM"), "{err}");
    std::fs::write(d.join("c.toml"), "x5c = \"perhaps\"\n").unwrap();
    let err = fails(d, &["--config", "c.toml", "serve"], &[]);
    assert!(err.contains("x5c"), "{err}");
}

#[test]
fn keys_generate_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let first = ok(d, &["keys", "generate"]);
    assert!(first.contains("ES256"), "{first}");
    assert!(d.join("keys/signing-key.pem").exists() && d.join("keys/signing-cert.pem").exists());
    // What a registry reads is published apart from the private key.
    let bundle = std::fs::read_to_string(d.join("keys/public/certs.pem")).unwrap();
    assert!(
        bundle.contains("BEGIN CERTIFICATE") && !bundle.contains("PRIVATE"),
        "{bundle}"
    );
    assert!(d.join("keys/public/jwks.json").exists());
    let err = fails(d, &["keys", "generate", "--algorithm", "rs256"], &[]);
    assert!(err.contains("exists"), "{err}");
    let second = ok(d, &["keys", "generate", "--algorithm", "rs256", "--force"]);
    assert!(second.contains("RS256"), "{second}");
    // The replaced ring was moved aside, never overwritten.
    assert!(second.contains("moved the previous ring to"), "{second}");
    let backups: Vec<_> = std::fs::read_dir(d.join("keys"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("backup-")
        })
        .collect();
    assert_eq!(backups.len(), 1);
    assert!(backups[0].join("signing-key.pem").exists());
    let listed: serde_json::Value =
        serde_json::from_str(&ok(d, &["keys", "list", "--json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["algorithm"], "RS256");
    assert_eq!(listed[0]["state"], "active");
}

#[test]
fn a_database_from_a_newer_regauth_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["group", "create", "acme"]);
    let db = TestDatabase::of_dir(d, "db/regauth.db");
    // What a later regauth with more migrations leaves behind.
    db.set_schema_version(99);
    for args in [&["group", "create", "other"][..], &["serve"]] {
        let err = fails(d, args, &[("REGAUTH_LISTEN", "127.0.0.1:0")]);
        assert!(
            err.contains("error: the database schema is at version 99")
                && err.contains("newer regauth"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(db.schema_version(), 99, "the database is left as it was");
}

#[test]
fn an_unreachable_postgres_database_is_named_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://regauth:hunter2-secret@127.0.0.1:{port}/regauth");
    let err = fails(
        d,
        &["group", "create", "acme"],
        &[("REGAUTH_DATABASE", &url)],
    );
    assert!(err.contains("error: database unavailable: "), "{err}");
    assert!(err.contains("onnection refused"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    let err = fails(
        d,
        &["group", "create", "acme"],
        &[(
            "REGAUTH_DATABASE",
            "postgres://db/regauth?sslmode=sometimes",
        )],
    );
    assert!(err.contains("REGAUTH_DATABASE"), "{err}");
}
