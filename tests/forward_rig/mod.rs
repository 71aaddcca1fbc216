//! A real `regauth serve` guarding, through nginx `auth_request`, a Git server (git
//! http-backend under fcgiwrap) and one PyPI server per project (pypiserver, uploads open
//! behind the proxy); optionally Caddy `forward_auth` in front of the same git http-backend.
//! nginx and Caddy run the samples `deploy/nginx/git.conf`, `packages.conf` and
//! `deploy/caddy/Caddyfile` with only ports and paths replaced, unprivileged-friendly: their
//! own directories in the test's directory, no daemon. Everything is killed when the rig
//! drops.
// Each end-to-end suite uses only part of the rig (the users' suite has no packages).
#![allow(dead_code)]

use std::fs::File;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::support::stack::{Process, Regauth, Signing, path_string};
use crate::support::{Run, read_text, run};

mod caddy;
mod nginx;
mod packages;

use packages::package_server;

/// What this suite drives, and where each comes from.
pub const TOOLS: &[(&str, &str)] = &[
    ("nginx", "Debian package: nginx"),
    ("fcgiwrap", "Debian package: fcgiwrap"),
    ("git", "Debian package: git"),
    ("caddy", "Debian package: caddy"),
    ("python3", "Debian package: python3"),
    ("pypi-server", "PyPI package: pypiserver"),
    ("twine", "PyPI package: twine"),
    ("pip", "PyPI package: pip"),
];
/// How to install [`TOOLS`].
pub const INSTALL: &str = "scripts/test does: apt-get install -y nginx fcgiwrap git caddy, \
     and pip install pypiserver twine into target/e2e-venv, put first on PATH";

/// Debian's git http-backend, named in the sample config.
const HTTP_BACKEND: &str = "/usr/lib/git-core/git-http-backend";
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(60);
/// The projects with a package server of their own, in the order of the sample's map.
pub const PACKAGE_PROJECTS: [&str; 2] = ["g/p", "g/p2"];

/// How to start a rig.
#[derive(Default)]
pub struct RigOptions<'a> {
    /// `REGAUTH_EXTERNAL_AUTHORIZATION=true`.
    pub external: bool,
    /// `REGAUTH_FORWARD_AUTH_HEADERS`, when set.
    pub headers: Option<&'a str>,
    /// Also run Caddy (`deploy/caddy/Caddyfile`) in front of git http-backend.
    pub caddy: bool,
}

/// The running servers. Field order is drop order: processes before the directory.
pub struct Rig {
    /// The token service.
    pub regauth: Regauth,
    nginx: Process,
    caddy: Option<Process>,
    _fcgiwrap: Process,
    _pypi: Vec<Process>,
    /// `127.0.0.1:PORT` of the guarded Git server.
    pub git_host: String,
    /// `127.0.0.1:PORT` of Caddy in front of the same repositories (when started).
    pub caddy_host: Option<String>,
    /// `127.0.0.1:PORT` of the guarded package server.
    pub pkg_host: String,
    dir: TempDir,
}

impl Rig {
    /// Starts regauth (with `REGAUTH_EXTERNAL_AUTHORIZATION=external`), fcgiwrap,
    /// the package servers and nginx.
    pub fn start(external: bool) -> Rig {
        Rig::start_with(RigOptions {
            external,
            ..RigOptions::default()
        })
    }

    /// Starts regauth as `options` say, fcgiwrap, the package servers, nginx, and Caddy if
    /// asked.
    pub fn start_with(options: RigOptions<'_>) -> Rig {
        assert!(
            Path::new(HTTP_BACKEND).is_file(),
            "{HTTP_BACKEND} is missing (Debian package: git)"
        );
        let dir = tempfile::Builder::new()
            .prefix("regauth-fwd-")
            .tempdir()
            .expect("create temp dir");
        let d = dir.path();
        let external = if options.external { "true" } else { "false" };
        let mut env = vec![("REGAUTH_EXTERNAL_AUTHORIZATION", external)];
        if let Some(headers) = options.headers {
            env.push(("REGAUTH_FORWARD_AUTH_HEADERS", headers));
        }
        let regauth = Regauth::start(d, Signing::default(), &env);
        for sub in ["git", "clients/home", "nginx/tmp", "caddy"] {
            std::fs::create_dir_all(d.join(sub)).expect("create rig dirs");
        }
        let socket = d.join("fcgiwrap.sock");
        let fcgiwrap = spawn(
            "fcgiwrap",
            Command::new("fcgiwrap")
                .args(["-c", "1", "-s"])
                .arg(format!("unix:{}", path_string(&socket))),
            d.join("fcgiwrap.log"),
        );
        wait_for("fcgiwrap socket", || socket.exists());
        let (pypi, pypi_ports): (Vec<Process>, Vec<u16>) = PACKAGE_PROJECTS
            .iter()
            .map(|p| package_server(d, p))
            .unzip();
        let (nginx, git_host, pkg_host) = nginx::start(d, &regauth.addr, &socket, &pypi_ports);
        let (caddy, caddy_host) = if options.caddy {
            let (process, host) = caddy::start(d, &regauth.addr, &socket);
            (Some(process), Some(host))
        } else {
            (None, None)
        };
        Rig {
            regauth,
            nginx,
            caddy,
            _fcgiwrap: fcgiwrap,
            _pypi: pypi,
            git_host,
            caddy_host,
            pkg_host,
            dir,
        }
    }

