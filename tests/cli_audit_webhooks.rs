//! The `regauth` binary: `audit list` shows what CLI commands did, as the CLI's;
//! `webhook test` sends a signed test event to a real receiver and prints its status; and
//! `serve` runs the webhook worker, which announces a token expiring in three days.

mod backend;
mod receiver;

use backend::TestDatabase;
use receiver::{Receiver, signed};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const SECRET: &str = "cli-test-secret";

fn regauth(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regauth"))
        .args(args)
        .current_dir(dir)
        .env_remove("REGAUTH_LISTEN")
        .env(
            "REGAUTH_DATABASE",
            TestDatabase::of_dir(dir, "regauth.db").value,
        )
        .env("REGAUTH_KEYS_DIR", dir.join("keys"))
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = regauth(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(dir, args)).unwrap()
}

/// A configuration file with one webhook to `url` (and `extra` lines).
fn config(dir: &Path, url: &str, extra: &str) -> String {
    let path = dir.join("regauth.toml");
    let text = format!("{extra}\n[[webhook]]\nurl = \"{url}\"\nsecret = \"{SECRET}\"\n");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn cli_changes_are_listed_as_the_cli_s() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["group", "create", "acme"]);
    ok(d, &["project", "create", "acme/api"]);
    let args = ["token", "create", "--project", "acme/api", "--name", "ci"];
    let token = json(
        d,
        &[&args[..], &["--scopes", "read_registry", "--json"]].concat(),
    );
    let token_id = token["id"].as_i64().unwrap();
    ok(d, &["token", "revoke", &token_id.to_string()]);
    let user = json(d, &["user", "create", "alice", "--json"]);
    let pat = json(
        d,
        &[
            "user", "token", "create", "alice", "--scopes", "read_api", "--json",
        ],
    );
    let pat_id = pat["id"].as_i64().unwrap();
    ok(d, &["user", "token", "revoke", &pat_id.to_string()]);
    ok(
        d,
        &[
            "member",
            "add",
            "--project",
            "acme/api",
            "alice",
            "developer",
        ],
    );
    ok(
        d,
        &[
            "member",
            "add",
            "--project",
            "acme/api",
            "alice",
            "maintainer",
        ],
    );

    let events = json(d, &["audit", "list", "--json"]);
    let names: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "member.changed",
            "member.added",
            "personal_access_token.revoked",
            "personal_access_token.created",
            "user.created",
            "deploy_token.revoked",
            "deploy_token.created",
        ]
    );
    let e = |i: usize| &events[i];
    for i in 0..names.len() {
        assert_eq!(e(i)["details"]["author_class"], "cli");
        assert_eq!(e(i)["details"]["author_name"], "cli");
        assert_eq!(e(i)["author_id"], Value::Null);
    }
    assert_eq!(e(6)["entity_type"], "DeployToken");
    assert_eq!(e(6)["entity_id"], token_id);
    assert_eq!(e(2)["entity_type"], "PersonalAccessToken");
    assert_eq!(e(2)["entity_id"], pat_id);
    assert_eq!(e(2)["details"]["username"], "alice");
    assert_eq!(e(4)["entity_id"], user["id"]);
    assert_eq!(e(0)["details"]["role"], "maintainer");
    let secret = token["token"].as_str().unwrap();
    assert!(!events.to_string().contains(secret));

    let text = ok(d, &["audit", "list"]);
    assert_eq!(text.lines().count(), 7);
    let first = text.lines().last().unwrap();
    assert!(first.contains("deploy_token.created") && first.contains("DeployToken"));
    assert!(first.contains("\tcli\t"), "{first}");
    assert_eq!(
        json(d, &["audit", "list", "--since", "2999-01-01", "--json"]),
        serde_json::json!([])
    );
    let bad = regauth(d, &["audit", "list", "--since", "last week"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("since"));
}

