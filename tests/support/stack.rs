//! One regauth + docker-registry pair per test, on free loopback ports in a temporary
//! directory, plus isolated client state (auth files, podman/buildah storage, TMPDIR).
//!
//! Processes are killed when their handle drops; when the test is failing (panicking)
//! both logs are printed first. The registry runs with `deploy/registry/config.yml`, the
//! file docker-compose.yml uses, with only its ports and paths replaced.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use super::backend::TestDatabase;
use super::clients::Clients;
use super::{Run, read_text, run};

/// How long a server may take to come up.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The registry config template shared with docker-compose.yml.
const REGISTRY_TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/registry/config.yml");

/// How regauth signs its tokens in one stack.
#[derive(Debug, Clone, Copy)]
pub struct Signing {
    /// `ES256` or `RS256` (`REGAUTH_SIGNING_ALGORITHM`).
    pub algorithm: &'static str,
    /// Whether tokens carry the certificate in `x5c` (`REGAUTH_X5C`).
    pub x5c: bool,
}

impl Default for Signing {
    fn default() -> Self {
        Signing {
            algorithm: "ES256",
            x5c: true,
        }
    }
}

/// A child process that is killed on drop, its log printed if the test is failing.
pub struct Process {
    /// What to call it in the log dump.
    pub name: &'static str,
    /// The running child.
    pub child: Child,
    /// Where its output goes.
    pub log: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        // The child is ours and must not outlive the test.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!(
                "----- {} log ({}) -----\n{}----- end of {} log -----",
                self.name,
                self.log.display(),
                read_text(&self.log),
                self.name
            );
        }
    }
}

/// A deploy token as `regauth token create --json` printed it.
#[derive(Debug, Clone)]
pub struct DeployToken {
    /// The numeric id, for `token revoke`.
    pub id: i64,
    /// The Basic-auth username (`gitlab+deploy-token-N` unless chosen).
    pub username: String,
    /// The secret (`gldt-…`).
    pub token: String,
}

impl DeployToken {
    /// `USER:TOKEN`, as skopeo's and podman's `--creds` take it.
    pub fn creds(&self) -> String {
        format!("{}:{}", self.username, self.token)
    }
}

/// The running regauth server and a way to call its admin CLI on the same database.
pub struct Regauth {
    process: Process,
    env: Vec<(&'static str, String)>,
    /// Every deploy-token secret created through [`Regauth::token`], to check the log.
    secrets: RefCell<Vec<String>>,
    /// `127.0.0.1:PORT` the server listens on.
    pub addr: String,
    /// `https` when `REGAUTH_TLS_CERT` was given, else `http`.
    pub scheme: &'static str,
    /// Directory holding the private keys (`signing-key.pem`, …): regauth's alone.
    pub keys_dir: PathBuf,
    /// Directory holding `certs.pem` and `jwks.json`: all a registry is given.
    pub public_dir: PathBuf,
    /// The database (REGAUTH_TEST_DATABASE chooses the engine).
    pub db: TestDatabase,
}

impl Regauth {
    /// Starts `regauth serve` on a free port with its data in `dir`; `extra_env` adds
    /// settings (`REGAUTH_EXTERNAL_AUTHORIZATION`, …).
    pub fn start(dir: &Path, signing: Signing, extra_env: &[(&'static str, &str)]) -> Regauth {
        let keys_dir = dir.join("keys");
        let public_dir = dir.join("public");
        let db = TestDatabase::new(dir, "data/regauth.db");
        let mut env = vec![
            ("REGAUTH_LISTEN", "127.0.0.1:0".to_owned()),
            ("REGAUTH_DATABASE", db.value.clone()),
            ("REGAUTH_KEYS_DIR", path_string(&keys_dir)),
            ("REGAUTH_PUBLIC_KEYS_DIR", path_string(&public_dir)),
            ("REGAUTH_ISSUER", "regauth".to_owned()),
            ("REGAUTH_TOKEN_LIFETIME", "900".to_owned()),
            ("REGAUTH_SIGNING_ALGORITHM", signing.algorithm.to_owned()),
            ("REGAUTH_X5C", signing.x5c.to_string()),
        ];
        env.extend(
            extra_env
                .iter()
                .map(|(key, value)| (*key, (*value).to_owned())),
        );
        let log = dir.join("regauth.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_regauth"))
            .arg("serve")
            .envs(env.iter().map(|(key, value)| (*key, value)))
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&log).expect("create regauth log"))
            .spawn()
            .expect("start regauth serve");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut process = Process {
            name: "regauth",
            child,
            log,
        };
        let url = match first_stdout_line(stdout) {
            Some(line) => line
                .strip_prefix("regauth listening on ")
                .filter(|url| url.starts_with("http://") || url.starts_with("https://"))
                .unwrap_or_else(|| panic!("unexpected first stdout line of `serve`: {line:?}"))
                .to_owned(),
            None => {
                let status = process.child.wait().ok();
                panic!(
                    "`regauth serve` printed no `regauth listening on` line (status {status:?}); log:\n{}",
                    read_text(&process.log)
                );
            }
        };
        let (scheme, addr) = url.split_once("://").expect("checked above");
        env[0].1 = addr.to_owned();
        let regauth = Regauth {
            process,
            env,
            secrets: RefCell::new(Vec::new()),
            addr: addr.to_owned(),
            scheme: if scheme == "https" { "https" } else { "http" },
            keys_dir,
            public_dir,
            db,
        };
        regauth.wait_healthy();
        regauth
    }

