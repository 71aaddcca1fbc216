//! End-to-end: the real `regauth` binary behind Debian's `docker-registry` (distribution
//! 2.8), driven by skopeo, podman, buildah and the docker CLI exactly as a user would.
//!
//! Each test starts its own regauth + registry pair (well under a second) so the cases are
//! independent and run in parallel. They only run with `REGAUTH_E2E=1`, which
//! `scripts/test` sets after installing the tools; otherwise each one says it skipped.

mod support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use support::e2e_enabled;
use support::flows::*;
use support::oci::layout_manifest_digest;
use support::stack::{Signing, Stack, http_client};

#[test]
fn read_write_token_pushes_and_read_only_token_pulls_the_same_digest() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    let (read_write, read_only) = acme_app(&stack);
    let image = image(&stack, "web");

    push_ok(&stack, &read_write, &image, "acme/app/web:1");
    pull(&stack, Auth::Token(&read_only), "acme/app/web:1", "pulled").expect_success("pull");
    let pulled = layout_manifest_digest(&stack.clients.dir("pulled"), "1");
    assert_eq!(pulled.as_deref(), Some(image.manifest_digest.as_str()));

    stack
        .clients
        .podman(&[
            "pull",
            "--tls-verify=false",
            "--creds",
            &read_only.creds(),
            &stack.docker_ref("acme/app/web:1"),
        ])
        .expect_success("podman pull");
    let listed = stack
        .clients
        .podman(&["images", "--digests", "--format", "{{.Digest}}"])
        .expect_success("podman images");
    assert!(listed.stdout.contains(&image.manifest_digest));

    stack.regauth.admin(&["healthcheck"]);
    stack.assert_logs_clean();
}

#[test]
fn read_only_token_push_is_denied() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    let (read_write, read_only) = acme_app(&stack);
    let image = image(&stack, "web");
    push(&stack, &read_only.creds(), &image, "acme/app/web:1")
        .expect_failure_containing("read-only push", &[DENIED]);

    // podman: pull what a writer pushed, then try to push it back under a new tag.
    push_ok(&stack, &read_write, &image, "acme/app/web:1");
    let pulled = stack
        .clients
        .podman(&[
            "pull",
            "--quiet",
            "--tls-verify=false",
            "--creds",
            &read_only.creds(),
            &stack.docker_ref("acme/app/web:1"),
        ])
        .expect_success("read-only podman pull");
    stack
        .clients
        .podman(&[
            "push",
            "--tls-verify=false",
            "--creds",
            &read_only.creds(),
            pulled.stdout.trim(),
            &stack.docker_ref("acme/app/web:2"),
        ])
        .expect_failure_containing("read-only podman push", &[DENIED]);
    stack.assert_logs_clean();
}

#[test]
fn wrong_token_prints_invalid_credentials_with_our_message() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    let (read_write, _) = acme_app(&stack);
    let image = image(&stack, "web");
    let wrong = format!("{}:gldt-this-is-not-a-valid-token", read_write.username);
    push(&stack, &wrong, &image, "acme/app/web:1")
        .expect_failure_containing("wrong token push", &[INVALID_CREDENTIALS, OUR_401_MESSAGE]);
    let wrong_user = format!("someone-else:{}", read_write.token);
    push(&stack, &wrong_user, &image, "acme/app/web:1").expect_failure_containing(
        "wrong username push",
        &[INVALID_CREDENTIALS, OUR_401_MESSAGE],
    );
    stack
        .clients
        .podman(&[
            "pull",
            "--tls-verify=false",
            "--creds",
            &wrong,
            &stack.docker_ref("acme/app/web:1"),
        ])
        .expect_failure_containing(
            "wrong token podman pull",
            &[INVALID_CREDENTIALS, OUR_401_MESSAGE],
        );
    stack.assert_logs_clean();
}

#[test]
fn revoked_token_is_refused_on_the_very_next_request() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    let (read_write, _) = acme_app(&stack);
    push_ok(&stack, &read_write, &image(&stack, "web"), "acme/app/web:1");

    stack.regauth.revoke(&read_write);
    inspect(&stack, Auth::Token(&read_write), "acme/app/web:1")
        .expect_failure_containing("revoked pull", &[INVALID_CREDENTIALS, OUR_401_MESSAGE]);
    push(
        &stack,
        &read_write.creds(),
        &image(&stack, "other"),
        "acme/app/web:2",
    )
    .expect_failure_containing("revoked push", &[INVALID_CREDENTIALS, OUR_401_MESSAGE]);
    stack.assert_logs_clean();
}

