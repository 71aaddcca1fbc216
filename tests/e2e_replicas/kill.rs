//! `kill -9` of replica A while 32 connections issue tokens through the balancer, one API
//! client creates deploy tokens through it and one admin runs the CLI: the token requests that
//! fail are only ones in flight at the kill (nginx resends the GETs it had on A to B, so
//! usually none fail), every one begun after the kill gets 200, and every write acknowledged
//! before (or after) the kill is found afterwards through replica B.

use std::collections::HashSet;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::{acme_app_via_a, admin_token, deploy_token_via, e2e_enabled};
use crate::replica_rig::load::{Record, Repeat};
use crate::replica_rig::{Rig, api};

const CONNECTIONS: usize = 32;
/// How long the load may take to reach each mark before the test gives up (generous).
const PATIENCE: Duration = Duration::from_secs(120);

/// Waits until `ready`, failing after [`PATIENCE`].
fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < PATIENCE,
            "{what} did not happen within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// 32 keep-alive connections asking the balancer for pull tokens of `user:secret`.
fn token_load(balancer: &str, user: &str, secret: &str) -> Repeat {
    let url = format!(
        "{balancer}/jwt/auth?service=container_registry&scope=repository:acme/app/web:pull"
    );
    let authorization = format!("Basic {}", STANDARD.encode(format!("{user}:{secret}")));
    Repeat::start(CONNECTIONS, || {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(1)
            .build()
            .unwrap();
        let (url, authorization) = (url.clone(), authorization.clone());
        move |_| {
            let sent = client
                .get(&url)
                .header("Authorization", &authorization)
                .send();
            sent.ok().map(|r| r.status().as_u16())
        }
    })
}

/// Deploy tokens `w{n}` created through the balancer's API, one after another.
fn api_writes(balancer: &str, admin: &str) -> Repeat {
    let (balancer, admin) = (balancer.to_owned(), admin.to_owned());
    Repeat::start(1, move || {
        let (balancer, admin) = (balancer.clone(), admin.clone());
        move |n| {
            let body = json!({"name": format!("w{n}"), "scopes": ["read_registry"]});
            let path = "/projects/acme%2Fapp/deploy_tokens";
            Some(api(&balancer, "POST", path, &admin, Some(body)).0)
        }
    })
}

/// Groups `cli{n}` created with the CLI (straight to the database), one after another.
fn cli_writes(env: Vec<(String, String)>) -> Repeat {
    Repeat::start(1, move || {
        let env = env.clone();
        move |n| {
            let out = Command::new(env!("CARGO_BIN_EXE_regauth"))
                .args(["group", "create", &format!("cli{n}")])
                .envs(env.iter().map(|(k, v)| (k, v)))
                .output()
                .ok()?;
            Some(if out.status.success() { 201 } else { 500 })
        }
    })
}