    /// `http://127.0.0.1:PORT` (`https://` with TLS).
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    fn wait_healthy(&self) {
        // Only liveness here: tests that serve TLS check the certificate themselves.
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .danger_accept_invalid_certs(true)
            .build()
            .expect("build HTTP client");
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Ok(response) = client.get(format!("{}/healthz", self.url())).send()
                && response.status() == 200
            {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        panic!("regauth /healthz never answered 200");
    }

    /// Runs `regauth ARGS…` with this server's environment; returns what it printed.
    pub fn cli(&self, args: &[&str]) -> Run {
        run(
            Command::new(env!("CARGO_BIN_EXE_regauth"))
                .args(args)
                .envs(self.env.iter().map(|(key, value)| (*key, value))),
            None,
        )
    }

    /// Runs `regauth ARGS…` feeding `stdin` (a password), with this server's environment.
    pub fn cli_input(&self, args: &[&str], stdin: &str) -> Run {
        run(
            Command::new(env!("CARGO_BIN_EXE_regauth"))
                .args(args)
                .envs(self.env.iter().map(|(key, value)| (*key, value))),
            Some(stdin),
        )
    }

    /// Runs an admin command that must succeed.
    pub fn admin(&self, args: &[&str]) -> Run {
        self.cli(args).expect_success("regauth admin command")
    }

    /// Creates a group (`private` unless `visibility` says otherwise).
    pub fn group(&self, path: &str, visibility: &str) {
        self.admin(&["group", "create", path, "--visibility", visibility]);
    }

    /// Creates a project with the registry enabled.
    pub fn project(&self, path: &str, visibility: &str) {
        self.admin(&["project", "create", path, "--visibility", visibility]);
    }

    /// Creates a deploy token; `holder` is `--project P` or `--group G`, `scopes` a
    /// comma-separated list, `extra` more flags (`--expires-at …`).
    pub fn token(&self, holder: [&str; 2], scopes: &str, extra: &[&str]) -> DeployToken {
        let mut args = vec!["token", "create", holder[0], holder[1]];
        args.extend(["--name", "e2e", "--scopes", scopes, "--json"]);
        args.extend(extra);
        let out = self.admin(&args);
        let json: Value = serde_json::from_str(out.stdout.trim())
            .unwrap_or_else(|err| panic!("`token create --json` printed no JSON ({err})"));
        let token = DeployToken {
            id: json["id"].as_i64().expect("token id"),
            username: json["username"].as_str().expect("username").to_owned(),
            token: json["token"].as_str().expect("token").to_owned(),
        };
        self.secrets.borrow_mut().push(token.token.clone());
        token
    }

    /// Everything the server has logged so far.
    pub fn log(&self) -> String {
        read_text(&self.process.log)
    }

    /// Sends SIGHUP to the server (it reloads its TLS certificate and its key ring).
    pub fn hangup(&self) {
        let pid = self.process.child.id().to_string();
        let status = Command::new("kill").args(["-HUP", &pid]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -HUP {pid} failed");
    }

    /// The server's process id (to send it signals).
    pub fn pid(&self) -> u32 {
        self.process.child.id()
    }

    /// Sends SIGTERM and waits (up to a minute) for the server to exit; returns its status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.process.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -TERM {pid} failed");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Some(exit) = self.process.child.try_wait().expect("wait for regauth") {
                return exit;
            }
            thread::sleep(Duration::from_millis(50));
        }
        panic!("regauth did not exit within a minute of SIGTERM");
    }

    /// Revokes a deploy token.
    pub fn revoke(&self, token: &DeployToken) {
        self.admin(&["token", "revoke", &token.id.to_string()]);
    }
}

