//! Shared helpers for the end-to-end tests: the `REGAUTH_E2E` gate, the tool check, and
//! running client programs with a time limit while keeping what they printed.
//!
//! The tests drive real programs (`docker-registry`, skopeo, podman, buildah, the docker
//! CLI) exactly as a user would type them; every command and its output is echoed to the
//! test's captured output, so a failing test shows the whole conversation.

// Several test binaries include this module and each uses a different part of it.
#![allow(dead_code)]

#[path = "../backend/mod.rs"]
pub mod backend;
pub mod certs;
pub mod clients;
pub mod flows;
pub mod oci;
pub mod pulls;
pub mod stack;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Once;
use std::thread;
use std::time::{Duration, Instant};

/// What a test prints when it skips because `REGAUTH_E2E` is not `1`.
pub const SKIP_MESSAGE: &str = "skipped: end-to-end test; run scripts/test (or set REGAUTH_E2E=1)";

/// The programs the registry end-to-end tests drive, each with the package that ships it.
///
/// The docker CLI is the exception: the machine image ships a current one (27 or later,
/// which logs in by itself when no engine is reachable); Debian's `docker.io` package
/// brings an older CLI together with the whole engine.
pub const TOOLS: &[(&str, &str)] = &[
    ("docker-registry", "Debian package: docker-registry"),
    ("skopeo", "Debian package: skopeo"),
    ("podman", "Debian package: podman"),
    ("buildah", "Debian package: buildah"),
    (
        "docker",
        "Debian package: docker.io (or a docker CLI >= 27 from the machine image)",
    ),
];

/// How long one client command may run before it is killed and the test fails.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);

/// Returns whether end-to-end tests should run.
///
/// Without `REGAUTH_E2E=1` it prints [`SKIP_MESSAGE`] and returns `false`. With it, every
/// program in [`TOOLS`] must be on `PATH`: a missing one fails the test, naming the
/// Debian package to install.
pub fn e2e_enabled() -> bool {
    e2e_enabled_for(
        env!("CARGO_CRATE_NAME"),
        TOOLS,
        "scripts/test does: apt-get install -y docker-registry skopeo podman buildah",
    )
}

/// [`e2e_enabled`] for the test binary `suite`, which drives `tools` (program, package);
/// `install` says how to get them.
pub fn e2e_enabled_for(suite: &str, tools: &[(&str, &str)], install: &str) -> bool {
    if std::env::var("REGAUTH_E2E").as_deref() != Ok("1") {
        eprintln!("{SKIP_MESSAGE}");
        // libtest hides a passing test's output: say it once where `cargo test` shows it.
        static SAID: Once = Once::new();
        SAID.call_once(|| {
            let _ = writeln!(std::io::stderr(), "{suite}: {SKIP_MESSAGE}");
        });
        return false;
    }
    let missing: Vec<String> = tools
        .iter()
        .filter(|(program, _)| find_program(program).is_none())
        .map(|(program, package)| format!("`{program}` ({package})"))
        .collect();
    assert!(
        missing.is_empty(),
        "REGAUTH_E2E=1 but these programs are missing: {}; install them ({install})",
        missing.join(", ")
    );
    true
}

/// Finds `program` in the directories of `PATH`.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// What a finished command printed and how it exited.
#[derive(Debug)]
pub struct Run {
    /// The command line, for messages.
    pub command: String,
    /// The exit status.
    pub status: ExitStatus,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

impl Run {
    /// Standard output followed by standard error: what a user sees in a terminal.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Panics with the full output unless the command exited 0.
    pub fn expect_success(self, what: &str) -> Run {
        assert!(
            self.status.success(),
            "{what}: `{}` failed ({}):\n{}",
            self.command,
            self.status,
            self.text()
        );
        self
    }

    /// Panics unless the command failed and its output contains every one of `needles`.
    pub fn expect_failure_containing(self, what: &str, needles: &[&str]) -> Run {
        assert!(
            !self.status.success(),
            "{what}: `{}` was expected to fail but succeeded:\n{}",
            self.command,
            self.text()
        );
        let text = self.text();
        for needle in needles {
            assert!(
                text.contains(needle),
                "{what}: output of `{}` lacks {needle:?}:\n{text}",
                self.command
            );
        }
        self
    }
}

/// Runs `command` to completion (killing it after [`COMMAND_TIMEOUT`]), feeding `stdin`
/// if given, and echoes the command line and its output to the test's captured output.
pub fn run(command: &mut Command, stdin: Option<&str>) -> Run {
    let line = describe(command);
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start `{line}`: {err}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(input.as_bytes())
            .unwrap_or_else(|err| panic!("cannot write to `{line}`: {err}"));
    }
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break Some(status);
        }
        if started.elapsed() > COMMAND_TIMEOUT {
            // The child is ours; ending it is the only way to unblock the test.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    eprintln!(
        "$ {line}  [{:.1}s]\n{stdout}{stderr}",
        started.elapsed().as_secs_f64()
    );
    let status = status.unwrap_or_else(|| {
        panic!("`{line}` did not finish within {COMMAND_TIMEOUT:?}:\n{stdout}{stderr}")
    });
    Run {
        command: line,
        status,
        stdout,
        stderr,
    }
}

/// The program and its arguments, shell-like, without the environment.
fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads a pipe to its end on a thread, so a chatty child never blocks on a full pipe.
fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Reads a text file, or says why it could not (for failure messages and log dumps).
pub fn read_text(path: &Path) -> String {
    std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_else(|err| format!("<cannot read {}: {err}>", path.display()))
}
