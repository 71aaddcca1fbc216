//! Caddy for the rig: the sample `deploy/caddy/Caddyfile` with only addresses and paths
//! replaced, run in the foreground (`caddy run --adapter caddyfile`) with its home in the
//! test's directory, in front of the rig's fcgiwrap and repositories.

use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use super::nginx::render;
use super::{START_TIMEOUT, connects, spawn};
use crate::support::read_text;
use crate::support::stack::{Process, free_port, path_string};

const CADDYFILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/caddy/Caddyfile");

/// Caddy on a free port; retried on a port taken between choosing and binding.
pub(super) fn start(dir: &Path, regauth: &str, socket: &Path) -> (Process, String) {
    let home = dir.join("caddy");
    let log = home.join("caddy.log");
    for _ in 0..3 {
        let port = free_port();
        let host = format!("127.0.0.1:{port}");
        let config = render(
            CADDYFILE,
            &[
                (":8081", format!(":{port}")),
                ("127.0.0.1:5001", regauth.to_owned()),
                (
                    "unix//run/fcgiwrap.socket",
                    format!("unix/{}", path_string(socket)),
                ),
                ("/srv/git", path_string(&dir.join("git"))),
            ],
        );
        let file = home.join("Caddyfile");
        std::fs::write(&file, config).unwrap();
        let mut process = spawn(
            "caddy",
            Command::new("caddy")
                .args(["run", "--adapter", "caddyfile", "--config"])
                .arg(&file)
                .env("HOME", &home)
                .env("XDG_DATA_HOME", home.join("data"))
                .env("XDG_CONFIG_HOME", home.join("config")),
            log.clone(),
        );
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if connects(&host) {
                return (process, host);
            }
            if let Ok(Some(_)) = process.child.try_wait() {
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
        if !read_text(&log).contains("address already in use") {
            break;
        }
    }
    panic!("caddy did not start; log:\n{}", read_text(&log));
}