#[test]
fn expired_token_is_refused() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    let (read_write, _) = acme_app(&stack);
    let expires_at = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("zero nanoseconds")
        + time::Duration::seconds(6);
    let expires = expires_at
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format RFC 3339");
    let short_lived = stack.regauth.token(
        ["--project", "acme/app"],
        READ_WRITE,
        &["--expires-at", &expires],
    );
    push_ok(
        &stack,
        &short_lived,
        &image(&stack, "web"),
        "acme/app/web:1",
    );

    let wait = expires_at - time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    std::thread::sleep(Duration::try_from(wait).unwrap_or_default());
    inspect(&stack, Auth::Token(&short_lived), "acme/app/web:1")
        .expect_failure_containing("expired pull", &[INVALID_CREDENTIALS, OUR_401_MESSAGE]);

    let listed = stack
        .regauth
        .admin(&["token", "list", "--project", "acme/app", "--json"]);
    let tokens: Value = serde_json::from_str(listed.stdout.trim()).expect("token list JSON");
    let entry = tokens
        .as_array()
        .and_then(|all| all.iter().find(|t| t["id"] == short_lived.id))
        .expect("the short-lived token is listed");
    assert_eq!(entry["expired"], true, "token list agrees it expired");
    inspect(&stack, Auth::Token(&read_write), "acme/app/web:1").expect_success("other token");
    stack.assert_logs_clean();
}

#[test]
fn group_token_covers_subgroup_projects_but_not_sibling_or_parent_groups() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    for group in ["acme", "acme/team", "acme/team/backend", "acme/ops"] {
        stack.regauth.group(group, "private");
    }
    stack.regauth.project("acme/team/backend/api", "private");
    stack.regauth.project("acme/ops/tools", "private");
    stack.regauth.project("acme/portal", "private");
    let team = stack
        .regauth
        .token(["--group", "acme/team"], READ_WRITE, &[]);
    let ops = stack
        .regauth
        .token(["--group", "acme/ops"], READ_WRITE, &[]);

    push_ok(
        &stack,
        &team,
        &image(&stack, "api"),
        "acme/team/backend/api/server:1",
    );
    push(
        &stack,
        &team.creds(),
        &image(&stack, "intruder"),
        "acme/ops/tools/cli:1",
    )
    .expect_failure_containing("push into a sibling group", &[DENIED]);
    push(
        &stack,
        &team.creds(),
        &image(&stack, "upward"),
        "acme/portal/web:1",
    )
    .expect_failure_containing("push into the parent group's project", &[DENIED]);

    push_ok(
        &stack,
        &ops,
        &image(&stack, "tools"),
        "acme/ops/tools/cli:1",
    );
    pull(
        &stack,
        Auth::Token(&team),
        "acme/ops/tools/cli:1",
        "sibling",
    )
    .expect_failure_containing("pull from a sibling group", &[DENIED]);
    stack.assert_logs_clean();
}

#[test]
fn cross_repository_copy_under_one_group_token() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    stack.regauth.group("acme", "private");
    stack.regauth.group("acme/team", "private");
    stack.regauth.project("acme/one", "private");
    stack.regauth.project("acme/team/two", "private");
    let group = stack.regauth.token(["--group", "acme"], READ_WRITE, &[]);
    let image = image(&stack, "web");
    push_ok(&stack, &group, &image, "acme/one/web:1");

    stack
        .clients
        .skopeo(&[
            "copy",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            "--src-creds",
            &group.creds(),
            "--dest-creds",
            &group.creds(),
            &stack.docker_ref("acme/one/web:1"),
            &stack.docker_ref("acme/team/two/web:1"),
        ])
        .expect_success("cross-repository copy");
    let copied =
        inspect(&stack, Auth::Token(&group), "acme/team/two/web:1").expect_success("inspect");
    assert_eq!(copied.stdout.trim(), image.manifest_digest);
    // The layer moved by a cross-repository mount: one token for both repositories
    // (`repository:acme/team/two/web:pull,push` + `repository:acme/one/web:pull`).
    let log = stack.registry.log();
    assert!(
        log.lines()
            .any(|line| line.contains("from=acme%2Fone%2Fweb&mount=") && line.contains("\" 201 ")),
        "no successful cross-repository mount in the registry log"
    );
    stack.assert_logs_clean();
}