/// The running docker-registry.
pub struct Registry {
    process: Process,
    /// `127.0.0.1:PORT`, the host part of image references.
    pub host: String,
}

/// Which registry to run: the main one or a pull-through proxy, from their shared templates.
pub struct RegistrySpec<'a> {
    /// Name for logs and file names (`registry`, `proxy`).
    pub name: &'static str,
    /// The template under deploy/registry/.
    pub template: &'static str,
    /// The listen address written in the template (replaced by a free port).
    pub template_addr: &'static str,
    /// The `auth.token.service` the registry challenges with.
    pub service: &'static str,
    /// Further template values to replace (e.g. the proxy's upstream URL).
    pub replace: Vec<(&'static str, String)>,
    /// Environment for the registry process (e.g. `REGISTRY_PROXY_USERNAME`).
    pub env: Vec<(&'static str, &'a str)>,
}

impl RegistrySpec<'_> {
    /// The main registry: deploy/registry/config.yml, service `container_registry`.
    pub fn main() -> RegistrySpec<'static> {
        RegistrySpec {
            name: "registry",
            template: REGISTRY_TEMPLATE,
            template_addr: "127.0.0.1:5000",
            service: "container_registry",
            replace: Vec::new(),
            env: Vec::new(),
        }
    }
}

impl Registry {
    /// Starts a registry from `spec`, trusting `regauth`, retrying if its port was taken.
    pub fn start(dir: &Path, regauth: &Regauth, spec: &RegistrySpec<'_>) -> Registry {
        let template = std::fs::read_to_string(spec.template).expect("read registry config");
        let mut last_log = String::new();
        for attempt in 0..3 {
            let host = format!("127.0.0.1:{}", free_port());
            let storage = dir.join(format!("{}-data", spec.name));
            let mut replace = vec![
                (spec.template_addr, host.clone()),
                ("127.0.0.1:5001", regauth.addr.clone()),
                ("/var/lib/registry", path_string(&storage)),
                ("/var/lib/regauth/public", path_string(&regauth.public_dir)),
            ];
            replace.extend(spec.replace.iter().cloned());
            let config = render_template(spec.template, &template, &replace);
            let config_path = dir.join(format!("{}.yml", spec.name));
            std::fs::write(&config_path, config).expect("write registry config");
            let log = dir.join(format!("{}-{attempt}.log", spec.name));
            let log_file = File::create(&log).expect("create registry log");
            let child = Command::new("docker-registry")
                .arg("serve")
                .arg(&config_path)
                .envs(spec.env.iter().copied())
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("share registry log"))
                .stderr(log_file)
                .spawn()
                .expect("start docker-registry");
            let mut process = Process {
                name: spec.name,
                child,
                log,
            };
            if wait_registry(&mut process, &host, &regauth.url(), spec.service) {
                return Registry { process, host };
            }
            last_log = read_text(&process.log);
            if !last_log.contains("address already in use") {
                break;
            }
        }
        panic!(
            "docker-registry ({}) did not start; log:\n{last_log}",
            spec.name
        );
    }

    /// Stops the registry (its log stays readable).
    pub fn stop(&mut self) {
        let _ = self.process.child.kill();
        let _ = self.process.child.wait();
    }

    /// Everything the registry has logged so far.
    pub fn log(&self) -> String {
        read_text(&self.process.log)
    }
}

