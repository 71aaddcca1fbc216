//! End-to-end: real nginx `auth_request` asks a real `regauth serve` before letting real
//! git and pip/twine reach git http-backend and pypiserver (the sample configs in
//! `deploy/nginx/`). Only with `REGAUTH_E2E=1`, which `scripts/test` sets after installing
//! the tools; otherwise each test says it skipped.

mod forward_rig;
mod support;

use forward_rig::{INSTALL, Rig, TOOLS};
use support::e2e_enabled_for;
use support::stack::DeployToken;

const PROJECT: &str = "g/p";
const ENCODED: &str = "g%2Fp";
const EXTERNAL: &str = "deploy tokens cannot be used for Git or package registry operations while external authorization is enabled";

fn enabled() -> bool {
    e2e_enabled_for("e2e_forward_auth", TOOLS, INSTALL)
}

/// A rig with private group `g`, private project `g/p` and its bare repository.
fn rig(external: bool) -> Rig {
    let rig = Rig::start(external);
    rig.regauth.group("g", "private");
    rig.regauth.project(PROJECT, "private");
    rig.create_repo(PROJECT);
    rig
}

fn token(rig: &Rig, scopes: &str) -> DeployToken {
    rig.regauth.token(["--project", PROJECT], scopes, &[])
}

fn creds(t: &DeployToken) -> Option<(&str, &str)> {
    Some((t.username.as_str(), t.token.as_str()))
}

/// Fails if regauth ever logged one of `tokens`' secrets.
fn assert_no_secret_logged(rig: &Rig, tokens: &[&DeployToken]) {
    let log = rig.regauth.log();
    for t in tokens {
        assert!(
            !log.contains(&t.token),
            "regauth logged a deploy-token secret"
        );
    }
}

#[test]
fn git_clone_needs_read_repository_and_push_is_refused() {
    if !enabled() {
        return;
    }
    let rig = rig(false);
    let reader = token(&rig, "read_repository");
    let registry_only = token(&rig, "read_registry");
    let clone =
        |t: &DeployToken, into: &str| rig.git(&["clone", &rig.clone_url(creds(t), PROJECT), into]);

    clone(&reader, "ok").expect_success("clone with read_repository");
    let readme = std::fs::read_to_string(rig.path("clients/ok/README")).unwrap();
    assert_eq!(readme, "hello from g/p\n");

    let lacking = format!(
        "remote: deploy token {} lacks the read_repository scope needed to clone or fetch",
        registry_only.username
    );
    clone(&registry_only, "registry-only")
        .expect_failure_containing("clone with read_registry only", &[&lacking, "error: 403"]);

    let anonymous = rig.git(&["clone", &rig.clone_url(None, PROJECT), "anonymous"]);
    anonymous.expect_failure_containing("anonymous clone", &["terminal prompts disabled"]);

    let before = rig.head(PROJECT);
    let work = rig.path("clients/ok");
    let work = work.to_str().unwrap();
    std::fs::write(rig.path("clients/ok/README"), "changed\n").unwrap();
    rig.git(&["-C", work, "commit", "-q", "-am", "change"])
        .expect_success("commit");
    let push = rig.git(&["-C", work, "push", "origin", "main"]);
    push.expect_failure_containing(
        "push with a deploy token",
        &[
            "remote: deploy tokens cannot push to Git repositories: there is no write scope for repositories",
            "error: 403",
        ],
    );
    assert_eq!(rig.head(PROJECT), before, "nothing reached the repository");

    rig.regauth.revoke(&reader);
    clone(&reader, "revoked").expect_failure_containing(
        "clone with a revoked token",
        &["remote: invalid username or token", "Authentication failed"],
    );
    assert_no_secret_logged(&rig, &[&reader, &registry_only]);
}

