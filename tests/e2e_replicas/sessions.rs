//! The web UI's sessions and the roles its pages check, across replicas: a session made on
//! one replica works on the other, and ending it (signing out, a new password) ends it on
//! every replica at the next page; a role given or changed through one replica decides the
//! pages of the other at once.

use super::{acme_app_via_a, admin_token, both, e2e_enabled};
use crate::replica_rig::Rig;
use crate::replica_rig::ui::{page, sign_in, sign_out};

const PASSWORD: &str = "a long pass phrase";
const SETTINGS: &str = "/acme/app/-/settings/repository";

/// `page` at every replica: its status and, for a redirect, where it goes.
fn everywhere(rig: &Rig, path: &str, session: &str) -> Vec<(u16, String)> {
    both(rig)
        .iter()
        .map(|base| {
            let (status, location, _) = page(base, path, session);
            (status, location)
        })
        .collect()
}

fn shown() -> Vec<(u16, String)> {
    vec![(200, String::new()); 2]
}

fn hidden() -> Vec<(u16, String)> {
    vec![(404, String::new()); 2]
}

fn signed_out() -> Vec<(u16, String)> {
    vec![(303, "/users/sign_in".to_owned()); 2]
}

#[test]
fn ui_sessions_and_roles_hold_on_every_replica_at_the_next_page() {
    if !e2e_enabled() {
        return;
    }
    let rig = Rig::start();
    let admin = admin_token(&rig);
    acme_app_via_a(&rig, &admin);
    let a = rig.a();
    let b = rig.b.url();
    a.cli_input(&["user", "create", "alice", "--password-stdin"], PASSWORD)
        .expect_success("user create alice");

    // Signed in on A; B knows the session, and the page names alice.
    let session = sign_in(&a.url(), "alice", PASSWORD);
    assert_eq!(everywhere(&rig, "/", &session), shown());
    assert!(page(&b, "/", &session).2.contains("alice"));

    // Roles given and changed with the CLI decide B's pages at once.
    assert_eq!(everywhere(&rig, SETTINGS, &session), hidden());
    let role = |level: &str| {
        a.admin(&["member", "add", "--project", "acme/app", "alice", level]);
    };
    role("maintainer");
    assert_eq!(everywhere(&rig, SETTINGS, &session), shown());
    assert!(page(&b, SETTINGS, &session).2.contains("Deploy tokens"));
    role("reporter");
    assert_eq!(everywhere(&rig, SETTINGS, &session), hidden());
    assert_eq!(everywhere(&rig, "/acme/app", &session), shown());

    // Signing out on B ends the session on A at the next page.
    sign_out(&b, &session);
    assert_eq!(everywhere(&rig, "/", &session), signed_out());

    // A session made on B ends everywhere when the password is changed (CLI, through A).
    let session = sign_in(&b, "alice", PASSWORD);
    assert_eq!(everywhere(&rig, "/", &session), shown());
    a.cli_input(&["user", "password", "alice"], "another pass phrase")
        .expect_success("user password alice");
    assert_eq!(everywhere(&rig, "/", &session), signed_out());
    for replica in [a, &rig.b] {
        let log = replica.log();
        assert!(!log.contains(&session) && !log.contains(PASSWORD));
    }
    rig.stack.assert_logs_clean();
}
