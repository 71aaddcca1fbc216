//! Client programs with isolated state: every client gets its own HOME, TMPDIR, XDG
//! directories, default auth file and podman/buildah storage, so nothing leaks between
//! tests or into the machine's `/run/containers/0/auth.json`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Run, run};

/// The client state of one test, under one directory.
#[derive(Clone)]
pub struct Clients {
    root: PathBuf,
}

impl Clients {
    pub(super) fn new(root: PathBuf) -> Clients {
        for sub in [
            "home",
            "tmp",
            "xdg-runtime",
            "xdg-config",
            "storage",
            "runroot",
        ] {
            std::fs::create_dir_all(root.join(sub)).expect("create client dirs");
        }
        let clients = Clients { root };
        // podman and buildah refuse a REGISTRY_AUTH_FILE that does not exist.
        std::fs::write(clients.authfile(), r#"{"auths":{}}"#).expect("write empty auth file");
        clients
    }

    /// The default auth file of this test's clients (`REGISTRY_AUTH_FILE`), empty at first.
    pub fn authfile(&self) -> PathBuf {
        self.root.join("auth.json")
    }

    /// A fresh directory for a client to write into.
    pub fn dir(&self, name: &str) -> PathBuf {
        let dir = self.root.join(name);
        std::fs::create_dir_all(&dir).expect("create client dir");
        dir
    }

    /// A command for `program` with the isolated environment.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("HOME", self.root.join("home"))
            .env("TMPDIR", self.root.join("tmp"))
            .env("XDG_RUNTIME_DIR", self.root.join("xdg-runtime"))
            .env("XDG_CONFIG_HOME", self.root.join("xdg-config"))
            .env("REGISTRY_AUTH_FILE", self.authfile())
            .env_remove("DOCKER_CONFIG")
            .env_remove("DOCKER_HOST")
            .env_remove("CONTAINERS_CONF");
        command
    }

    /// Runs skopeo with `args`.
    pub fn skopeo(&self, args: &[&str]) -> Run {
        run(self.command("skopeo").args(args), None)
    }

    /// Runs podman (rootful, vfs storage and run state inside this test's directory).
    pub fn podman(&self, args: &[&str]) -> Run {
        let mut command = self.command("podman");
        command.args(self.storage_flags()).args([
            "--tmpdir",
            &path_string(&self.root.join("tmp")),
            "--events-backend",
            "file",
            "--cgroup-manager",
            "cgroupfs",
        ]);
        run(command.args(args), None)
    }

    /// Runs buildah with the same private storage as podman.
    pub fn buildah(&self, args: &[&str]) -> Run {
        let mut command = self.command("buildah");
        command.args(self.storage_flags());
        run(command.args(args), None)
    }

    /// Runs the docker CLI with `--config CONFIG_DIR`, feeding `stdin` if given.
    pub fn docker(&self, config_dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
        let mut command = self.command("docker");
        command.arg("--config").arg(config_dir).args(args);
        run(&mut command, stdin)
    }

    fn storage_flags(&self) -> Vec<String> {
        vec![
            "--root".to_owned(),
            path_string(&self.root.join("storage")),
            "--runroot".to_owned(),
            path_string(&self.root.join("runroot")),
            "--storage-driver".to_owned(),
            "vfs".to_owned(),
        ]
    }
}

fn path_string(path: &Path) -> String {
    path.to_str().expect("temp paths are UTF-8").to_owned()
}