#[test]
fn twine_upload_and_pip_download_follow_package_scopes() {
    if !enabled() {
        return;
    }
    let rig = rig(false);
    let reader = token(&rig, "read_package_registry");
    let writer = token(&rig, "read_package_registry,write_package_registry");
    let repo_only = token(&rig, "read_repository");
    let wheel = rig.wheel("1.0");
    let wheel_s = wheel.to_str().unwrap();
    let upload_url = rig.pypi_url(None, ENCODED, "");
    let upload = |t: &DeployToken, verbose: bool| {
        let mut args = vec![
            "--repository-url",
            &upload_url,
            "-u",
            &t.username,
            "-p",
            &t.token,
        ];
        if verbose {
            args.push("--verbose");
        }
        args.push(wheel_s);
        rig.twine(&args)
    };

    upload(&reader, false).expect_failure_containing("twine upload, read-only", &["403 Forbidden"]);
    let why = format!(
        "deploy token {} lacks the write_package_registry scope needed to publish or delete packages",
        reader.username
    );
    upload(&reader, true).expect_failure_containing("twine upload --verbose, read-only", &[&why]);
    upload(&writer, false).expect_success("twine upload with write_package_registry");

    let index = |t: Option<&DeployToken>| rig.pypi_url(t.and_then(creds), ENCODED, "/simple/");
    let download = |t: Option<&DeployToken>, into: &str| {
        let dest = rig.path(into);
        let dest = dest.to_str().unwrap().to_owned();
        rig.pip(&[
            "download",
            "--no-deps",
            "-d",
            &dest,
            "--index-url",
            &index(t),
            "demo-pkg",
        ])
    };
    download(Some(&reader), "downloaded").expect_success("pip download with read_package_registry");
    assert!(
        rig.path("downloaded/demo_pkg-1.0-py3-none-any.whl")
            .is_file()
    );
    let target = rig.path("installed");
    rig.pip(&[
        "install",
        "--no-deps",
        "--target",
        target.to_str().unwrap(),
        "--index-url",
        &index(Some(&reader)),
        "demo-pkg==1.0",
    ])
    .expect_success("pip install with read_package_registry");
    assert!(rig.path("installed/demo_pkg/__init__.py").is_file());

    let not_found = ["No matching distribution found for demo-pkg"];
    download(Some(&repo_only), "repo-only")
        .expect_failure_containing("pip, no package scope", &not_found);
    let refused = rig.checks("/simple/demo-pkg/");
    let lacking = "lacks the read_package_registry scope needed to read packages";
    assert!(
        refused
            .iter()
            .any(|l| l.contains("status=403") && l.contains(lacking)),
        "regauth did not refuse the index page with 403:\n{}",
        refused.join("\n")
    );
    download(None, "anonymous").expect_failure_containing("pip, anonymous", &not_found);
    assert!(
        rig.checks("/simple/demo-pkg/")
            .iter()
            .any(|l| l.contains("status=401"))
    );
    assert_no_secret_logged(&rig, &[&reader, &writer, &repo_only]);
}

#[test]
fn external_authorization_refuses_clone_and_download() {
    if !enabled() {
        return;
    }
    let rig = rig(true);
    let t = token(&rig, "read_repository,read_package_registry");
    rig.publish_directly(PROJECT, &rig.wheel("1.0"));

    let clone = rig.git(&["clone", &rig.clone_url(creds(&t), PROJECT), "refused"]);
    let remote = format!("remote: {EXTERNAL}");
    clone.expect_failure_containing(
        "clone under external authorization",
        &[&remote, "error: 403"],
    );

    let dest = rig.path("refused");
    let index = rig.pypi_url(creds(&t), ENCODED, "/simple/");
    let dest = dest.to_str().unwrap();
    rig.pip(&[
        "download",
        "--no-deps",
        "-d",
        dest,
        "--index-url",
        &index,
        "demo-pkg",
    ])
    .expect_failure_containing(
        "pip download under external authorization",
        &["No matching distribution found for demo-pkg"],
    );
    let refused = rig.checks("/simple/demo-pkg/");
    assert!(
        refused
            .iter()
            .any(|l| l.contains("status=403") && l.contains(EXTERNAL)),
        "regauth did not refuse the download with the external-authorization reason:\n{}\nnginx:\n{}",
        refused.join("\n"),
        rig.nginx_log()
    );
    assert_no_secret_logged(&rig, &[&t]);
}

/// A flood of wrong passwords through nginx ends in regauth's 429 with `Retry-After` (nginx's
/// `auth_request` alone would turn it into a 500), while the right token keeps cloning.
#[test]
fn failed_logins_through_nginx_are_throttled_and_the_right_token_still_clones() {
    if !enabled() {
        return;
    }
    let rig = rig(false);
    let reader = token(&rig, "read_repository");
    let http = reqwest::blocking::Client::new();
    let refs = format!(
        "http://{}/{PROJECT}.git/info/refs?service=git-upload-pack",
        rig.git_host
    );
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..15 {
        let res = http
            .get(&refs)
            .basic_auth(&reader.username, Some("wrong-secret"))
            .send()
            .expect("GET through nginx");
        statuses.push(res.status().as_u16());
        last = Some(res);
    }
    assert_eq!(statuses[0], 401, "{statuses:?}");
    assert_eq!(*statuses.last().unwrap(), 429, "{statuses:?}");
    assert!(!statuses.contains(&500), "{statuses:?}");
    let last = last.unwrap();
    let retry: u64 = last.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0, "Retry-After {retry}");
    let ok = http
        .get(&refs)
        .basic_auth(&reader.username, Some(&reader.token))
        .send()
        .expect("GET through nginx");
    assert_eq!(ok.status().as_u16(), 200);
    rig.git(&["clone", &rig.clone_url(creds(&reader), PROJECT), "ok"])
        .expect_success("clone with the right token during the throttle");
    assert_no_secret_logged(&rig, &[&reader]);
}
