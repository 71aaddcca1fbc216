//! Two `regauth serve` replicas (the real binary) on one PostgreSQL database, behind real nginx
//! running `deploy/nginx/replicas.conf` as shipped (only its addresses replaced), as the realm
//! of a real docker-registry. The keys directory is made once with `regauth keys generate`
//! and shared; both replicas run with `REGAUTH_KEYS_GENERATE=false`, as the README says.
//!
//! The [`Stack`] inside holds replica A (admin commands run through it: they write to the same
//! database), the registry behind the balancer, and the isolated clients, so the registry
//! flows of `tests/support` work unchanged.

pub mod calls;
pub mod load;
pub mod ui;

use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::backend::pg;
use crate::support::clients::Clients;
use crate::support::read_text;
use crate::support::stack::{
    Process, Regauth, Registry, RegistrySpec, Signing, Stack, free_port, http_client, path_string,
};

const REPLICAS_CONF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx/replicas.conf");
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The running rig. Field order is drop order: replica B and nginx stop before the stack
/// (replica A, the registry, the temporary directory).
pub struct Rig {
    /// Replica B.
    pub b: Regauth,
    nginx: Process,
    /// `127.0.0.1:PORT` of nginx: the realm, and where clients send API calls.
    pub balancer: String,
    /// Replica A, the registry behind the balancer, the clients.
    pub stack: Stack,
}

impl Rig {
    /// Starts PostgreSQL (once per test binary), the keys, both replicas, nginx, the registry.
    pub fn start() -> Rig {
        let dir = tempfile::Builder::new()
            .prefix("regauth-replicas-")
            .tempdir()
            .expect("create temp dir");
        let keys = dir.path().join("keys");
        let public = dir.path().join("public");
        make_keys(&keys, &public);
        let database = pg::shared().database();
        let env = [
            ("REGAUTH_DATABASE", database.as_str()),
            ("REGAUTH_KEYS_DIR", path_str(&keys)),
            ("REGAUTH_PUBLIC_KEYS_DIR", path_str(&public)),
            ("REGAUTH_KEYS_GENERATE", "false"),
        ];
        let replica = |name: &str| {
            let home = dir.path().join(name);
            std::fs::create_dir_all(&home).expect("create replica dir");
            Regauth::start(&home, Signing::default(), &env)
        };
        let a = replica("a");
        let b = replica("b");
        let (nginx, balancer) = start_nginx(dir.path(), &[&a.addr, &b.addr]);
        let balancer_url = format!("http://{balancer}");
        let registry =
            Registry::start_with_realm(dir.path(), &balancer_url, &public, &RegistrySpec::main());
        let clients = Clients::new(dir.path().join("clients"));
        Rig {
            b,
            nginx,
            balancer,
            stack: Stack::from_parts(a, registry, clients, dir),
        }
    }

    /// Replica A.
    pub fn a(&self) -> &Regauth {
        &self.stack.regauth
    }

    /// `http://BALANCER`.
    pub fn balancer_url(&self) -> String {
        format!("http://{}", self.balancer)
    }

    /// Everything nginx has logged (errors and access lines).
    pub fn nginx_log(&self) -> String {
        read_text(&self.nginx.log)
    }
}

/// `regauth keys generate` into `keys`: the one time keys are made, before any replica runs.
fn make_keys(keys: &Path, public: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_regauth"))
        .args(["keys", "generate"])
        .env("REGAUTH_KEYS_DIR", keys)
        .env("REGAUTH_PUBLIC_KEYS_DIR", public)
        .output()
        .expect("run regauth keys generate");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("created sealing key"),
        "{text}"
    );
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// nginx with the shipped replicas.conf in front of `replicas`; retried on a taken port.
fn start_nginx(dir: &Path, replicas: &[&str; 2]) -> (Process, String) {
    let prefix = dir.join("nginx");
    for sub in ["tmp", "logs"] {
        std::fs::create_dir_all(prefix.join(sub)).expect("create nginx dirs");
    }
    let log = prefix.join("nginx.log");
    for _ in 0..3 {
        let host = format!("127.0.0.1:{}", free_port());
        let conf = render(&[
            ("127.0.0.1:5001", host.clone()),
            ("127.0.0.1:5011", replicas[0].to_owned()),
            ("127.0.0.1:5012", replicas[1].to_owned()),
        ]);
        std::fs::write(prefix.join("replicas.conf"), conf).expect("write replicas.conf");
        std::fs::write(prefix.join("nginx.conf"), main_config(&prefix, &log)).unwrap();
        let _ = std::fs::remove_file(&log);
        let out = std::fs::File::create(prefix.join("nginx.out")).expect("nginx output");
        let child = Command::new("nginx")
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(prefix.join("nginx.conf"))
            .arg("-e")
            .arg(&log)
            .stdout(out.try_clone().expect("share output"))
            .stderr(out)
            .spawn()
            .expect("start nginx (Debian package: nginx)");
        let mut process = Process {
            name: "nginx",
            child,
            log: log.clone(),
        };
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if healthy(&host) {
                return (process, host);
            }
            if let Ok(Some(_)) = process.child.try_wait() {
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
        if !read_text(&log).contains("Address already in use") {
            break;
        }
    }
    panic!("nginx did not start; log:\n{}", read_text(&log));
}

fn healthy(host: &str) -> bool {
    http_client()
        .get(format!("http://{host}/healthz"))
        .send()
        .is_ok_and(|r| r.status() == 200)
}

/// The shipped file with only its addresses replaced.
fn render(replacements: &[(&str, String)]) -> String {
    let mut text = std::fs::read_to_string(REPLICAS_CONF).expect("read replicas.conf");
    for (from, to) in replacements {
        assert!(
            text.contains(from),
            "deploy/nginx/replicas.conf no longer mentions {from}: update the rig"
        );
        text = text.replace(from, to);
    }
    text
}

/// The rig's own nginx.conf around the shipped server block: one process, everything in the
/// test's directory, an access log that names the replica each request went to.
fn main_config(prefix: &Path, log: &Path) -> String {
    let p = path_string(prefix);
    let log = path_string(log);
    format!(
        "daemon off;\nmaster_process off;\npid {p}/nginx.pid;\nerror_log {log} info;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  log_format replicas '$request_method $uri $status upstream=$upstream_addr';\n\
           access_log {log} replicas;\n  client_body_temp_path {p}/tmp/body;\n\
           proxy_temp_path {p}/tmp/proxy;\n  fastcgi_temp_path {p}/tmp/fastcgi;\n\
           uwsgi_temp_path {p}/tmp/uwsgi;\n  scgi_temp_path {p}/tmp/scgi;\n\
           include {p}/replicas.conf;\n}}\n"
    )
}

/// One API call with a personal access token, straight to `base` (a replica or the balancer).
pub fn api(base: &str, method: &str, path: &str, pat: &str, body: Option<Value>) -> (u16, Value) {
    let client = http_client();
    let url = format!("{base}/api/v4{path}");
    let mut request = match method {
        "GET" => client.get(url),
        "POST" => client.post(url),
        "DELETE" => client.delete(url),
        other => panic!("no such method in these tests: {other}"),
    };
    request = request.header("PRIVATE-TOKEN", pat);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().expect("API call");
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
