//! End-to-end: a client cannot choose what `/auth/forward` checks, behind real Caddy
//! `forward_auth` (which copies the client's headers into the check) and real nginx
//! `auth_request`, each running its shipped sample (`deploy/caddy/Caddyfile`,
//! `deploy/nginx/git.conf`), whichever header family regauth is told to trust. Only with
//! `REGAUTH_E2E=1`; otherwise each test says it skipped.

mod forward_rig;
mod support;

use forward_rig::{INSTALL, Rig, RigOptions, TOOLS};
use support::Run;
use support::e2e_enabled_for;
use support::stack::DeployToken;

const PRIVATE: &str = "g/p";
const PUBLIC: &str = "g/pub";
/// The spoofed header of the anonymous clone: it names the public project.
const PUBLIC_INFO_REFS: &str = "X-Original-URI: /g/pub.git/info/refs?service=git-upload-pack";
/// The spoofed headers of the push: they describe a clone.
const CLONE_METHOD: &str = "X-Original-Method: GET";
const CLONE_INFO_REFS: &str = "X-Original-URI: /g/p.git/info/refs?service=git-upload-pack";

fn enabled() -> bool {
    e2e_enabled_for("e2e_forward_auth_spoofing", TOOLS, INSTALL)
}

/// A rig with Caddy, private `g/p` and public `g/pub`, both with a repository.
fn rig(headers: Option<&str>) -> Rig {
    let rig = Rig::start_with(RigOptions {
        headers,
        caddy: true,
        ..RigOptions::default()
    });
    rig.regauth.group("g", "private");
    rig.regauth.project(PRIVATE, "private");
    rig.regauth.project(PUBLIC, "public");
    rig.create_repo(PRIVATE);
    rig.create_repo(PUBLIC);
    rig
}

fn creds(t: &DeployToken) -> Option<(&str, &str)> {
    Some((t.username.as_str(), t.token.as_str()))
}