#[test]
fn webhook_test_sends_a_signed_event_and_prints_the_status() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let receiver = Receiver::answering(&[200, 503]);
    let file = config(d, &receiver.url, "");
    let out = ok(d, &["--config", &file, "webhook", "test"]);
    assert_eq!(out, format!("{} 200\n", receiver.url));
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["event"], "webhook.test");
    assert_eq!(got[0].header("x-regauth-event"), "webhook.test");
    assert!(signed(
        got[0].header("x-regauth-signature"),
        &got[0].body,
        SECRET
    ));
    assert!(!got[0].body.contains(SECRET));

    let failed = regauth(d, &["--config", &file, "webhook", "test", &receiver.url]);
    assert!(!failed.status.success());
    assert_eq!(
        String::from_utf8_lossy(&failed.stdout),
        format!("{} 503\n", receiver.url)
    );
    let unknown = regauth(
        d,
        &["--config", &file, "webhook", "test", "http://127.0.0.1:9/x"],
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no [[webhook]] with url"));
    assert_eq!(
        receiver.received().len(),
        2,
        "nothing sent to an unknown URL"
    );

    let bad = d.join("bad.toml");
    std::fs::write(&bad, "[[webhook]]\nurl = \"ftp://x\"\nsecret = \"s\"\n").unwrap();
    let refused = regauth(d, &["--config", bad.to_str().unwrap(), "webhook", "test"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("invalid webhook") && stderr.contains("http://"),
        "{stderr}"
    );
    std::fs::write(
        &bad,
        format!(
            "[[webhook]]\nurl = \"{}\"\nsecret = \"s\"\nevents = [\"token.made\"]\n",
            receiver.url
        ),
    )
    .unwrap();
    let refused = regauth(d, &["--config", bad.to_str().unwrap(), "webhook", "test"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("unknown event \"token.made\""), "{stderr}");
}

/// `regauth serve`, killed when dropped.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_runs_the_webhook_worker() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let receiver = Receiver::start();
    ok(d, &["group", "create", "acme"]);
    ok(d, &["project", "create", "acme/api"]);
    let in_three_days = time::OffsetDateTime::now_utc() + time::Duration::days(3);
    let expiry = in_three_days.date().to_string();
    let args = ["token", "create", "--project", "acme/api", "--name", "ci"];
    let token = json(
        d,
        &[
            &args[..],
            &[
                "--scopes",
                "read_registry",
                "--expires-at",
                &expiry,
                "--json",
            ],
        ]
        .concat(),
    );
    let file = config(
        d,
        &receiver.url,
        "webhook_interval = 1\nlisten = \"127.0.0.1:0\"",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_regauth"))
        .args(["--config", &file, "serve"])
        .current_dir(d)
        .env(
            "REGAUTH_DATABASE",
            TestDatabase::of_dir(d, "regauth.db").value,
        )
        .env("REGAUTH_KEYS_DIR", d.join("keys"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _serve = Serve(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    assert!(line.starts_with("regauth listening on"), "{line}");
    let got = receiver.wait_for(1, Duration::from_secs(30));
    assert_eq!(got.len(), 1, "one notice within 30 s");
    let body = got[0].json();
    assert_eq!(body["event"], "deploy_token.expiring");
    assert_eq!(body["token"]["id"], token["id"]);
    assert!(signed(
        got[0].header("x-regauth-signature"),
        &got[0].body,
        SECRET
    ));
    // Later rounds do not send it again.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(receiver.received().len(), 1);
}

#[test]
fn key_ring_commands_are_in_the_trail() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["keys", "generate"]);
    ok(d, &["keys", "rotate"]);
    let keys = json(d, &["keys", "list", "--json"]);
    let newest = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["state"] == "published")
        .unwrap_or_else(|| panic!("no published key: {keys}"));
    let kid = newest["kid"].as_str().unwrap().to_owned();
    ok(d, &["keys", "activate", &kid]);
    let events = json(d, &["audit", "list", "--json"]);
    let seen: Vec<(&str, &str)> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["entity_type"], "SigningKey");
            assert_eq!(e["details"]["author_class"], "cli");
            (
                e["event_name"].as_str().unwrap(),
                e["details"]["entity_path"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen.len(), 3, "{events}");
    assert_eq!(seen[0], ("key.activated", kid.as_str()));
    assert_eq!(seen[1], ("key.rotated", kid.as_str()));
    assert_eq!(seen[2].0, "key.rotated");
}
