//! Pull loops for the key-rotation test: each keeps pulling one image from whichever registry
//! address the test gives it, recording every outcome, and pauses (after finishing the pull in
//! flight) while the test restarts the registry.

use std::sync::{Mutex, OnceLock, RwLock};
use std::thread;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::stack::{DeployToken, http_client};

/// The repository the loops pull.
pub const REPO: &str = "acme/app/web";

/// One HTTP client for the whole test (building one per request would dominate each pull).
pub fn http() -> reqwest::blocking::Client {
    static CLIENT: OnceLock<reqwest::blocking::Client> = OnceLock::new();
    CLIENT.get_or_init(http_client).clone()
}

/// What the pull loops share with the test: where to pull, which phase it is, what happened.
#[derive(Default)]
pub struct Control {
    /// The registry's `host:port`; `None` while it restarts.
    pub host: Option<String>,
    /// The step of the runbook, recorded with each pull.
    pub phase: &'static str,
    /// Set to end the loops.
    pub stop: bool,
    /// One row per pull: (phase, client, kid of the token or "", succeeded).
    pub pulls: Vec<(&'static str, &'static str, String, bool)>,
}

/// The control, and a gate every pull holds open (shared) while it runs, so that a pause
/// (exclusive) waits for the pulls in flight.
#[derive(Default)]
pub struct Shared {
    pub gate: RwLock<()>,
    /// The state behind the gate.
    pub control: Mutex<Control>,
}

/// Change the control.
pub fn set(shared: &Shared, f: impl FnOnce(&mut Control)) {
    f(&mut shared.control.lock().unwrap());
}

/// A pull token for [`REPO`] and its `kid`.
pub fn fetch_token(regauth_url: &str, token: &DeployToken) -> Option<(String, String)> {
    let response = http()
        .get(format!("{regauth_url}/jwt/auth"))
        .query(&[
            ("service", "container_registry"),
            ("scope", &format!("repository:{REPO}:pull")),
        ])
        .basic_auth(&token.username, Some(&token.token))
        .send()
        .ok()?;
    let body: Value = response.json().ok()?;
    let jwt = body["token"].as_str()?.to_owned();
    Some((kid_of(&jwt), jwt))
}

/// The `kid` of a JWT's header.
pub fn kid_of(jwt: &str) -> String {
    let header = URL_SAFE_NO_PAD
        .decode(jwt.split('.').next().unwrap())
        .unwrap();
    let header: Value = serde_json::from_slice(&header).unwrap();
    header["kid"].as_str().unwrap_or_default().to_owned()
}

/// What the registry at `host` answers to a manifest GET with `jwt`.
pub fn manifest_status(host: &str, jwt: &str) -> u16 {
    http()
        .get(format!("http://{host}/v2/{REPO}/manifests/1"))
        .header("Accept", "application/vnd.oci.image.manifest.v1+json")
        .bearer_auth(jwt)
        .send()
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// Runs one pull per call of `pull` until stopped, recording each.
pub fn pull_loop(shared: &Shared, client: &'static str, pull: impl Fn(&str) -> (String, bool)) {
    loop {
        let gate = shared.gate.read().unwrap();
        let (host, phase, stop) = {
            let c = shared.control.lock().unwrap();
            (c.host.clone(), c.phase, c.stop)
        };
        if stop {
            return;
        }
        if let Some(host) = host {
            let (kid, ok) = pull(&host);
            set(shared, |c| c.pulls.push((phase, client, kid, ok)));
        }
        drop(gate);
        thread::sleep(Duration::from_millis(30));
    }
}

/// Prints the pull counts per phase and client, and fails on any failed pull.
pub fn report_and_check(control: &Control, old: &str) {
    // Phase names start with their number: the set's order is theirs.
    let phases: std::collections::BTreeSet<&str> = control.pulls.iter().map(|p| p.0).collect();
    eprintln!("pulls during the rotation (phase: client ok/attempted):");
    for phase in &phases {
        for client in ["token+GET", "skopeo copy"] {
            let rows = control
                .pulls
                .iter()
                .filter(|p| p.0 == *phase && p.1 == client);
            let (ok, all) = rows.fold((0, 0), |(ok, all), p| (ok + p.3 as usize, all + 1));
            eprintln!("  {phase}: {client} {ok}/{all}");
        }
    }
    let failed = control.pulls.iter().filter(|p| !p.3).count();
    let by_kid = |old_key: bool| {
        let http = control.pulls.iter().filter(|p| p.1 == "token+GET" && p.3);
        http.filter(|p| (p.2 == old) == old_key).count()
    };
    eprintln!(
        "total: {} pulls, {failed} failed; token+GET pulls with old-key tokens {}, new-key tokens {}",
        control.pulls.len(),
        by_kid(true),
        by_kid(false)
    );
    assert_eq!(failed, 0, "pulls failed during the rotation");
    assert!(
        by_kid(true) > 0 && by_kid(false) > 0,
        "both keys signed pulled tokens"
    );
}
