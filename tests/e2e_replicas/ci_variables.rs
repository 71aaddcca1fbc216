//! The CI variables' sealed secret across replicas: a `gitlab-deploy-token` made through one
//! replica is opened by the other (both hold the one shared sealing key), and the password it
//! gives pulls through the balancer.

use serde_json::Value;

use super::{acme_app_via_a, admin_token, deploy_token_via, e2e_enabled};
use crate::replica_rig::{Rig, api};
use crate::support::flows::{Auth, image, pull, push_ok};
use crate::support::stack::DeployToken;

/// The value of variable `key` in a CI variables list.
fn variable(list: &Value, key: &str) -> String {
    list.as_array()
        .and_then(|vars| vars.iter().find(|v| v["key"] == key))
        .and_then(|v| v["value"].as_str())
        .unwrap_or_else(|| panic!("no {key} in {list}"))
        .to_owned()
}

#[test]
fn a_ci_secret_sealed_by_one_replica_is_opened_by_the_other() {
    if !e2e_enabled() {
        return;
    }
    let rig = Rig::start();
    let admin = admin_token(&rig);
    acme_app_via_a(&rig, &admin);
    let made = deploy_token_via(&rig.a().url(), &admin, "gitlab-deploy-token");
    let path = "/projects/acme%2Fapp/ci_variables";
    let (status, list) = api(&rig.b.url(), "GET", path, &admin, None);
    assert_eq!(status, 200, "{list}");
    let token = DeployToken {
        id: made.id,
        username: variable(&list, "CI_DEPLOY_USER"),
        token: variable(&list, "CI_DEPLOY_PASSWORD"),
    };
    assert_eq!(
        (&token.username, &token.token),
        (&made.username, &made.token)
    );
    let stack = &rig.stack;
    push_ok(stack, &token, &image(stack, "web"), "acme/app/web:1");
    pull(stack, Auth::Token(&token), "acme/app/web:1", "pulled").expect_success("pull");
    assert_eq!(api(&rig.a().url(), "GET", path, &admin, None).1, list);
    stack.assert_logs_clean();
}
