//! End-to-end: users with personal access tokens behind the same nginx `auth_request` rig as
//! `e2e_forward_auth`: a Developer's `git push` lands in the repository that git
//! http-backend serves, a Reporter clones and fetches but cannot push. Only with
//! `REGAUTH_E2E=1`; otherwise the test says it skipped.

mod forward_rig;
mod support;

use forward_rig::{INSTALL, Rig, TOOLS};
use serde_json::Value;
use support::e2e_enabled_for;

const PROJECT: &str = "g/p";

/// `regauth user create NAME --json` then `regauth member add --project g/p NAME ROLE`;
/// returns the user's first personal access token (scope `api`).
fn member(rig: &Rig, name: &str, role: &str) -> String {
    let out = rig.regauth.admin(&["user", "create", name, "--json"]);
    let json: Value = serde_json::from_str(out.stdout.trim()).expect("user create --json");
    let token = json["token"]["token"].as_str().expect("token").to_owned();
    rig.regauth
        .admin(&["member", "add", "--project", PROJECT, name, role]);
    token
}

#[test]
fn developers_push_and_reporters_clone_with_personal_access_tokens() {
    if !e2e_enabled_for("e2e_forward_auth_users", TOOLS, INSTALL) {
        return;
    }
    let rig = Rig::start(false);
    rig.regauth.group("g", "private");
    rig.regauth.project(PROJECT, "private");
    rig.create_repo(PROJECT);
    let dev = member(&rig, "dev", "developer");
    let rep = member(&rig, "rep", "reporter");
    let clone = |user: &str, token: &str, into: &str| {
        let url = rig.clone_url(Some((user, token)), PROJECT);
        rig.git(&["clone", &url, into])
    };
    let work = |into: &str| rig.path(&format!("clients/{into}")).display().to_string();

    clone("dev", &dev, "dev").expect_success("clone as a Developer");
    std::fs::write(rig.path("clients/dev/README"), "pushed by dev\n").unwrap();
    rig.git(&["-C", &work("dev"), "commit", "-q", "-am", "dev's change"])
        .expect_success("commit");
    rig.git(&["-C", &work("dev"), "push", "origin", "main"])
        .expect_success("push as a Developer");
    let pushed = rig.git(&["-C", &work("dev"), "rev-parse", "HEAD"]);
    let pushed = pushed.expect_success("rev-parse").stdout.trim().to_owned();
    assert_eq!(
        rig.head(PROJECT),
        pushed,
        "the push landed in the repository"
    );

    clone("rep", &rep, "rep").expect_success("clone as a Reporter");
    let readme = std::fs::read_to_string(rig.path("clients/rep/README")).unwrap();
    assert_eq!(
        readme, "pushed by dev\n",
        "the Reporter sees the Developer's push"
    );
    std::fs::write(rig.path("clients/rep/README"), "pushed by rep\n").unwrap();
    rig.git(&["-C", &work("rep"), "commit", "-q", "-am", "rep's change"])
        .expect_success("commit");
    rig.git(&["-C", &work("rep"), "push", "origin", "main"])
        .expect_failure_containing(
            "push as a Reporter",
            &[
                "remote: user rep needs the developer role on project g/p to push",
                "error: 403",
            ],
        );
    assert_eq!(
        rig.head(PROJECT),
        pushed,
        "nothing else reached the repository"
    );
    rig.git(&["-C", &work("rep"), "fetch", "origin"])
        .expect_success("fetch as a Reporter");

    let outsider = rig.regauth.admin(&["user", "create", "eve", "--json"]);
    let json: Value = serde_json::from_str(outsider.stdout.trim()).expect("user create --json");
    let eve = json["token"]["token"].as_str().expect("token");
    clone("eve", eve, "eve").expect_failure_containing(
        "clone without a role",
        &[
            "remote: user eve has no access to project g/p",
            "error: 403",
        ],
    );

    let log = rig.regauth.log();
    for secret in [dev.as_str(), rep.as_str(), eve] {
        assert!(
            !log.contains(secret),
            "regauth logged a personal access token"
        );
    }
}
