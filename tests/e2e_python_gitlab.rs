//! End-to-end: the real python-gitlab client (from PyPI) drives the built `regauth` binary's
//! `/api/v4` unmodified (tests/python/gitlab_client.py), and the deploy tokens it creates,
//! and users' personal access tokens, work against the real `docker-registry`.
//!
//! Runs only with `REGAUTH_E2E=1` (scripts/test sets it after installing python-gitlab);
//! otherwise it says it skipped.

mod support;

use std::process::Command;

use serde_json::Value;
use support::flows::{
    Auth, DENIED, INVALID_CREDENTIALS, OUR_401_MESSAGE, image, inspect, pull, push, push_ok,
};
use support::oci::layout_manifest_digest;
use support::stack::{DeployToken, Stack, http_client};
use support::{e2e_enabled, run};

/// The client script, kept in the repository.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/gitlab_client.py");

/// python3 with python-gitlab importable, or a failure naming the package to install.
fn require_python_gitlab() {
    let probe = Command::new("python3")
        .args(["-c", "import gitlab; print(gitlab.__version__)"])
        .output();
    match probe {
        Ok(out) if out.status.success() => {
            eprintln!(
                "python-gitlab {}",
                String::from_utf8_lossy(&out.stdout).trim()
            );
        }
        _ => panic!(
            "REGAUTH_E2E=1 but python3 cannot import gitlab: install the PyPI package \
             python-gitlab (scripts/test installs it into target/e2e-venv and puts that first on PATH)"
        ),
    }
}

/// One step of the client script as the user holding `token`; its JSON report.
fn python_step(stack: &Stack, step: &str, token: &str, extra: &[(&str, &str)]) -> Value {
    let mut command = Command::new("python3");
    command
        .args([SCRIPT, step])
        .env("REGAUTH_URL", stack.regauth.url())
        .env("GITLAB_PRIVATE_TOKEN", token)
        .envs(extra.iter().copied());
    let out = run(&mut command, None).expect_success(&format!("gitlab_client.py {step}"));
    serde_json::from_str(out.stdout.trim())
        .unwrap_or_else(|e| panic!("gitlab_client.py {step} printed no JSON ({e})"))
}

/// `regauth user create NAME --json`: the user's first personal access token.
fn create_user(stack: &Stack, name: &str, admin: bool) -> String {
    let mut args = vec!["user", "create", name, "--json"];
    if admin {
        args.push("--admin");
    }
    let out = stack.regauth.admin(&args);
    let json: Value = serde_json::from_str(out.stdout.trim()).expect("user create --json");
    json["token"]["token"].as_str().expect("token").to_owned()
}

fn deploy_token(report: &Value) -> DeployToken {
    DeployToken {
        id: report["id"].as_i64().expect("id"),
        username: report["username"].as_str().expect("username").to_owned(),
        token: report["token"].as_str().expect("token").to_owned(),
    }
}

/// A python-gitlab refusal as `(class, "code: message")`.
fn refusal(report: &Value) -> (&str, &str) {
    (
        report["class"].as_str().unwrap_or_default(),
        report["text"].as_str().unwrap_or_default(),
    )
}

#[test]
fn python_gitlab_manages_deploy_tokens_that_the_registry_accepts() {
    if !e2e_enabled() {
        return;
    }
    require_python_gitlab();
    let stack = Stack::start();
    let alice = create_user(&stack, "alice", true);
    let dave = create_user(&stack, "dave", false);

    let report = python_step(&stack, "admin", &alice, &[]);
    let refused = &report["refused"];
    assert_eq!(refusal(&refused["bad_scope"]).0, "GitlabCreateError");
    assert!(
        refusal(&refused["bad_scope"])
            .1
            .starts_with("400: scopes is invalid: unknown scope \"read_everything\""),
        "{refused}"
    );
    assert_eq!(
        refusal(&refused["missing_project"]),
        ("GitlabGetError", "404: 404 Project Not Found")
    );
    let writer = deploy_token(&report["push"]);
    let reader = deploy_token(&report["pull"]);
    let doomed = deploy_token(&report["doomed"]);
    let group = deploy_token(&report["group_token"]);
    assert_eq!(reader.username, "puller");

    stack.regauth.admin(&[
        "member",
        "add",
        "--project",
        "e2e/team/app",
        "dave",
        "developer",
    ]);
    let env = [
        ("DEPLOY_USERNAME", writer.username.as_str()),
        ("DEPLOY_TOKEN", writer.token.as_str()),
    ];
    let report = python_step(&stack, "developer", &dave, &env);
    for step in ["create", "list", "delete", "group_list", "instance_list"] {
        let (class, text) = refusal(&report[step]);
        assert_eq!(text, "403: 403 Forbidden", "{step}: {class}");
    }
    assert_eq!(refusal(&report["create"]).0, "GitlabCreateError");
    assert_eq!(refusal(&report["list"]).0, "GitlabListError");
    for step in [
        "deploy_token_as_private_token",
        "deploy_token_as_bearer",
        "deploy_token_as_basic",
    ] {
        assert_eq!(
            refusal(&report[step]),
            ("GitlabAuthenticationError", "401: 401 Unauthorized"),
            "{step}"
        );
    }

    registry_accepts_api_tokens(&stack, &writer, &reader, &doomed, &group);
    users_use_the_registry(&stack, &alice, &dave);

    let log = stack.regauth.log();
    for secret in [
        &alice,
        &dave,
        &writer.token,
        &reader.token,
        &doomed.token,
        &group.token,
    ] {
        assert!(!log.contains(secret.as_str()), "regauth logged a secret");
    }
    stack.assert_logs_clean();
}

