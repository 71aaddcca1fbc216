//! The package side of the rig: one pypiserver per project (its own storage root), and pip,
//! twine and a wheel builder to drive them through nginx.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Rig, connects, spawn, userinfo, wait_for};
use crate::support::stack::{Process, free_port, path_string};
use crate::support::{Run, run};

impl Rig {
    /// GitLab's PyPI address of a project (`id` or URL-encoded path), with `tail`.
    pub fn pypi_url(&self, creds: Option<(&str, &str)>, project: &str, tail: &str) -> String {
        let host = &self.pkg_host;
        format!(
            "http://{}{host}/api/v4/projects/{project}/packages/pypi{tail}",
            userinfo(creds)
        )
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

    /// Puts a file straight into `project`'s package directory (no upload involved).
    pub fn publish_directly(&self, project: &str, file: &Path) {
        let name = file.file_name().expect("a file name");
        std::fs::copy(file, self.packages(project).join(name)).expect("copy package");
    }

    /// The storage root of `project`'s package server.
    pub fn packages(&self, project: &str) -> PathBuf {
        self.path(&format!("packages/{project}"))
    }
}

/// A pypiserver for `project`, with its own storage root under `packages/`.
pub(super) fn package_server(dir: &Path, project: &str) -> (Process, u16) {
    let root = dir.join("packages").join(project);
    std::fs::create_dir_all(&root).expect("create package root");
    let port = free_port();
    let log = dir.join(format!("pypi-server-{}.log", project.replace('/', "-")));
    let process = spawn(
        "pypi-server",
        Command::new("pypi-server")
            .args(["run", "-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-a", ".", "-P", ".", "--disable-fallback"])
            .arg(&root),
        log,
    );
    wait_for("pypi-server", || connects(&format!("127.0.0.1:{port}")));
    (process, port)
}

/// Builds a minimal pure-Python wheel: a module, METADATA, WHEEL and RECORD.
const WHEEL_SCRIPT: &str = include_str!("wheel.py");
