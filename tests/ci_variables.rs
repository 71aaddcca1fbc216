//! `regauth ci-variables` as an operator runs it, and what is kept at rest for it: only
//! tokens named exactly `gitlab-deploy-token` keep a sealed secret, the key file is private,
//! and the digest stays the way to log in.

mod harness;

use harness::TestServer;
use harness::backend::{Cell, TestDatabase};
use regauth::app::namespaces::HolderRef::{Group, Project};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// Runs the real binary on the database and keys in `dir`; (stdout, stderr, success).
fn regauth(dir: &Path, args: &[&str]) -> (String, String, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_regauth"))
        .args(args)
        .env(
            "REGAUTH_DATABASE",
            TestDatabase::of_dir(dir, "regauth.db").value,
        )
        .env("REGAUTH_KEYS_DIR", dir.join("keys"))
        .env("REGAUTH_CI_REGISTRY", "registry.example.com:5050")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.success(),
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (out, err, success) = regauth(dir, args);
    assert!(success, "regauth {args:?} failed: {err}");
    out
}

/// Creates a token; (id, username, secret).
fn token(dir: &Path, holder: [&str; 2], name: &str) -> (String, String, String) {
    let out = ok(
        dir,
        &[
            "token",
            "create",
            holder[0],
            holder[1],
            "--name",
            name,
            "--scopes",
            "read_registry",
            "--json",
        ],
    );
    let json: Value = serde_json::from_str(&out).unwrap();
    (
        json["id"].to_string(),
        json["username"].as_str().unwrap().to_owned(),
        json["token"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn own_token_else_immediate_parent_group_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for g in ["g", "g/sub"] {
        ok(d, &["group", "create", g]);
    }
    for p in ["g/p", "g/q", "g/sub/deep"] {
        ok(d, &["project", "create", p]);
    }
    ok(
        d,
        &["project", "create", "g/noreg", "--registry", "disabled"],
    );
    let (_, guser, gsecret) = token(d, ["--group", "g"], "gitlab-deploy-token");
    let (pid, puser, psecret) = token(d, ["--project", "g/p"], "gitlab-deploy-token");
    token(d, ["--project", "g/q"], "Gitlab-Deploy-Token");

    let own = ok(d, &["ci-variables", "--project", "g/p"]);
    assert_eq!(
        own,
        format!(
            "CI_DEPLOY_USER={puser}\nCI_DEPLOY_PASSWORD={psecret}\n\
             CI_REGISTRY=registry.example.com:5050\nCI_REGISTRY_IMAGE=registry.example.com:5050/g/p\n"
        )
    );
    let from_group = ok(d, &["ci-variables", "--project", "g/q", "--format", "json"]);
    let json: Value = serde_json::from_str(&from_group).unwrap();
    assert_eq!(json[0]["key"], "CI_DEPLOY_USER");
    assert_eq!(json[0]["value"], guser.as_str());
    assert_eq!(json[1]["key"], "CI_DEPLOY_PASSWORD");
    assert_eq!(json[1]["value"], gsecret.as_str());
    assert_eq!(json[1]["masked"], true);
    assert_eq!(json[1]["public"], false);

    // A grandchild project of the group gets no deploy variables, as in GitLab.
    let deep = ok(d, &["ci-variables", "--project", "g/sub/deep"]);
    assert!(!deep.contains("CI_DEPLOY"), "{deep}");
    assert!(deep.contains("CI_REGISTRY_IMAGE=registry.example.com:5050/g/sub/deep"));
    let noreg = ok(d, &["ci-variables", "--project", "g/noreg"]);
    assert!(!noreg.contains("CI_REGISTRY_IMAGE"), "{noreg}");

    // Revoking the project's token falls back to the group's.
    ok(d, &["token", "revoke", pid.trim()]);
    let after = ok(d, &["ci-variables", "--project", "g/p"]);
    assert!(
        after.contains(&format!("CI_DEPLOY_PASSWORD={gsecret}\n")),
        "{after}"
    );

    let (_, err, success) = regauth(d, &["ci-variables", "--project", "g/none"]);
    assert!(!success);
    assert!(err.contains("project g/none not found"), "{err}");

    let key = d.join("keys/ci-secrets.key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(std::fs::metadata(&key).unwrap().len(), 32);
}

#[test]
fn no_token_and_no_registry_print_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["group", "create", "g"]);
    ok(d, &["project", "create", "g/p"]);
    let out = Command::new(env!("CARGO_BIN_EXE_regauth"))
        .args(["ci-variables", "--project", "g/p"])
        .env(
            "REGAUTH_DATABASE",
            TestDatabase::of_dir(d, "regauth.db").value,
        )
        .env("REGAUTH_KEYS_DIR", d.join("keys"))
        .env_remove("REGAUTH_CI_REGISTRY")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, b"");
    let json = ok(d, &["ci-variables", "--project", "g/p", "--format", "json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        json.as_array().unwrap().len(),
        2,
        "registry variables only: {json}"
    );
    assert!(
        !d.join("keys/ci-secrets.key").exists(),
        "the key is made on first need"
    );
}

#[test]
fn only_gitlab_deploy_token_secrets_are_kept_and_they_still_log_in_by_digest() {
    let s = TestServer::start();
    s.seed();
    let create = |name: &str| {
        s.app
            .create_deploy_token(&regauth::app::deploy_tokens::CreateDeployToken {
                holder: Project("acme/backend/api"),
                name,
                scopes: vec!["read_registry"],
                username: None,
                expires_at: None,
                repositories: None,
            })
            .unwrap()
    };
    let ci = create("gitlab-deploy-token");
    let other = create("gitlab-deploy-token-2");
    let vars = s.app.ci_variables("acme/backend/api", None).unwrap();
    assert_eq!(vars[1].value, ci.secret.expose());

    let sealed =
        s.db.query("SELECT deploy_token_id, nonce, ciphertext FROM deploy_token_secrets");
    assert_eq!(sealed.len(), 1, "only the token named gitlab-deploy-token");
    let [Cell::Int(id), Cell::Bytes(nonce), Cell::Bytes(ciphertext)] = sealed[0].as_slice() else {
        panic!("{sealed:?}");
    };
    assert_eq!(*id, ci.token.id);
    assert_eq!(nonce.len(), 12);
    let secret = ci.secret.expose().as_bytes();
    assert!(!ciphertext.windows(secret.len()).any(|w| w == secret));

    for t in [&ci, &other] {
        let (status, body) = s.get_token(
            "service=container_registry&scope=repository:acme/backend/api:pull",
            Some((&t.token.username, t.secret.expose())),
        );
        assert_eq!(status, 200, "{body}");
    }
    // Other names, even in a parent group, give nothing.
    s.token(Group("acme/frontend"), &["read_registry"]);
    let web = s.app.ci_variables("acme/frontend/web", None).unwrap();
    assert!(web.is_empty(), "{web:?}");
}
