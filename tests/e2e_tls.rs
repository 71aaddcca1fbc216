//! HTTPS end to end: regauth serves its realm as `https://127.0.0.1:PORT/jwt/auth` with a
//! certificate from a CA this test made, the real docker-registry (itself on TLS, from a
//! second CA) sends skopeo there, and skopeo checks both certificates (`--cert-dir`, never
//! `--tls-verify=false`). Without the realm's CA skopeo refuses the realm; with it, push and
//! pull work and a refused pull is one JSON access line. Runs when `REGAUTH_E2E=1`.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::certs::{Ca, client_trusting};
use support::oci::OciImage;
use support::stack::{Process, Regauth, Signing, free_port, path_string};
use support::{Run, e2e_enabled_for, read_text, run};

const TOOLS: &[(&str, &str)] = &[
    ("docker-registry", "Debian package: docker-registry"),
    ("skopeo", "Debian package: skopeo"),
];
const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/registry/config.yml");

/// The registry on TLS at `host`, its realm regauth's `https://` URL.
fn start_registry(dir: &Path, regauth: &Regauth, ca: &Ca, trust: &Path) -> (Process, String) {
    let host = format!("127.0.0.1:{}", free_port());
    let mut config = std::fs::read_to_string(TEMPLATE).unwrap();
    for (from, to) in [
        ("127.0.0.1:5000", host.clone()),
        ("http://127.0.0.1:5001", regauth.url()),
        ("/var/lib/registry", path_string(&dir.join("registry-data"))),
        ("/var/lib/regauth/public", path_string(&regauth.public_dir)),
    ] {
        assert!(
            config.contains(from),
            "{TEMPLATE} no longer mentions {from}"
        );
        config = config.replace(from, &to);
    }
    let config_path = dir.join("registry.yml");
    std::fs::write(&config_path, config).unwrap();
    let (cert, key) = ca.server(dir, "registry");
    let log = dir.join("registry.log");
    let out = std::fs::File::create(&log).unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&config_path)
        .env("REGISTRY_HTTP_TLS_CERTIFICATE", &cert)
        .env("REGISTRY_HTTP_TLS_KEY", &key)
        // Go reads its trusted roots from here: the registry trusts regauth's CA too.
        .env("SSL_CERT_FILE", trust)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("start docker-registry");
    let process = Process {
        name: "registry",
        child,
        log,
    };
    wait_challenge(&host, &regauth.url(), &ca.pem, &process);
    (process, host)
}

/// Until `https://host/v2/` answers 401 with a challenge naming the https realm.
fn wait_challenge(host: &str, realm_base: &str, ca_pem: &str, process: &Process) {
    let client = client_trusting(ca_pem);
    let expected = format!("Bearer realm=\"{realm_base}/jwt/auth\",service=\"container_registry\"");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(res) = client.get(format!("https://{host}/v2/")).send() {
            assert_eq!(res.status(), 401);
            assert_eq!(
                res.headers()["www-authenticate"].to_str().unwrap(),
                expected
            );
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("registry did not start:\n{}", read_text(&process.log));
}

/// A `--cert-dir` holding these CA certificates (`*.crt` files are roots for skopeo).
fn cert_dir(dir: &Path, name: &str, cas: &[&Ca]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(&path).unwrap();
    for (i, ca) in cas.iter().enumerate() {
        ca.write(&path.join(format!("ca-{i}.crt")));
    }
    path
}

fn skopeo(dir: &Path, args: &[&str]) -> Run {
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut command = Command::new("skopeo");
    command
        .env("HOME", dir)
        .env("TMPDIR", &tmp)
        .env("REGISTRY_AUTH_FILE", dir.join("auth.json"))
        .args(args);
    run(&mut command, None)
}

#[test]
fn skopeo_through_an_https_realm_with_the_tests_ca() {
    if !e2e_enabled_for(
        env!("CARGO_CRATE_NAME"),
        TOOLS,
        "apt-get install -y docker-registry skopeo",
    ) {
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("regauth-tls-")
        .tempdir()
        .unwrap();
    let d = dir.path();
    let (realm_ca, registry_ca) = (Ca::new("regauth realm CA"), Ca::new("registry CA"));
    let (cert, key) = realm_ca.server(d, "regauth");
    let env = [
        ("REGAUTH_TLS_CERT", cert.to_str().unwrap()),
        ("REGAUTH_TLS_KEY", key.to_str().unwrap()),
        ("REGAUTH_LOG_FORMAT", "json"),
    ];
    let regauth = Regauth::start(d, Signing::default(), &env);
    let trust = realm_ca.write(&d.join("realm-ca.pem"));
    let (_registry, host) = start_registry(d, &regauth, &registry_ca, &trust);
    regauth.group("g", "private");
    regauth.project("g/p", "private");
    let pusher = regauth.token(["--project", "g/p"], "read_registry,write_registry", &[]);
    let git = regauth.token(["--project", "g/p"], "read_repository", &[]);
    let image = OciImage::build(&d.join("img"), "1");
    let source = format!("oci:{}:1", path_string(&image.dir));
    let target = format!("docker://{host}/g/p/app:1");

    let registry_only = cert_dir(d, "registry-only", &[&registry_ca]);
    let both = cert_dir(d, "both", &[&registry_ca, &realm_ca]);
    let creds = format!("{}:{}", pusher.username, pusher.token);
    let dest = |certs: &Path| {
        let certs = path_string(certs);
        let args = [
            "copy",
            "--dest-cert-dir",
            &certs,
            "--dest-creds",
            &creds,
            &source,
            &target,
        ];
        skopeo(d, &args)
    };
    // The registry's certificate checks out, the realm's does not: skopeo stops at the realm.
    dest(&registry_only).expect_failure_containing(
        "push without the realm's CA",
        &["/jwt/auth", "x509: certificate signed by unknown authority"],
    );
    dest(&both).expect_success("push over https with the test's CAs");
    let both_text = path_string(&both);
    let out = path_string(&d.join("out"));
    skopeo(
        d,
        &[
            "copy",
            "--src-cert-dir",
            &both_text,
            "--src-creds",
            &creds,
            &target,
            &format!("oci:{out}:1"),
        ],
    )
    .expect_success("pull over https");

    let git_creds = format!("{}:{}", git.username, git.token);
    skopeo(
        d,
        &[
            "inspect",
            "--cert-dir",
            &both_text,
            "--creds",
            &git_creds,
            &target,
        ],
    )
    .expect_failure_containing("pull with a token lacking read_registry", &["403"]);
    let refused: Vec<Value> = regauth
        .log()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|v| v["message"] == "token refused")
        .collect();
    assert_eq!(refused.len(), 1, "{refused:#?}");
    eprintln!("refused pull, as logged:\n{}", refused[0]);
    assert_eq!(refused[0]["token_id"], git.id);
    assert_eq!(refused[0]["outcome"], "denied");
    assert_eq!(refused[0]["requested"], "repository:g/p/app:pull");
    let log = regauth.log();
    assert!(
        !log.contains(&pusher.token) && !log.contains(&git.token),
        "a secret was logged"
    );
}
