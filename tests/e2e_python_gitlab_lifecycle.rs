//! End-to-end: the real python-gitlab (from PyPI) drives the whole lifecycle that regauth
//! manages through the built binary's `/api/v4` (tests/python/gitlab_lifecycle.py):
//! version and metadata, groups and projects listed, searched, paginated, changed and
//! deleted, a user created, blocked and deleted, members and personal access tokens
//! managed, token rotation, and the refusals python-gitlab reports.
//!
//! Runs only with `REGAUTH_E2E=1` (scripts/test sets it after installing python-gitlab).

mod support;

use serde_json::{Value, json};
use std::process::Command;
use support::stack::{Regauth, Signing};
use support::{e2e_enabled, run};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/python/gitlab_lifecycle.py"
);

#[test]
fn python_gitlab_drives_the_whole_lifecycle() {
    if !e2e_enabled() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let regauth = Regauth::start(dir.path(), Signing::default(), &[]);
    let out = regauth.admin(&["user", "create", "alice", "--admin", "--json"]);
    let created: Value = serde_json::from_str(out.stdout.trim()).expect("user create --json");
    let alice = created["token"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    regauth.admin(&["group", "create", "keep"]);

    let mut command = Command::new("python3");
    command
        .arg(SCRIPT)
        .env("REGAUTH_URL", regauth.url())
        .env("GITLAB_PRIVATE_TOKEN", &alice);
    let out =
        run(&mut command, None).expect_success("gitlab_lifecycle.py (is python-gitlab installed?)");
    eprintln!("python-gitlab printed:\n{}{}", out.stderr, out.stdout);
    let report: Value = serde_json::from_str(out.stdout.trim()).expect("one JSON report");

    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        report["version"],
        json!([
            format!("17.0.0+regauth.{version}"),
            format!("regauth-{version}")
        ])
    );
    assert_eq!(report["metadata"]["enterprise"], false);
    assert_eq!(report["members"]["direct"], json!(["erin"]));
    assert_eq!(
        report["members"]["inherited"],
        json!({"alice": 50, "erin": 40})
    );
    assert_eq!(report["members_after_removal"], json!([]));
    assert_eq!(report["blocked_state"], "blocked");
    assert_eq!(
        report["groups_before_delete"],
        json!(["keep", "life", "life/team"])
    );
    assert_eq!(
        report["groups_after_delete"],
        json!([{"full_path": "keep", "name": "keep"}])
    );
    let refused = &report["refused"];
    let said = |key: &str| {
        (
            refused[key]["class"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            refused[key]["text"].as_str().unwrap_or_default().to_owned(),
        )
    };
    for key in ["others", "stale", "revoked"] {
        assert_eq!(
            said(key),
            (
                "GitlabAuthenticationError".into(),
                "401: 401 Unauthorized".into()
            ),
            "{key}"
        );
    }
    assert_eq!(
        said("delete_group"),
        ("GitlabDeleteError".into(), "403: 403 Forbidden".into())
    );
    assert_eq!(said("not_allowed").1, "405: 405 Not Allowed");
    assert_eq!(
        said("deleted_user"),
        ("GitlabGetError".into(), "404: 404 User Not Found".into())
    );

    // what python-gitlab created and deleted is what the operator's CLI lists
    let listed = regauth.admin(&["group", "list"]);
    eprintln!("regauth group list:\n{}", listed.stdout);
    assert!(listed.stdout.contains("keep") && !listed.stdout.contains("life"));
    let log = regauth.log();
    assert!(!log.contains(&alice), "regauth logged a secret");
}