/// Fills a shared template for this test: only ports, paths and URLs change.
fn render_template(name: &str, template: &str, replace: &[(&str, String)]) -> String {
    let mut config = template.to_owned();
    for (from, to) in replace {
        assert!(
            config.contains(from),
            "{name} no longer mentions {from}: update the e2e templating"
        );
        config = config.replace(from, to);
    }
    config
}

/// Waits until the registry answers `/v2/` with a token challenge naming our realm.
fn wait_registry(process: &mut Process, host: &str, realm_base: &str, service: &str) -> bool {
    let client = http_client();
    let expected = format!("Bearer realm=\"{realm_base}/jwt/auth\",service=\"{service}\"");
    let started = Instant::now();
    while started.elapsed() < START_TIMEOUT {
        if let Ok(Some(_)) = process.child.try_wait() {
            return false;
        }
        if let Ok(response) = client.get(format!("http://{host}/v2/")).send() {
            let challenge = response
                .headers()
                .get("www-authenticate")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            assert_eq!(response.status(), 401, "registry /v2/ must ask for a token");
            assert_eq!(challenge, expected, "registry challenge");
            return true;
        }
        thread::sleep(Duration::from_millis(50));
    }
    false
}

/// A regauth + registry pair with its own temporary directory and client state.
///
/// Field order is drop order: processes stop before the directory is removed.
pub struct Stack {
    /// The token service.
    pub regauth: Regauth,
    /// The registry, configured to trust `regauth`.
    pub registry: Registry,
    /// Isolated clients.
    pub clients: Clients,
    dir: TempDir,
}

impl Stack {
    /// Starts regauth (ES256, `x5c` on) and a registry that trusts it.
    pub fn start() -> Stack {
        Stack::start_with(Signing::default())
    }

    /// Starts regauth with the given signing settings and a registry that trusts it.
    pub fn start_with(signing: Signing) -> Stack {
        Stack::start_configured(signing, &[])
    }

    /// Starts regauth with extra `REGAUTH_*` settings and a registry that trusts it.
    pub fn start_configured(signing: Signing, regauth_env: &[(&'static str, &str)]) -> Stack {
        let dir = tempfile::Builder::new()
            .prefix("regauth-e2e-")
            .tempdir()
            .expect("create temp dir");
        let regauth = Regauth::start(dir.path(), signing, regauth_env);
        let registry = Registry::start(dir.path(), &regauth, &RegistrySpec::main());
        let clients = Clients::new(dir.path().join("clients"));
        Stack {
            regauth,
            registry,
            clients,
            dir,
        }
    }

    /// A path inside this stack's temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `docker://127.0.0.1:PORT/REPO:TAG`.
    pub fn docker_ref(&self, repo_and_tag: &str) -> String {
        format!("docker://{}/{repo_and_tag}", self.registry.host)
    }

    /// Fails the test if the registry ever rejected one of our tokens as invalid (every
    /// token regauth hands out must verify: signature, kid/x5c, iss, aud, times), or if
    /// regauth logged a deploy-token secret.
    pub fn assert_logs_clean(&self) {
        let regauth_log = self.regauth.log();
        for secret in self.regauth.secrets.borrow().iter() {
            assert!(
                !regauth_log.contains(secret.as_str()),
                "regauth logged a deploy-token secret"
            );
        }
        let log = self.registry.log();
        let bad: Vec<&str> = log
            .lines()
            .filter(|line| line.contains("invalid token") || line.contains("untrusted key"))
            .collect();
        assert!(
            bad.is_empty(),
            "the registry rejected tokens:\n{}",
            bad.join("\n")
        );
    }
}

/// A blocking HTTP client with short timeouts for polling and direct token requests.
pub fn http_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build HTTP client")
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("find a free port")
}

/// Reads the first stdout line of a child within [`START_TIMEOUT`], then keeps draining
/// the pipe so later output never blocks the child.
fn first_stdout_line(stdout: impl std::io::Read + Send + 'static) -> Option<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok);
        let _ = sender.send(first);
        for _ in lines {}
    });
    receiver.recv_timeout(START_TIMEOUT).ok().flatten()
}

/// A temporary path as text (they are UTF-8).
pub fn path_string(path: &Path) -> String {
    path.to_str().expect("temp paths are UTF-8").to_owned()
}
