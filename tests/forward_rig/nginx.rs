//! nginx for the rig: the sample server blocks `deploy/nginx/git.conf` and `packages.conf`,
//! with only addresses and paths replaced, inside a small main config that keeps
//! everything (prefix, pid, temp dirs, logs) in the test's directory: one process, no
//! daemon, nothing that needs root.

use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use super::{PACKAGE_PROJECTS, START_TIMEOUT, connects, spawn};
use crate::support::read_text;
use crate::support::stack::{Process, free_port, path_string};

const GIT_CONF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx/git.conf");
const PACKAGES_CONF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx/packages.conf");

/// nginx with both sample configs, the package map naming one server per project of
/// [`PACKAGE_PROJECTS`] (`pypi_ports`, in that order); retried on a port taken between
/// choosing and binding.
pub(super) fn start(
    dir: &Path,
    regauth: &str,
    socket: &Path,
    pypi_ports: &[u16],
) -> (Process, String, String) {
    let prefix = dir.join("nginx");
    let log = prefix.join("nginx.log");
    for _ in 0..3 {
        let git_host = format!("127.0.0.1:{}", free_port());
        let pkg_host = format!("127.0.0.1:{}", free_port());
        let git = render(
            GIT_CONF,
            &[
                ("127.0.0.1:8080", git_host.clone()),
                ("127.0.0.1:5001", regauth.to_owned()),
                (
                    "unix:/run/fcgiwrap.socket",
                    format!("unix:{}", path_string(socket)),
                ),
                ("/srv/git", path_string(&dir.join("git"))),
            ],
        );
        let packages = render(
            PACKAGES_CONF,
            &[
                ("127.0.0.1:8090", pkg_host.clone()),
                ("127.0.0.1:5001", regauth.to_owned()),
                ("acme/api", PACKAGE_PROJECTS[0].to_owned()),
                ("acme/web", PACKAGE_PROJECTS[1].to_owned()),
                ("127.0.0.1:8091", format!("127.0.0.1:{}", pypi_ports[0])),
                ("127.0.0.1:8092", format!("127.0.0.1:{}", pypi_ports[1])),
                ("127.0.0.1:8099", format!("127.0.0.1:{}", free_port())),
            ],
        );
        std::fs::write(prefix.join("git.conf"), git).unwrap();
        std::fs::write(prefix.join("packages.conf"), packages).unwrap();
        std::fs::write(prefix.join("nginx.conf"), main_config(&prefix, &log)).unwrap();
        let _ = std::fs::remove_file(&log);
        let mut process = spawn(
            "nginx",
            Command::new("nginx")
                .arg("-p")
                .arg(&prefix)
                .arg("-c")
                .arg(prefix.join("nginx.conf"))
                .arg("-e")
                .arg(&log),
            prefix.join("nginx.out"),
        );
        process.log = log.clone();
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if connects(&git_host) && connects(&pkg_host) {
                return (process, git_host, pkg_host);
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

/// The rig's own nginx.conf around the two sample server blocks.
fn main_config(prefix: &Path, log: &Path) -> String {
    let p = path_string(prefix);
    let log = path_string(log);
    format!(
        "daemon off;\nmaster_process off;\npid {p}/nginx.pid;\nerror_log {log} info;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log {log};\n  client_body_temp_path {p}/tmp/body;\n\
           proxy_temp_path {p}/tmp/proxy;\n  fastcgi_temp_path {p}/tmp/fastcgi;\n\
           uwsgi_temp_path {p}/tmp/uwsgi;\n  scgi_temp_path {p}/tmp/scgi;\n\
           include {p}/git.conf;\n  include {p}/packages.conf;\n}}\n"
    )
}

/// Fills a sample config: only the listed addresses and paths change.
pub(super) fn render(template: &str, replacements: &[(&str, String)]) -> String {
    let mut text = std::fs::read_to_string(template).expect("read sample config");
    for (from, to) in replacements {
        assert!(
            text.contains(from),
            "{template} no longer mentions {from}: update the rig"
        );
        text = text.replace(from, to);
    }
    text
}