/// Tokens created through the API push and pull; the one deleted through the API is refused.
fn registry_accepts_api_tokens(
    stack: &Stack,
    writer: &DeployToken,
    reader: &DeployToken,
    doomed: &DeployToken,
    group: &DeployToken,
) {
    let built = image(stack, "app");
    push_ok(stack, writer, &built, "e2e/team/app/web:1");
    for (into, token) in [("pulled-reader", reader), ("pulled-group", group)] {
        pull(stack, Auth::Token(token), "e2e/team/app/web:1", into)
            .expect_success("pull with a deploy token created by python-gitlab");
        let digest = layout_manifest_digest(&stack.clients.dir(into), "1");
        assert_eq!(
            digest.as_deref(),
            Some(built.manifest_digest.as_str()),
            "{into}"
        );
    }
    pull(
        stack,
        Auth::Token(doomed),
        "e2e/team/app/web:1",
        "pulled-doomed",
    )
    .expect_failure_containing(
        "a deploy token deleted through the API",
        &[INVALID_CREDENTIALS, OUR_401_MESSAGE],
    );
    push(
        stack,
        &reader.creds(),
        &image(stack, "other"),
        "e2e/team/app/web:2",
    )
    .expect_failure_containing("push with a read-only token", &[DENIED]);
}

/// `docker login` with a personal access token stores a refresh token that skopeo uses; a
/// Developer may not delete, an administrator may, and sees the catalog.
fn users_use_the_registry(stack: &Stack, alice: &str, dave: &str) {
    let host = stack.registry.host.as_str();
    let config_dir = stack.clients.dir("docker-dave");
    let login = stack
        .clients
        .docker(
            &config_dir,
            &["login", "-u", "dave", "--password-stdin", host],
            Some(dave),
        )
        .expect_success("docker login with a personal access token");
    assert!(login.text().contains("Login Succeeded"));
    let config = support::read_text(&config_dir.join("config.json"));
    assert!(
        config.contains("identitytoken") && !config.contains(dave),
        "{config}"
    );
    inspect(
        stack,
        Auth::File(&config_dir.join("config.json")),
        "e2e/team/app/web:1",
    )
    .expect_success("inspect with dave's refresh token");
    let target = stack.docker_ref("e2e/team/app/web:1");
    let delete = |creds: &str| {
        let creds = creds.to_owned();
        stack
            .clients
            .skopeo(&["delete", "--tls-verify=false", "--creds", &creds, &target])
    };
    delete(&format!("dave:{dave}"))
        .expect_failure_containing("a Developer deletes", &["UNAUTHORIZED"]);

    let client = http_client();
    let token: Value = client
        .get(format!("{}/jwt/auth", stack.regauth.url()))
        .query(&[
            ("service", "container_registry"),
            ("scope", "registry:catalog:*"),
        ])
        .basic_auth("alice", Some(alice))
        .send()
        .and_then(|r| r.json())
        .expect("catalog token");
    let catalog: Value = client
        .get(format!("http://{host}/v2/_catalog"))
        .bearer_auth(token["token"].as_str().expect("token"))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .expect("GET /v2/_catalog with an administrator's token");
    assert_eq!(
        catalog["repositories"],
        serde_json::json!(["e2e/team/app/web"])
    );
    delete(&format!("alice:{alice}")).expect_success("an administrator deletes");
    stack
        .clients
        .skopeo(&[
            "inspect",
            "--tls-verify=false",
            "--creds",
            &format!("alice:{alice}"),
            &target,
        ])
        .expect_failure_containing("the deleted image", &["manifest unknown"]);
}
