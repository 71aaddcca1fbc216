//! A real `regauth serve` guarding, through nginx `auth_request`, a Git server (git
//! http-backend under fcgiwrap) and a PyPI server (pypiserver, uploads open behind the
//! proxy). nginx runs the sample configs `deploy/nginx/git.conf` and `packages.conf` with
//! only ports and paths replaced, unprivileged-friendly: its own prefix and temp dirs in the
//! test's directory, no daemon, one process. Everything is killed when the rig drops.
// Each end-to-end suite uses only part of the rig (the users' suite has no packages).
#![allow(dead_code)]

use std::fs::File;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::support::stack::{Process, Regauth, Signing, free_port, path_string};
use crate::support::{Run, read_text, run};

mod nginx;

/// What this suite drives, and where each comes from.
pub const TOOLS: &[(&str, &str)] = &[
    ("nginx", "Debian package: nginx"),
    ("fcgiwrap", "Debian package: fcgiwrap"),
    ("git", "Debian package: git"),
    ("python3", "Debian package: python3"),
    ("pypi-server", "PyPI package: pypiserver"),
    ("twine", "PyPI package: twine"),
    ("pip", "PyPI package: pip"),
];
/// How to install [`TOOLS`].
pub const INSTALL: &str = "scripts/test does: apt-get install -y nginx fcgiwrap git, \
     and pip install pypiserver twine into target/e2e-venv, put first on PATH";

/// Debian's git http-backend, named in the sample config.
const HTTP_BACKEND: &str = "/usr/lib/git-core/git-http-backend";
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The running servers. Field order is drop order: processes before the directory.
pub struct Rig {
    /// The token service.
    pub regauth: Regauth,
    nginx: Process,
    _fcgiwrap: Process,
    _pypi: Process,
    /// `127.0.0.1:PORT` of the guarded Git server.
    pub git_host: String,
    /// `127.0.0.1:PORT` of the guarded package server.
    pub pkg_host: String,
    dir: TempDir,
}

impl Rig {
    /// Starts regauth (with `REGAUTH_EXTERNAL_AUTHORIZATION=external`), fcgiwrap,
    /// pypiserver and nginx.
    pub fn start(external: bool) -> Rig {
        assert!(
            Path::new(HTTP_BACKEND).is_file(),
            "{HTTP_BACKEND} is missing (Debian package: git)"
        );
        let dir = tempfile::Builder::new()
            .prefix("regauth-fwd-")
            .tempdir()
            .expect("create temp dir");
        let d = dir.path();
        let env = [(
            "REGAUTH_EXTERNAL_AUTHORIZATION",
            if external { "true" } else { "false" },
        )];
        let regauth = Regauth::start(d, Signing::default(), &env);
        for sub in ["git", "packages", "clients/home", "nginx/tmp"] {
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
        let pypi_port = free_port();
        let pypi = spawn(
            "pypi-server",
            Command::new("pypi-server")
                .args(["run", "-i", "127.0.0.1", "-p", &pypi_port.to_string()])
                .args(["-a", ".", "-P", ".", "--disable-fallback"])
                .arg(d.join("packages")),
            d.join("pypi-server.log"),
        );
        wait_for("pypi-server", || {
            connects(&format!("127.0.0.1:{pypi_port}"))
        });
        let (nginx, git_host, pkg_host) = nginx::start(d, &regauth.addr, &socket, pypi_port);
        Rig {
            regauth,
            nginx,
            _fcgiwrap: fcgiwrap,
            _pypi: pypi,
            git_host,
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

    /// `http://[USER:TOKEN@]HOST/PROJECT.git`.
    pub fn clone_url(&self, creds: Option<(&str, &str)>, project: &str) -> String {
        format!("http://{}{}/{project}.git", userinfo(creds), self.git_host)
    }

    /// GitLab's PyPI address of a project (`id` or URL-encoded path), with `tail`.
    pub fn pypi_url(&self, creds: Option<(&str, &str)>, project: &str, tail: &str) -> String {
        let host = &self.pkg_host;
        format!(
            "http://{}{host}/api/v4/projects/{project}/packages/pypi{tail}",
            userinfo(creds)
        )
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

    /// Runs `twine upload`, never prompting, without colours or line wrapping.
    pub fn twine(&self, args: &[&str]) -> Run {
        let mut command = self.client("twine");
        command
            .env("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
            // rich wraps messages at the terminal width: keep each on one line.
            .env("COLUMNS", "400")
            .args([
                "--no-color",
                "upload",
                "--non-interactive",
                "--disable-progress-bar",
            ])
            .args(args);
        run(&mut command, None)
    }

    /// Runs pip with no configuration file, cache or prompt.
    pub fn pip(&self, args: &[&str]) -> Run {
        let mut command = self.client("pip");
        command
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env_remove("PIP_FIND_LINKS")
            .env_remove("PIP_INDEX_URL")
            .env_remove("PIP_EXTRA_INDEX_URL")
            .args(args)
            .args([
                "--no-input",
                "--no-cache-dir",
                "--disable-pip-version-check",
            ]);
        run(&mut command, None)
    }

    /// Builds the wheel `demo_pkg-VERSION-py3-none-any.whl` into `dist/` and returns its path.
    pub fn wheel(&self, version: &str) -> PathBuf {
        let dist = self.path("dist");
        std::fs::create_dir_all(&dist).unwrap();
        let mut command = self.client("python3");
        command.args(["-c", WHEEL_SCRIPT, "demo_pkg", version, &path_string(&dist)]);
        let out = run(&mut command, None).expect_success("build wheel");
        PathBuf::from(out.stdout.trim())
    }

    /// Puts a file straight into the package server's directory (no upload involved).
    pub fn publish_directly(&self, file: &Path) {
        let name = file.file_name().expect("a file name");
        std::fs::copy(file, self.path("packages").join(name)).expect("copy package");
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

    fn client(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.path("clients"))
            .env("HOME", self.path("clients/home"))
            .env_remove("XDG_CONFIG_HOME");
        command
    }
}

fn userinfo(creds: Option<(&str, &str)>) -> String {
    creds.map_or(String::new(), |(u, p)| format!("{u}:{p}@"))
}

/// Builds a minimal pure-Python wheel: a module, METADATA, WHEEL and RECORD.
const WHEEL_SCRIPT: &str = include_str!("wheel.py");

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

fn wait_for(what: &str, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while started.elapsed() < START_TIMEOUT {
        if ready() {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not come up within {START_TIMEOUT:?}");
}