    /// A path in the rig's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A bare repository for `project` with one commit on `main` (README: `hello from P`).
    pub fn create_repo(&self, project: &str) {
        let bare = self.path(&format!("git/{project}.git"));
        let seed = self.path(&format!("seed/{project}"));
        std::fs::create_dir_all(&seed).expect("create seed dir");
        let bare_s = path_string(&bare);
        self.git(&["init", "-q", "--bare", "-b", "main", &bare_s])
            .expect_success("git init --bare");
        let seed_s = path_string(&seed);
        self.git(&["init", "-q", "-b", "main", &seed_s])
            .expect_success("git init");
        std::fs::write(seed.join("README"), format!("hello from {project}\n")).unwrap();
        self.git(&["-C", &seed_s, "add", "README"])
            .expect_success("git add");
        self.git(&["-C", &seed_s, "commit", "-q", "-m", "initial"])
            .expect_success("commit");
        self.git(&["-C", &seed_s, "push", "-q", &bare_s, "main"])
            .expect_success("seed push");
    }

    /// The commit `main` points to in the served repository.
    pub fn head(&self, project: &str) -> String {
        let bare = path_string(&self.path(&format!("git/{project}.git")));
        let out = self.git(&["--git-dir", &bare, "rev-parse", "main"]);
        out.expect_success("rev-parse").stdout.trim().to_owned()
    }

    /// `http://[USER:TOKEN@]HOST/PROJECT.git` through nginx.
    pub fn clone_url(&self, creds: Option<(&str, &str)>, project: &str) -> String {
        format!("http://{}{}/{project}.git", userinfo(creds), self.git_host)
    }

    /// `http://[USER:TOKEN@]HOST/PROJECT.git` through Caddy.
    pub fn caddy_url(&self, creds: Option<(&str, &str)>, project: &str) -> String {
        let host = self.caddy_host.as_deref().expect("the rig runs Caddy");
        format!("http://{}{host}/{project}.git", userinfo(creds))
    }

    /// Runs git with no global or system configuration, never prompting.
    pub fn git(&self, args: &[&str]) -> Run {
        let mut command = self.client("git");
        command
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "e2e")
            .env("GIT_AUTHOR_EMAIL", "e2e@example.com")
            .env("GIT_COMMITTER_NAME", "e2e")
            .env("GIT_COMMITTER_EMAIL", "e2e@example.com")
            .args(args);
        run(&mut command, None)
    }

    /// regauth's forward-auth log lines whose path contains `needle`.
    pub fn checks(&self, needle: &str) -> Vec<String> {
        self.regauth
            .log()
            .lines()
            .filter(|l| l.contains("forward auth") && l.contains(needle))
            .map(str::to_owned)
            .collect()
    }

    /// What nginx logged (errors and accesses).
    pub fn nginx_log(&self) -> String {
        read_text(&self.nginx.log)
    }

    /// What Caddy logged.
    pub fn caddy_log(&self) -> String {
        self.caddy
            .as_ref()
            .map_or(String::new(), |c| read_text(&c.log))
    }

    fn client(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.path("clients"))
            .env("HOME", self.path("clients/home"))
            .env_remove("XDG_CONFIG_HOME");
        command
    }
}

pub(crate) fn userinfo(creds: Option<(&str, &str)>) -> String {
    creds.map_or(String::new(), |(u, p)| format!("{u}:{p}@"))
}

/// Starts `program` with its output in `log`, killed when the handle drops.
pub(crate) fn spawn(name: &'static str, command: &mut Command, log: PathBuf) -> Process {
    let file = File::create(&log).expect("create log");
    let child = command
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("share log"))
        .stderr(file)
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {name}: {err}"));
    Process { name, child, log }
}

/// Whether something listens on `addr`.
pub(crate) fn connects(addr: &str) -> bool {
    TcpStream::connect(addr).is_ok()
}

pub(crate) fn wait_for(what: &str, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while started.elapsed() < START_TIMEOUT {
        if ready() {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not come up within {START_TIMEOUT:?}");
}
