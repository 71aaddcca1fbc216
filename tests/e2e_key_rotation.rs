//! End-to-end: rotating the signing key under load with the real docker-registry. Two loops
//! pull all along (one asks regauth for a token and GETs the manifest, the other runs
//! `skopeo copy`), counting every failure, while the runbook is followed:
//! rotate → restart the registry → activate → retire (refused early, then forced) → restart
//! the registry. No pull may fail; a token signed by the retired key must be refused at the end.
//! Pulls pause only while the one registry process is down for its restart.

mod support;

use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::e2e_enabled;
use support::flows::{acme_app, image, push_ok};
use support::pulls::{
    REPO, Shared, fetch_token, http, manifest_status, pull_loop, report_and_check, set,
};
use support::stack::{DeployToken, Regauth, Registry, RegistrySpec, Signing, Stack};

/// Generous bound for a change to reach the server (it re-reads the ring every second here).
const RELOAD_BOUND: Duration = Duration::from_secs(30);

/// Waits until `done` holds, polling; panics after [`RELOAD_BOUND`].
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < RELOAD_BOUND, "{what} did not happen");
        thread::sleep(Duration::from_millis(100));
    }
}

/// The kids `/jwt/jwks.json` publishes.
fn published_kids(regauth: &Regauth) -> Vec<String> {
    let set: Value = http()
        .get(format!("{}/jwt/jwks.json", regauth.url()))
        .send()
        .and_then(|r| r.json())
        .expect("GET /jwt/jwks.json");
    let keys = set["keys"].as_array().expect("keys").iter();
    keys.map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

fn certificates_published(regauth: &Regauth) -> usize {
    let bundle = http()
        .get(format!("{}/jwt/certs.pem", regauth.url()))
        .send()
        .and_then(|r| r.text())
        .expect("GET /jwt/certs.pem");
    bundle.matches("BEGIN CERTIFICATE").count()
}

fn ring(regauth: &Regauth) -> Vec<(String, String)> {
    let listed: Value = serde_json::from_str(&regauth.admin(&["keys", "list", "--json"]).stdout)
        .expect("keys list --json");
    let keys = listed.as_array().unwrap().iter();
    keys.map(|k| {
        (
            k["kid"].as_str().unwrap().to_owned(),
            k["state"].as_str().unwrap().to_owned(),
        )
    })
    .collect()
}

/// Restarts the registry (it reads the bundle only at start-up), pausing the pull loops.
fn restart_registry(stack: &mut Stack, control: &Shared, phase: &'static str) {
    {
        let _no_pull_in_flight = control.gate.write().unwrap();
        set(control, |c| c.host = None);
    }
    stack.registry.stop();
    stack.registry = Registry::start(&stack.path("."), &stack.regauth, &RegistrySpec::main());
    let host = stack.registry.host.clone();
    set(control, |c| {
        c.host = Some(host);
        c.phase = phase;
    });
}

fn rotation_keeps_pulls_working(signing: Signing) {
    let mut stack = Stack::start_configured(signing, &[("REGAUTH_KEY_RELOAD_INTERVAL", "1")]);
    let (read_write, read_only) = acme_app(&stack);
    push_ok(
        &stack,
        &read_write,
        &image(&stack, "web"),
        &format!("{REPO}:1"),
    );
    let old = ring(&stack.regauth)[0].0.clone();
    let control = Shared::default();
    set(&control, |c| {
        c.host = Some(stack.registry.host.clone());
        c.phase = "1 before rotation";
    });
    let url = stack.regauth.url();
    let (old_token, new_token) = thread::scope(|scope| {
        scope.spawn(|| {
            pull_loop(&control, "token+GET", |host| {
                match fetch_token(&url, &read_only) {
                    Some((kid, jwt)) => (kid, manifest_status(host, &jwt) == 200),
                    None => (String::new(), false),
                }
            })
        });
        let (clients, shared, read_only) = (stack.clients.clone(), &control, &read_only);
        scope.spawn(move || {
            let n = std::sync::atomic::AtomicUsize::new(0);
            pull_loop(shared, "skopeo copy", |host| {
                let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let dest = format!("oci:{}:1", clients.dir(&format!("pull-{i}")).display());
                let source = format!("docker://{host}/{REPO}:1");
                let creds = read_only.creds();
                let args = [
                    "copy",
                    "--src-tls-verify=false",
                    "--src-creds",
                    &creds,
                    &source,
                    &dest,
                ];
                (String::new(), clients.skopeo(&args).status.success())
            })
        });
        let tokens = run_runbook(&mut stack, &control, read_only, &old);
        set(&control, |c| c.stop = true);
        tokens
    });
    report_and_check(&control.control.into_inner().unwrap(), &old);

    // After the retirement and the registry's restart: the old key's token is refused.
    let host = &stack.registry.host;
    assert_eq!(
        manifest_status(host, &new_token),
        200,
        "a token of the active key"
    );
    assert_eq!(
        manifest_status(host, &old_token),
        401,
        "a token of the retired key"
    );
    let log = stack.registry.log();
    let refusal = log
        .lines()
        .find(|l| l.contains("invalid token") || l.contains("untrusted"));
    eprintln!(
        "registry on the retired key's token: {}",
        refusal.unwrap_or("<nothing logged>")
    );
    assert!(
        refusal.is_some(),
        "the registry logs why it refused the token"
    );
}

/// rotate → restart → activate → retire → restart, checking the ring at each step; returns a
/// token signed by the old key and one signed by the new key, both fetched while both were
/// published.
fn run_runbook(
    stack: &mut Stack,
    control: &Shared,
    token: &DeployToken,
    old: &str,
) -> (String, String) {
    let regauth_url = stack.regauth.url();
    let pulls_in = |phase: &str, client: &str| {
        let c = control.control.lock().unwrap();
        let rows = c
            .pulls
            .iter()
            .filter(|p| p.0 == phase && p.1 == client && p.3);
        rows.count()
    };
    // Each client pulls a few times in each phase before the next step.
    let settle = |phase: &'static str| {
        wait_for(phase, || {
            pulls_in(phase, "token+GET") >= 3 && pulls_in(phase, "skopeo copy") >= 3
        })
    };
    settle("1 before rotation");

    let rotated = stack.regauth.admin(&["keys", "rotate"]);
    let new = ring(&stack.regauth)[1].0.clone();
    assert!(rotated.stdout.contains(&new), "{}", rotated.stdout);
    wait_for("the server publishing the new key", || {
        published_kids(&stack.regauth).len() == 2
    });
    assert_eq!(certificates_published(&stack.regauth), 2);
    let bundle = std::fs::read_to_string(stack.regauth.public_dir.join("certs.pem")).unwrap();
    assert_eq!(
        bundle.matches("BEGIN CERTIFICATE").count(),
        2,
        "the registry's bundle"
    );
    set(control, |c| c.phase = "2 rotated, registry not restarted");
    settle("2 rotated, registry not restarted");

    restart_registry(stack, control, "3 registry restarted, old key signs");
    settle("3 registry restarted, old key signs");
    let (kid, old_token) = fetch_token(&regauth_url, token).unwrap();
    assert_eq!(kid, old, "the new key does not sign before `keys activate`");

    stack.regauth.admin(&["keys", "activate", &new[..14]]);
    wait_for("the server signing with the new key", || {
        fetch_token(&regauth_url, token).is_some_and(|(kid, _)| kid == new)
    });
    set(control, |c| c.phase = "4 activated, both published");
    settle("4 activated, both published");
    let (_, new_token) = fetch_token(&regauth_url, token).unwrap();
    let host = stack.registry.host.clone();
    assert_eq!(
        manifest_status(&host, &old_token),
        200,
        "old key's token while published"
    );
    assert_eq!(manifest_status(&host, &new_token), 200, "new key's token");
    stack.assert_logs_clean();

    let early = stack.regauth.cli(&["keys", "retire", old]);
    early.expect_failure_containing(
        "retiring too early",
        &["may still be valid until", "--force"],
    );
    assert_eq!(
        published_kids(&stack.regauth).len(),
        2,
        "a refused retirement changes nothing"
    );
    stack.regauth.admin(&["keys", "retire", old, "--force"]);
    wait_for("the server dropping the old key", || {
        published_kids(&stack.regauth) == [new.clone()]
    });
    let states = ring(&stack.regauth);
    assert_eq!(
        states,
        [
            (old.to_owned(), "retired".into()),
            (new.clone(), "active".into())
        ]
    );
    set(control, |c| c.phase = "5 retired, registry not restarted");
    settle("5 retired, registry not restarted");
    restart_registry(stack, control, "6 retired, registry restarted");
    settle("6 retired, registry restarted");
    (old_token, new_token)
}

#[test]
fn rotating_the_key_never_fails_a_pull_es256_x5c() {
    if e2e_enabled() {
        rotation_keeps_pulls_working(Signing::default());
    }
}

#[test]
fn rotating_the_key_never_fails_a_pull_rs256_kid_only() {
    if e2e_enabled() {
        rotation_keeps_pulls_working(Signing {
            algorithm: "RS256",
            x5c: false,
        });
    }
}

#[test]
fn sighup_makes_the_server_reread_the_ring() {
    if !e2e_enabled() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // The timer would take five minutes: only the signal can explain a quick reload.
    let regauth = Regauth::start(
        dir.path(),
        Signing::default(),
        &[("REGAUTH_KEY_RELOAD_INTERVAL", "300")],
    );
    regauth.admin(&["keys", "rotate"]);
    assert_eq!(
        published_kids(&regauth).len(),
        1,
        "no reload before the signal"
    );
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &regauth.pid().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    wait_for("a reload on SIGHUP", || published_kids(&regauth).len() == 2);
    assert!(
        regauth.log().contains("key ring reloaded"),
        "{}",
        regauth.log()
    );
}
