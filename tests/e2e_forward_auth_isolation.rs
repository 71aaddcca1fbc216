//! End-to-end: what regauth authorized is what the server behind nginx serves. A path git
//! http-backend reads as another repository is not judged as the project it starts with;
//! each project's packages live on their own package server, chosen by the project regauth
//! named; and two deploy tokens sharing a username stay apart in the answers and the log.
//! Only with `REGAUTH_E2E=1`; otherwise each test says it skipped.

mod forward_rig;
mod support;

use forward_rig::{INSTALL, PACKAGE_PROJECTS, Rig, TOOLS};
use support::stack::DeployToken;
use support::{Run, e2e_enabled_for};

fn enabled() -> bool {
    e2e_enabled_for("e2e_forward_auth_isolation", TOOLS, INSTALL)
}

fn creds(t: &DeployToken) -> Option<(&str, &str)> {
    Some((t.username.as_str(), t.token.as_str()))
}

/// A rig with private group `g` and the private projects of [`PACKAGE_PROJECTS`].
fn rig() -> Rig {
    let rig = Rig::start(false);
    rig.regauth.group("g", "private");
    for project in PACKAGE_PROJECTS {
        rig.regauth.project(project, "private");
    }
    rig
}

#[test]
fn a_path_git_serves_as_another_repository_is_not_judged_as_its_prefix() {
    if !enabled() {
        return;
    }
    let rig = rig();
    rig.create_repo("g/p");
    // The repository git http-backend serves for /g/p.git/x.git/ (made on disk, as if it
    // predated the rule below): a g/p read token must not clone it.
    rig.create_repo("g/p.git/x");
    let reader = rig
        .regauth
        .token(["--project", "g/p"], "read_repository", &[]);
    rig.git(&["clone", &rig.clone_url(creds(&reader), "g/p"), "own"])
        .expect_success("clone of g/p itself");
    let url = rig.clone_url(creds(&reader), "g/p.git/x");
    rig.git(&["clone", &url, "nested"])
        .expect_failure_containing("clone of g/p.git/x with a g/p token", &["error: 403"]);
    assert!(!rig.path("clients/nested/README").exists());
    for (kind, path) in [
        ("group", "g/p.git"),
        ("project", "g/p.git/x"),
        ("project", "g/p.atom"),
    ] {
        rig.regauth
            .cli(&[kind, "create", path])
            .expect_failure_containing("a path component ending in .git or .atom", &["path"]);
    }
}

fn encoded(project: &str) -> String {
    project.replace('/', "%2F")
}

/// `twine upload` of `demo_pkg-VERSION` to `project`'s address with `t`.
fn upload(rig: &Rig, t: &DeployToken, project: &str, version: &str) -> Run {
    let url = rig.pypi_url(None, &encoded(project), "");
    let wheel = rig.wheel(version);
    let wheel = wheel.to_str().unwrap();
    rig.twine(&[
        "--repository-url",
        &url,
        "-u",
        &t.username,
        "-p",
        &t.token,
        wheel,
    ])
}

/// `pip download REQUIREMENT` from `project`'s index with `t`, into `into`.
fn download(rig: &Rig, t: &DeployToken, project: &str, requirement: &str, into: &str) -> Run {
    let index = rig.pypi_url(creds(t), &encoded(project), "/simple/");
    let dest = rig.path(into);
    let dest = dest.to_str().unwrap();
    rig.pip(&[
        "download",
        "--no-deps",
        "-d",
        dest,
        "--index-url",
        &index,
        requirement,
    ])
}

/// GET `tail` under `project`'s PyPI address with `t`: status and body.
fn get(rig: &Rig, t: &DeployToken, project: &str, tail: &str) -> (u16, String) {
    let url = rig.pypi_url(creds(t), &encoded(project), tail);
    let res = support::stack::http_client().get(&url).send().unwrap();
    (res.status().as_u16(), res.text().unwrap())
}

const NOT_FOUND: &str = "No matching distribution found for demo-pkg";

#[test]
fn each_projects_packages_stay_on_its_own_server() {
    if !enabled() {
        return;
    }
    let rig = rig();
    let [p, p2] = PACKAGE_PROJECTS;
    let scopes = "read_package_registry,write_package_registry";
    let own = rig.regauth.token(["--project", p], scopes, &[]);
    let other = rig.regauth.token(["--project", p2], scopes, &[]);
    upload(&rig, &other, p2, "1.0").expect_success("twine upload to g/p2 with g/p2's token");
    assert!(
        rig.packages(p2)
            .join("demo_pkg-1.0-py3-none-any.whl")
            .is_file()
    );

    // g/p's token at g/p's own address: g/p2's package is not there to list or download.
    let (status, body) = get(&rig, &own, p, "/simple/demo-pkg/");
    assert!(
        status != 200 && !body.contains("demo_pkg-1.0"),
        "g/p lists g/p2's package:\n{body}"
    );
    let (status, _) = get(&rig, &own, p, "/packages/demo_pkg-1.0-py3-none-any.whl");
    assert_eq!(status, 404, "g/p downloads g/p2's file");
    download(&rig, &own, p, "demo-pkg", "own")
        .expect_failure_containing("pip download of g/p2's package from g/p", &[NOT_FOUND]);
    // …nor at g/p2's address, where regauth refuses it.
    download(&rig, &own, p2, "demo-pkg", "own").expect_failure_containing(
        "pip download at g/p2's address with g/p's token",
        &[NOT_FOUND],
    );
    upload(&rig, &own, p2, "3.0")
        .expect_failure_containing("twine upload to g/p2 with g/p's token", &["403 Forbidden"]);

    // g/p's own upload lands in g/p's root only.
    upload(&rig, &own, p, "2.0").expect_success("twine upload to g/p");
    assert!(
        rig.packages(p)
            .join("demo_pkg-2.0-py3-none-any.whl")
            .is_file()
    );
    for version in ["2.0", "3.0"] {
        let file = format!("demo_pkg-{version}-py3-none-any.whl");
        assert!(
            !rig.packages(p2).join(file).exists(),
            "{version} reached g/p2"
        );
    }
    download(&rig, &other, p2, "demo-pkg==2.0", "theirs")
        .expect_failure_containing("g/p2 sees g/p's upload", &[NOT_FOUND]);
    download(&rig, &other, p2, "demo-pkg==1.0", "theirs")
        .expect_success("g/p2 downloads its own package");
}

#[test]
fn tokens_sharing_a_username_are_told_apart() {
    if !enabled() {
        return;
    }
    let rig = rig();
    rig.create_repo("g/p");
    let extra = ["--username", "ci-bot"];
    let first = rig
        .regauth
        .token(["--project", "g/p"], "read_repository", &extra);
    let second = rig
        .regauth
        .token(["--project", "g/p2"], "read_repository", &extra);
    assert_eq!(first.username, second.username);
    rig.git(&["clone", &rig.clone_url(creds(&first), "g/p"), "first"])
        .expect_success("clone with the first ci-bot");
    rig.git(&["clone", &rig.clone_url(creds(&second), "g/p"), "second"])
        .expect_failure_containing("clone with the second ci-bot", &["error: 403"]);
    let lines = rig.checks("/g/p.git/info/refs");
    let with = |id: i64, status: &str| {
        lines.iter().any(|l| {
            l.contains(&format!("token_id={id} ")) && l.contains(&format!("status={status}"))
        })
    };
    assert!(
        with(first.id, "200") && with(second.id, "403"),
        "{}",
        lines.join("\n")
    );
}