#[test]
fn public_project_allows_anonymous_pull_but_not_push() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    stack.regauth.group("oss", "public");
    stack.regauth.project("oss/site", "public");
    let writer = stack
        .regauth
        .token(["--project", "oss/site"], READ_WRITE, &[]);
    let image = image(&stack, "site");
    push_ok(&stack, &writer, &image, "oss/site/web:1");

    pull(&stack, Auth::Anonymous, "oss/site/web:1", "anonymous").expect_success("anonymous pull");
    let pulled = layout_manifest_digest(&stack.clients.dir("anonymous"), "1");
    assert_eq!(pulled.as_deref(), Some(image.manifest_digest.as_str()));

    let push_anonymously = stack.clients.skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        "--authfile",
        &stack.clients.authfile().display().to_string(),
        &image.reference(),
        &stack.docker_ref("oss/site/web:2"),
    ]);
    push_anonymously.expect_failure_containing("anonymous push", &[DENIED]);
    inspect(&stack, Auth::Anonymous, "oss/site/web:2")
        .expect_failure_containing("nothing was pushed", &["manifest unknown"]);

    stack
        .clients
        .podman(&[
            "pull",
            "--tls-verify=false",
            &stack.docker_ref("oss/site/web:1"),
        ])
        .expect_success("anonymous podman pull");

    // A public project whose registry is private: only tokens that cover it may pull.
    stack.regauth.admin(&[
        "project",
        "create",
        "oss/vault",
        "--visibility",
        "public",
        "--registry",
        "private",
    ]);
    let vault = stack
        .regauth
        .token(["--project", "oss/vault"], READ_WRITE, &[]);
    push_ok(&stack, &vault, &image, "oss/vault/web:1");
    inspect(&stack, Auth::Anonymous, "oss/vault/web:1").expect_failure_containing(
        "anonymous pull of a private registry",
        &[INVALID_CREDENTIALS],
    );
    stack.assert_logs_clean();
}

#[test]
fn docker_login_stores_an_identitytoken_that_skopeo_and_podman_use() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    let (read_write, read_only) = acme_app(&stack);
    let image = image(&stack, "web");
    push_ok(&stack, &read_write, &image, "acme/app/web:1");

    let config_dir = stack.clients.dir("docker-config");
    let host = stack.registry.host.as_str();
    let login = stack.clients.docker(
        &config_dir,
        &["login", "-u", &read_only.username, "--password-stdin", host],
        Some(&read_only.token),
    );
    let login = login.expect_success("docker login");
    assert!(login.text().contains("Login Succeeded"));

    let config_path = config_dir.join("config.json");
    let config: Value =
        serde_json::from_str(&support::read_text(&config_path)).expect("docker config.json");
    let entry = &config["auths"][host];
    assert!(
        entry["identitytoken"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "docker stored no identitytoken: {config}"
    );
    assert!(
        entry.get("password").is_none(),
        "docker stored a password: {config}"
    );
    let stored = support::read_text(&config_path);
    assert!(
        !stored.contains(&read_only.token),
        "the deploy token is in config.json"
    );
    if let Some(auth) = entry["auth"].as_str() {
        let decoded = STANDARD.decode(auth).expect("auth is base64");
        let decoded = String::from_utf8_lossy(&decoded);
        assert!(
            !decoded.contains(&read_only.token),
            "auth holds the password: {decoded}"
        );
    }

    pull(
        &stack,
        Auth::File(&config_path),
        "acme/app/web:1",
        "via-docker-config",
    )
    .expect_success("skopeo pull with docker's config.json");
    stack
        .clients
        .podman(&[
            "pull",
            "--tls-verify=false",
            "--authfile",
            &config_path.display().to_string(),
            &stack.docker_ref("acme/app/web:1"),
        ])
        .expect_success("podman pull with docker's config.json");

    stack.regauth.revoke(&read_only);
    inspect(&stack, Auth::File(&config_path), "acme/app/web:1")
        .expect_failure_containing("identitytoken of a revoked token", &[INVALID_CREDENTIALS]);
    stack.assert_logs_clean();
}

