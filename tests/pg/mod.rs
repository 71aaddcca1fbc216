//! A private PostgreSQL server for the tests: a cluster made with Debian's `initdb` in a
//! temporary directory, on a free loopback port, with password authentication. PostgreSQL
//! refuses to run as root, so when the tests run as root (CI does) the server runs as the
//! unprivileged `postgres` user the Debian package creates.
//!
//! One server per test binary ([`shared`]), one fresh database per test ([`Cluster::database`]).
//! A watchdog shell stops the server when the test process is gone, since statics are never
//! dropped.
#![allow(dead_code)]

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Where Debian's `postgresql` package puts the server programs.
const BIN_DIRS: &[&str] = &["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin"];
/// The superuser's password (the server listens on loopback only, for one test run).
const SUPERUSER_PASSWORD: &str = "regauth-test-superuser";

/// A running cluster.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    run_as: Option<&'static str>,
    next_db: AtomicU32,
    admin: Mutex<Option<postgres::Client>>,
}

/// The cluster of this test binary, started on first use.
pub fn shared() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}

impl Cluster {
    /// Make and start a cluster; panics naming the Debian package if PostgreSQL is missing.
    pub fn start() -> Cluster {
        let bin = BIN_DIRS
            .iter()
            .map(PathBuf::from)
            .find(|d| d.join("initdb").exists())
            .expect("PostgreSQL server programs are missing (Debian package: postgresql)");
        let run_as = is_root().then_some("postgres");
        let dir = std::env::temp_dir().join(format!(
            "regauth-pg-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).expect("create cluster directory");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        let pwfile = dir.join("pwfile");
        std::fs::write(&pwfile, SUPERUSER_PASSWORD).expect("write pwfile");
        hand_over(run_as, &dir);
        let cluster = Cluster {
            port: free_port(),
            dir,
            bin,
            run_as,
            next_db: AtomicU32::new(0),
            admin: Mutex::new(None),
        };
        cluster.initdb(&pwfile);
        cluster.start_server();
        cluster.watchdog();
        cluster
    }

    /// A new, empty database owned by a new role with a password; its connection URL.
    /// Made over one superuser connection kept for the purpose (a `psql` per statement
    /// costs a process and a password exchange each, for every test).
    pub fn database(&self) -> String {
        let n = self.next_db.fetch_add(1, Ordering::Relaxed);
        let name = format!("t{}_{n}", std::process::id());
        let mut admin = self.admin.lock().unwrap_or_else(|e| e.into_inner());
        let admin = admin.get_or_insert_with(|| {
            postgres::Client::connect(&self.superuser_url(), postgres::NoTls)
                .expect("connect to the test cluster as its superuser")
        });
        // Two statements: CREATE DATABASE cannot share an (implicit) transaction.
        for sql in [
            format!("CREATE ROLE {name} LOGIN PASSWORD 'pw-{name}'"),
            format!("CREATE DATABASE {name} OWNER {name}"),
        ] {
            admin.batch_execute(&sql).expect("create a test database");
        }
        format!("postgres://{name}:pw-{name}@127.0.0.1:{}/{name}", self.port)
    }

    /// Gives `dir` and everything in it to the server's user (when it is not ours), so the
    /// server can read files a test wrote there (a key it refuses to share with others).
    pub fn hand_over(&self, dir: &Path) {
        hand_over(self.run_as, dir);
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's connection URL (for tests that inspect the server itself).
    pub fn superuser_url(&self) -> String {
        format!(
            "postgres://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{}/postgres",
            self.port
        )
    }

    /// Run one SQL statement as the superuser through `psql`; panics with its output on failure.
    pub fn psql(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .args(["-v", "ON_ERROR_STOP=1", "-tA", "-c", sql])
            .arg(self.superuser_url())
            .output()
            .expect("run psql (Debian package: postgresql-client)");
        assert!(
            out.status.success(),
            "psql {sql:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The data directory: a copy of one made by `initdb` once per target directory (initdb
    /// is most of a cluster's start-up, and the suite starts one cluster per test binary).
    fn initdb(&self, pwfile: &Path) {
        let data = self.dir.join("data");
        let version = self.bin.parent().and_then(|p| p.file_name());
        let version = version.map(|v| v.to_string_lossy()).unwrap_or_default();
        let template =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pg-template-{version}"));
        if template.join("PG_VERSION").exists() {
            copy_tree(&template, &data);
            return;
        }
        let out = self
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                // No fsync of the new files: the server runs with fsync=off anyway.
                "--no-sync",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .stdout(Stdio::null())
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Published by a rename, so a binary starting meanwhile never copies half of it.
        let partial = template.with_extension(std::process::id().to_string());
        copy_tree(&data, &partial);
        if std::fs::rename(&partial, &template).is_err() {
            let _ = std::fs::remove_dir_all(&partial);
        }
    }

    fn start_server(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .stdout(Stdio::null())
            .output()
            .expect("run pg_ctl start");
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "PostgreSQL did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stop the server and remove the cluster once this process has exited.
    #[expect(
        clippy::zombie_processes,
        reason = "the watchdog must outlive this process; init reaps it"
    )]
    fn watchdog(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.dir.join("data");
        let stop = match self.run_as {
            Some(user) => format!(
                "runuser -u {user} -- {} -D {} -m immediate -w stop",
                pg_ctl.display(),
                data.display()
            ),
            None => format!(
                "{} -D {} -m immediate -w stop",
                pg_ctl.display(),
                data.display()
            ),
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            dir = self.dir.display()
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the PostgreSQL watchdog");
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }
}

/// `cp -a`: owners and modes kept (the data directory belongs to the server's user).
fn copy_tree(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("run cp");
    assert!(
        status.success(),
        "cp -a {} {} failed",
        from.display(),
        to.display()
    );
}

/// `chown -R` of `dir` to `user`, if any.
fn hand_over(user: Option<&str>, dir: &Path) {
    let Some(user) = user else { return };
    let status = Command::new("chown")
        .arg("-R")
        .arg(format!("{user}:{user}"))
        .arg(dir)
        .status()
        .expect("run chown");
    assert!(status.success(), "chown of {} failed", dir.display());
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}