/// `git -c http.extraHeader=H … clone URL INTO`.
fn clone_with(rig: &Rig, headers: &[&str], url: &str, into: &str) -> Run {
    let mut args: Vec<String> = Vec::new();
    for h in headers {
        args.extend(["-c".to_owned(), format!("http.extraHeader={h}")]);
    }
    args.extend(["clone".to_owned(), url.to_owned(), into.to_owned()]);
    rig.git(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Commits a change in the clone `work` and pushes it with `headers`; returns the push.
fn push_with(rig: &Rig, headers: &[&str], work: &str) -> Run {
    let dir = rig.path(&format!("clients/{work}"));
    let dir = dir.to_str().unwrap();
    std::fs::write(rig.path(&format!("clients/{work}/README")), "spoofed\n").unwrap();
    rig.git(&["-C", dir, "commit", "-q", "-am", "spoofed push"])
        .expect_success("commit");
    let mut args = vec!["-C".to_owned(), dir.to_owned()];
    for h in headers {
        args.extend(["-c".to_owned(), format!("http.extraHeader={h}")]);
    }
    args.extend(["push", "origin", "main"].map(str::to_owned));
    rig.git(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The attacks of the issue through Caddy, on a fresh rig: an anonymous clone of the private
/// project naming the public one in `X-Original-URI` (with and without a method), and a push
/// by a read-only token describing itself as a clone. All are refused: no anonymous request
/// passes, nothing reaches the repository.
fn spoofing_through_caddy_is_refused(rig: &Rig) {
    let url = rig.caddy_url(None, PRIVATE);
    for (headers, into) in [
        (&[PUBLIC_INFO_REFS][..], "anon"),
        (&[CLONE_METHOD, PUBLIC_INFO_REFS][..], "anon-get"),
    ] {
        clone_with(rig, headers, &url, into)
            .expect_failure_containing("anonymous clone with a spoofed X-Original-URI", &[]);
        assert!(
            !rig.path(&format!("clients/{into}/README")).exists(),
            "the private repository was cloned"
        );
    }
    let passed: Vec<String> = rig
        .checks("")
        .into_iter()
        .filter(|l| l.contains("username=\"\" ") && l.contains("status=200"))
        .collect();
    assert!(
        passed.is_empty(),
        "anonymous requests passed:\n{}",
        passed.join("\n")
    );

    let reader = rig
        .regauth
        .token(["--project", PRIVATE], "read_repository", &[]);
    let before = rig.head(PRIVATE);
    let work = "work";
    // A working copy straight from the served repository, pushing through Caddy.
    let bare = rig.path(&format!("git/{PRIVATE}.git"));
    rig.git(&["clone", "-q", bare.to_str().unwrap(), work])
        .expect_success("local clone");
    let dir = rig.path(&format!("clients/{work}"));
    let url = rig.caddy_url(creds(&reader), PRIVATE);
    rig.git(&[
        "-C",
        dir.to_str().unwrap(),
        "remote",
        "set-url",
        "origin",
        &url,
    ])
    .expect_success("point origin at Caddy");
    let push = push_with(rig, &[CLONE_METHOD, CLONE_INFO_REFS], work);
    push.expect_failure_containing("push with a spoofed X-Original-Method/URI", &[]);
    assert_eq!(rig.head(PRIVATE), before, "the spoofed push landed");
}

#[test]
fn caddy_with_x_forwarded_trusts_only_what_caddy_set() {
    if !enabled() {
        return;
    }
    let rig = rig(Some("x-forwarded"));
    spoofing_through_caddy_is_refused(&rig);
    let public = clone_with(&rig, &[], &rig.caddy_url(None, PUBLIC), "public");
    public.expect_success("anonymous clone of the public project through Caddy");
    let refused = rig.checks("/g/p.git/info/refs");
    assert!(
        refused.iter().any(|l| l.contains("status=400")),
        "regauth did not refuse the disagreeing headers with 400:\n{}\ncaddy:\n{}",
        refused.join("\n"),
        rig.caddy_log()
    );
}

#[test]
fn caddy_with_the_nginx_setting_still_cannot_be_spoofed() {
    if !enabled() {
        return;
    }
    // regauth trusts X-Original-* (its default) while Caddy sets only X-Forwarded-*.
    let rig = rig(None);
    spoofing_through_caddy_is_refused(&rig);
    let public = clone_with(&rig, &[], &rig.caddy_url(None, PUBLIC), "public");
    public.expect_failure_containing(
        "a clone through Caddy while regauth expects nginx's headers",
        &["error: 400"],
    );
}

#[test]
fn nginx_ignores_a_clients_x_forwarded_headers() {
    if !enabled() {
        return;
    }
    for headers in [None, Some("x-forwarded")] {
        let rig = rig(headers);
        let spoofed = [
            "X-Forwarded-Method: GET",
            "X-Forwarded-Uri: /g/pub.git/info/refs?service=git-upload-pack",
        ];
        let anonymous = clone_with(&rig, &spoofed, &rig.clone_url(None, PRIVATE), "anon");
        anonymous.expect_failure_containing("anonymous clone through nginx, spoofed", &[]);
        assert!(!rig.path("clients/anon/README").exists(), "{headers:?}");
        let reader = rig
            .regauth
            .token(["--project", PRIVATE], "read_repository", &[]);
        let before = rig.head(PRIVATE);
        let work = "work";
        let url = rig.clone_url(creds(&reader), PRIVATE);
        let plain = clone_with(&rig, &[], &url, work);
        if headers.is_some() {
            // nginx sets only X-Original-*: regauth, told to trust X-Forwarded-*, finds no
            // method and refuses everything.
            plain.expect_failure_containing("clone through nginx, regauth set for Caddy", &[]);
            continue;
        }
        plain.expect_success("clone through nginx");
        let spoofed_push = [
            "X-Forwarded-Method: GET",
            "X-Forwarded-Uri: /g/p.git/info/refs?service=git-upload-pack",
        ];
        push_with(&rig, &spoofed_push, work)
            .expect_failure_containing("push through nginx, spoofed", &[]);
        assert_eq!(rig.head(PRIVATE), before, "the spoofed push landed");
    }
}