#[test]
fn docker_login_with_a_wrong_token_prints_our_message() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    let (read_write, _) = acme_app(&stack);
    let config_dir = stack.clients.dir("docker-config");
    stack
        .clients
        .docker(
            &config_dir,
            &[
                "login",
                "-u",
                &read_write.username,
                "--password-stdin",
                &stack.registry.host,
            ],
            Some("gldt-wrong-wrong-wrong-wrong"),
        )
        .expect_failure_containing("docker login with a wrong token", &[OUR_401_MESSAGE]);
    let config = support::read_text(&config_dir.join("config.json"));
    assert!(
        !config.contains(&stack.registry.host),
        "failed login was stored: {config}"
    );
    stack.assert_logs_clean();
}

#[test]
fn skopeo_and_podman_login_then_logout() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    let (read_write, read_only) = acme_app(&stack);
    push_ok(&stack, &read_write, &image(&stack, "web"), "acme/app/web:1");
    let host = stack.registry.host.as_str();

    for tool in ["skopeo", "podman"] {
        let authfile = stack.path(&format!("{tool}-auth.json"));
        let authfile_arg = authfile.display().to_string();
        let client = |args: &[&str]| match tool {
            "skopeo" => stack.clients.skopeo(args),
            _ => stack.clients.podman(args),
        };
        let base = ["--authfile", authfile_arg.as_str(), "--tls-verify=false"];
        let wrong = [
            &base[..],
            &["-u", &read_only.username, "-p", "gldt-wrong-wrong", host],
        ]
        .concat();
        // skopeo 1.9 and podman 4.3 print only this for a failed login, not the message.
        client(&[&["login"], &wrong[..]].concat())
            .expect_failure_containing("login with a wrong token", &[INVALID_CREDENTIALS]);
        let good = [
            &base[..],
            &["-u", &read_only.username, "-p", &read_only.token, host],
        ]
        .concat();
        let login = client(&[&["login"], &good[..]].concat()).expect_success("login");
        assert!(login.text().contains("Login Succeeded"));
        assert!(
            support::read_text(&authfile).contains(host),
            "{tool} stored no login"
        );

        inspect(&stack, Auth::File(&authfile), "acme/app/web:1").expect_success("pull after login");

        client(&["logout", "--authfile", &authfile_arg, host]).expect_success("logout");
        assert!(
            !support::read_text(&authfile).contains(host),
            "{tool} logout left the login"
        );
        inspect(&stack, Auth::File(&authfile), "acme/app/web:1")
            .expect_failure_containing("pull after logout", &[INVALID_CREDENTIALS]);
    }
    stack.assert_logs_clean();
}

#[test]
fn skopeo_delete_is_denied_for_deploy_tokens() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    let (read_write, _) = acme_app(&stack);
    let image = image(&stack, "web");
    push_ok(&stack, &read_write, &image, "acme/app/web:1");
    stack
        .clients
        .skopeo(&[
            "delete",
            "--tls-verify=false",
            "--creds",
            &read_write.creds(),
            &stack.docker_ref("acme/app/web:1"),
        ])
        .expect_failure_containing(
            "delete with a deploy token",
            &["Failed to delete", "UNAUTHORIZED"],
        );

    // skopeo asks for `repository:…:*`; a deploy token gets pull and push, never delete.
    let (_, claims) = registry_token(&stack, &read_write, "repository:acme/app/web:*");
    let mut actions: Vec<&str> = claims["access"][0]["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        ["pull", "push"],
        "granted access {}",
        claims["access"]
    );
    let still =
        inspect(&stack, Auth::Token(&read_write), "acme/app/web:1").expect_success("inspect");
    assert_eq!(still.stdout.trim(), image.manifest_digest);
    stack.assert_logs_clean();
}

#[test]
fn refresh_token_in_an_auth_file_pulls_until_the_deploy_token_is_revoked() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    let (read_write, read_only) = acme_app(&stack);
    push_ok(&stack, &read_write, &image(&stack, "web"), "acme/app/web:1");

    let form = [
        ("grant_type", "password"),
        ("service", "container_registry"),
        ("client_id", "regauth-e2e"),
        ("access_type", "offline"),
        ("username", read_only.username.as_str()),
        ("password", read_only.token.as_str()),
    ];
    let response = http_client()
        .post(format!("{}/jwt/auth", stack.regauth.url()))
        .form(&form)
        .send()
        .expect("POST /jwt/auth");
    assert_eq!(response.status(), 200, "password grant");
    let body: Value = response.json().expect("token response JSON");
    let refresh = body["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned();
    assert!(
        !refresh.contains(&read_only.token),
        "refresh token embeds the secret"
    );

    let host = stack.registry.host.as_str();
    let auth = STANDARD.encode(format!("{}:", read_only.username));
    let file = json!({ "auths": { host: { "auth": auth, "identitytoken": refresh } } });
    let authfile = stack.path("refresh-auth.json");
    std::fs::write(&authfile, file.to_string()).expect("write auth file");

    pull(&stack, Auth::File(&authfile), "acme/app/web:1", "refreshed")
        .expect_success("pull with an identitytoken only");
    stack.regauth.revoke(&read_only);
    pull(
        &stack,
        Auth::File(&authfile),
        "acme/app/web:1",
        "after-revoke",
    )
    .expect_failure_containing("refresh token after revocation", &[INVALID_CREDENTIALS]);
    stack.assert_logs_clean();
}

