//! End-to-end: a dependency proxy made of stock parts. An upstream `docker-registry` holds an
//! image; a second `docker-registry` in pull-through mode (`service=dependency_proxy`, its
//! upstream credentials a read-only deploy token) sits in front of it; regauth is the realm
//! of both. Start order matters: regauth, then the upstream, then the proxy.

mod support;

use support::e2e_enabled;
use support::flows::{DENIED, READ, READ_WRITE, image, push_ok};
use support::stack::{DeployToken, Registry, RegistrySpec, Signing, Stack, http_client};

const PROXY_TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/registry/proxy.yml");
const IMAGE: &str = "acme/team/app/web:1";

/// `skopeo copy` from the proxy into a local layout.
fn pull_through(stack: &Stack, proxy: &Registry, token: &DeployToken, into: &str) -> support::Run {
    let dest = format!("oci:{}:1", stack.clients.dir(into).display());
    stack.clients.skopeo(&[
        "copy",
        "--src-tls-verify=false",
        "--src-creds",
        &token.creds(),
        &format!("docker://{}/{IMAGE}", proxy.host),
        &dest,
    ])
}

/// What the registry at `host` answers to a manifest GET carrying `jwt`.
fn manifest_status(host: &str, jwt: &str) -> u16 {
    http_client()
        .get(format!("http://{host}/v2/acme/team/app/web/manifests/1"))
        .header("Accept", "application/vnd.oci.image.manifest.v1+json")
        .bearer_auth(jwt)
        .send()
        .expect("GET manifest")
        .status()
        .as_u16()
}

/// A pull token for the image from regauth, for `service`.
fn pull_jwt(stack: &Stack, token: &DeployToken, service: &str) -> String {
    let body: serde_json::Value = http_client()
        .get(format!("{}/jwt/auth", stack.regauth.url()))
        .query(&[
            ("service", service),
            ("scope", "repository:acme/team/app/web:pull"),
        ])
        .basic_auth(&token.username, Some(&token.token))
        .send()
        .expect("GET /jwt/auth")
        .json()
        .expect("token JSON");
    body["token"].as_str().expect("token").to_owned()
}

#[test]
fn pull_through_the_dependency_proxy_needs_a_group_token_with_both_registry_scopes() {
    if !e2e_enabled() {
        return;
    }
    let mut stack = Stack::start_configured(
        Signing::default(),
        &[("REGAUTH_DEPENDENCY_PROXY", "dependency_proxy=acme")],
    );
    let admin = &stack.regauth;
    for group in ["acme", "acme/team", "other"] {
        admin.group(group, "private");
    }
    admin.project("acme/team/app", "private");
    admin.project("other/app", "private");
    let pusher = admin.token(["--project", "acme/team/app"], READ_WRITE, &[]);
    let upstream_reader = admin.token(["--group", "acme"], READ, &[]);
    let qualifying = admin.token(["--group", "acme"], READ_WRITE, &[]);
    let read_only_group = admin.token(["--group", "acme"], READ, &[]);
    let project_token = admin.token(["--project", "acme/team/app"], READ_WRITE, &[]);
    let unrelated_group = admin.token(["--group", "other"], READ_WRITE, &[]);

    let img = image(&stack, "web");
    push_ok(&stack, &pusher, &img, IMAGE);

    let upstream_url = format!("http://{}", stack.registry.host);
    let spec = RegistrySpec {
        name: "proxy",
        template: PROXY_TEMPLATE,
        template_addr: "127.0.0.1:5002",
        service: "dependency_proxy",
        replace: vec![("https://registry-1.docker.io", upstream_url)],
        env: vec![
            ("REGISTRY_PROXY_USERNAME", upstream_reader.username.as_str()),
            ("REGISTRY_PROXY_PASSWORD", upstream_reader.token.as_str()),
        ],
    };
    let mut proxy = Registry::start(&stack.path("."), &stack.regauth, &spec);

    // The qualifying token pulls through the proxy and gets the upstream's digest.
    pull_through(&stack, &proxy, &qualifying, "through-proxy").expect_success("pull through proxy");
    let pulled = support::oci::layout_manifest_digest(&stack.clients.dir("through-proxy"), "1");
    assert_eq!(
        pulled.as_deref(),
        Some(img.manifest_digest.as_str()),
        "digest through the proxy"
    );

    // Refused tokens: 403 from regauth, which containers/image reports without our message.
    for (what, token) in [
        ("read-only group token", &read_only_group),
        ("project token with both scopes", &project_token),
        ("token of an unrelated group", &unrelated_group),
    ] {
        let run = pull_through(&stack, &proxy, token, "refused");
        run.expect_failure_containing(what, &["403"]);
    }
    let log = stack.regauth.log();
    for reason in [
        "lacks write_registry",
        "needs a group deploy token",
        "does not cover the dependency proxy of group acme",
    ] {
        assert!(
            log.contains(reason),
            "regauth logged no refusal saying {reason:?}"
        );
    }

    // Push through the proxy is refused: the token grants pull only.
    let push = stack.clients.skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        &qualifying.creds(),
        &img.reference(),
        &format!("docker://{}/acme/team/app/pushed:1", proxy.host),
    ]);
    push.expect_failure_containing("push through the proxy", &[DENIED]);

    // Every successful step so far used tokens both registries accepted.
    stack.assert_logs_clean();
    assert!(
        !proxy.log().contains("invalid token"),
        "the proxy rejected a token:\n{}",
        proxy.log()
    );

    // Tokens are bound to their audience: a registry token is refused by the proxy and a
    // proxy token by the registry, while each works where it belongs.
    let registry_jwt = pull_jwt(&stack, &qualifying, "container_registry");
    let proxy_jwt = pull_jwt(&stack, &qualifying, "dependency_proxy");
    assert_eq!(manifest_status(&stack.registry.host, &registry_jwt), 200);
    assert_eq!(manifest_status(&proxy.host, &proxy_jwt), 200);
    assert_eq!(
        manifest_status(&proxy.host, &registry_jwt),
        401,
        "registry token on the proxy"
    );
    assert_eq!(
        manifest_status(&stack.registry.host, &proxy_jwt),
        401,
        "proxy token on the registry"
    );
    for log in [stack.registry.log(), proxy.log()] {
        assert!(
            log.contains("invalid token"),
            "the wrong-audience token was rejected as invalid"
        );
    }

    // With the upstream gone, the cache still serves the image.
    stack.registry.stop();
    pull_through(&stack, &proxy, &qualifying, "from-cache").expect_success("pull from cache");
    let cached = support::oci::layout_manifest_digest(&stack.clients.dir("from-cache"), "1");
    assert_eq!(
        cached.as_deref(),
        Some(img.manifest_digest.as_str()),
        "digest from the cache"
    );
    proxy.stop();
}