#[test]
fn kill_9_of_a_replica_fails_only_requests_in_flight_and_loses_no_acknowledged_write() {
    if !e2e_enabled() {
        return;
    }
    let mut rig = Rig::start();
    let admin = admin_token(&rig);
    acme_app_via_a(&rig, &admin);
    let puller = deploy_token_via(&rig.a().url(), &admin, "puller");
    let balancer = rig.balancer_url();
    let env = rig.a().cli_env();
    let load = token_load(&balancer, &puller.username, &puller.token);
    let api_load = api_writes(&balancer, &admin);
    let cli_load = cli_writes(env);
    wait_until("load", || {
        load.done() >= 500 && api_load.done() >= 5 && cli_load.done() >= 3
    });

    rig.stack.regauth.kill();
    let killed_at = Instant::now();
    let at_kill = load.done();
    wait_until("load after the kill", || {
        load.done() >= at_kill + 1000 && api_load.done() >= 20
    });
    let tokens = load.finish();
    let api_records = api_load.finish();
    let cli_records = cli_load.finish();

    let failed: Vec<&Record> = tokens.iter().filter(|r| r.status != Some(200)).collect();
    let after: Vec<&Record> = tokens.iter().filter(|r| r.started > killed_at).collect();
    let log = rig.nginx_log();
    let a_addr = rig.stack.regauth.addr.clone();
    let mid_request = log
        .lines()
        .filter(|l| l.contains(&a_addr) && !l.contains("while connecting to upstream"))
        .filter(|l| l.contains("[error]"))
        .count();
    let refused = log
        .lines()
        .filter(|l| l.contains(&a_addr) && l.contains("while connecting to upstream"))
        .count();
    eprintln!(
        "kill -9 of replica A: {} token requests ({} begun after the kill, all 200: {}), {} failed; \
         nginx lost {mid_request} requests it had sent to A (resent to B), {refused} connections to A refused (sent to B)",
        tokens.len(),
        after.len(),
        after.iter().all(|r| r.status == Some(200)),
        failed.len(),
    );
    for r in &failed {
        assert!(
            r.in_flight_at(killed_at),
            "request {} failed ({:?}) but was not in flight at the kill",
            r.n,
            r.status
        );
    }
    assert!(failed.len() <= CONNECTIONS);
    assert!(
        after.iter().all(|r| r.status == Some(200)),
        "a request begun after the kill failed"
    );
    assert!(after.len() >= 1000);
    assert!(
        mid_request + failed.len() > 0,
        "the kill met no request in flight on A:\n{log}"
    );

    // Every acknowledged write is there afterwards, read through replica B.
    let b = rig.b.url();
    let acked = |records: &[Record], at: Instant| {
        records
            .iter()
            .filter(|r| r.status == Some(201) && r.ended < at)
            .count()
    };
    let (api_before, cli_before) = (
        acked(&api_records, killed_at),
        acked(&cli_records, killed_at),
    );
    let names = token_names(&b, &admin);
    let mut found = 0;
    for r in api_records.iter().filter(|r| r.status == Some(201)) {
        let name = format!("w{}", r.n);
        assert!(
            names.contains(&name),
            "acknowledged API write {name} is missing"
        );
        found += 1;
    }
    for r in cli_records.iter().filter(|r| r.status == Some(201)) {
        let (status, body) = api(&b, "GET", &format!("/groups/cli{}", r.n), &admin, None);
        assert_eq!(
            status, 200,
            "acknowledged CLI write cli{} is missing: {body}",
            r.n
        );
    }
    let api_failed: Vec<_> = api_records
        .iter()
        .filter(|r| r.status != Some(201))
        .collect();
    eprintln!(
        "writes acknowledged: API {} ({api_before} before the kill), CLI {} ({cli_before} before); \
         all found through B; API writes refused: {:?}",
        found,
        cli_records.iter().filter(|r| r.status == Some(201)).count(),
        api_failed.iter().map(|r| r.status).collect::<Vec<_>>(),
    );
    assert!(api_before >= 5 && cli_before >= 3);
    for r in &api_failed {
        assert_eq!(r.status, Some(502), "API write {} got {:?}", r.n, r.status);
    }
    // Each refused write is one nginx had sent to A (possibly on a kept-alive connection it
    // had not yet seen close): nginx logged a 502 from A for it, and none from B.
    let refused_posts = |addr: &str| {
        log.lines()
            .filter(|l| l.starts_with("POST ") && l.contains(" 502 upstream="))
            .filter(|l| l.contains(addr))
            .count()
    };
    assert_eq!(refused_posts(&a_addr), api_failed.len(), "{log}");
    assert_eq!(refused_posts(&rig.b.addr), 0, "{log}");
}

/// The names of `acme/app`'s deploy tokens, read through `base`, page by page.
fn token_names(base: &str, admin: &str) -> HashSet<String> {
    (1..)
        .map(|page| {
            let path = format!("/projects/acme%2Fapp/deploy_tokens?per_page=100&page={page}");
            let (status, list) = api(base, "GET", &path, admin, None);
            assert_eq!(status, 200, "{list}");
            list.as_array().cloned().unwrap_or_default()
        })
        .take_while(|tokens| !tokens.is_empty())
        .flatten()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect()
}