#[test]
fn buildah_builds_and_pushes_with_a_deploy_token() {
    if !e2e_enabled() {
        return;
    }
    let stack = Stack::start();
    let (read_write, read_only) = acme_app(&stack);
    let payload = stack.path("payload.txt");
    std::fs::write(&payload, "built by buildah\n").expect("write payload");
    let container = stack
        .clients
        .buildah(&["from", "scratch"])
        .expect_success("buildah from");
    let container = container.stdout.trim();
    stack
        .clients
        .buildah(&[
            "copy",
            container,
            &payload.display().to_string(),
            "/payload.txt",
        ])
        .expect_success("buildah copy");
    stack
        .clients
        .buildah(&[
            "commit",
            "--format",
            "oci",
            container,
            "localhost/e2e/built:1",
        ])
        .expect_success("buildah commit");
    stack
        .clients
        .buildah(&[
            "push",
            "--tls-verify=false",
            "--creds",
            &read_write.creds(),
            "localhost/e2e/built:1",
            &stack.docker_ref("acme/app/built:1"),
        ])
        .expect_success("buildah push");
    pull(&stack, Auth::Token(&read_only), "acme/app/built:1", "built").expect_success("pull");
    stack.assert_logs_clean();
}

/// Pushes and pulls through a stack signing with `signing`, after checking that the
/// tokens regauth issues really carry that algorithm and (no) `x5c`.
fn signing_is_accepted(signing: Signing) {
    let stack = Stack::start_with(signing);
    let (read_write, read_only) = acme_app(&stack);

    let (header, _) = registry_token(&stack, &read_only, "repository:acme/app/web:pull");
    assert_eq!(header["alg"], signing.algorithm, "JWT header {header}");
    // libtrust key id: 12 groups of 4 base32 characters joined by `:`.
    assert!(
        header["kid"].as_str().is_some_and(|kid| kid.len() == 59),
        "JWT header {header}"
    );
    assert_eq!(
        header.get("x5c").is_some(),
        signing.x5c,
        "JWT header {header}"
    );

    let published = http_client()
        .get(format!("{}/jwt/certs.pem", stack.regauth.url()))
        .send()
        .and_then(|response| response.text())
        .expect("GET /jwt/certs.pem");
    let on_disk = support::read_text(&stack.regauth.public_dir.join("certs.pem"));
    assert_eq!(
        published, on_disk,
        "/jwt/certs.pem is the registry's rootcertbundle"
    );

    let image = image(&stack, "web");
    push_ok(&stack, &read_write, &image, "acme/app/web:1");
    pull(&stack, Auth::Token(&read_only), "acme/app/web:1", "pulled").expect_success("pull");
    stack.assert_logs_clean();
}

#[test]
fn es256_tokens_with_x5c_are_accepted() {
    if e2e_enabled() {
        signing_is_accepted(Signing {
            algorithm: "ES256",
            x5c: true,
        });
    }
}

#[test]
fn es256_tokens_without_x5c_are_accepted() {
    if e2e_enabled() {
        signing_is_accepted(Signing {
            algorithm: "ES256",
            x5c: false,
        });
    }
}

#[test]
fn rs256_tokens_with_x5c_are_accepted() {
    if e2e_enabled() {
        signing_is_accepted(Signing {
            algorithm: "RS256",
            x5c: true,
        });
    }
}

#[test]
fn rs256_tokens_without_x5c_are_accepted() {
    if e2e_enabled() {
        signing_is_accepted(Signing {
            algorithm: "RS256",
            x5c: false,
        });
    }
}
