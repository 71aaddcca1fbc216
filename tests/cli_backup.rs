//! `regauth backup FILE`: a consistent online copy of the SQLite database, taken by the real
//! binary while another connection keeps writing. The copy holds every row acknowledged before
//! the backup started, the WAL's included (a plain file copy loses those); an existing file is
//! replaced only with `--force`, and no partial copy is ever left behind.

mod backend;

use regauth::config::Config;
use regauth::domain::namespace::Visibility;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn regauth(database: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regauth"))
        .args(args)
        .env("REGAUTH_DATABASE", database)
        .env("REGAUTH_KEYS_DIR", database.with_file_name("keys"))
        .output()
        .unwrap()
}

fn ok(database: &Path, args: &[&str]) -> String {
    let out = regauth(database, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn fails(database: &Path, args: &[&str]) -> String {
    let out = regauth(database, args);
    assert_eq!(out.status.code(), Some(1), "{args:?} should fail with 1");
    assert!(out.stdout.is_empty(), "errors go to stderr only");
    String::from_utf8(out.stderr).unwrap()
}

/// The group paths a database file holds, read with nothing but that file (no WAL beside it
/// is consulted for a copy). A file without the schema holds none.
fn group_paths(file: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(file).unwrap();
    let Ok(mut statement) = conn.prepare("SELECT path FROM groups") else {
        return Vec::new();
    };
    let rows = statement.query_map([], |r| r.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn open_app(database: &Path) -> regauth::app::App {
    let config = Config {
        database: regauth::storage::Location::Sqlite(database.to_owned()),
        keys_dir: database.with_file_name("keys"),
        ..Config::default()
    };
    regauth::server::open_app(&config).unwrap()
}

/// Names in `dir` other than the database itself and its WAL files.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_backup_taken_during_writes_holds_every_acknowledged_row_and_the_wals() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("regauth.db");
    let app = open_app(&db);
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                app.create_group(&format!("g{n}"), Visibility::Private)
                    .unwrap();
                n += 1;
                acknowledged.store(n, Ordering::SeqCst);
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.load(Ordering::SeqCst) < 20 {
        assert!(Instant::now() < deadline, "the writer made no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    // What `cp` of the database file gets: the committed rows still in the WAL are missing.
    let before_cp = acknowledged.load(Ordering::SeqCst);
    std::fs::copy(&db, dir.path().join("cp.db")).unwrap();
    let copied = group_paths(&dir.path().join("cp.db")).len();
    assert!(copied < before_cp, "cp kept {copied} of {before_cp} rows");

    let before_backup = acknowledged.load(Ordering::SeqCst);
    let printed = ok(
        &db,
        &["backup", dir.path().join("copy.db").to_str().unwrap()],
    );
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let total = acknowledged.load(Ordering::SeqCst);
    eprintln!(
        "cp kept {copied} of {before_cp}; backup started at {before_backup}, holds {}, {total} written",
        group_paths(&dir.path().join("copy.db")).len()
    );
    assert!(printed.starts_with("backed up "), "{printed}");
    assert!(printed.trim_end().ends_with("copy.db"), "{printed}");

    let copy = dir.path().join("copy.db");
    let held = group_paths(&copy);
    for n in 0..before_backup {
        assert!(
            held.contains(&format!("g{n}")),
            "g{n} is missing from the backup"
        );
    }
    // One snapshot: g0..gN without a gap, and nothing acknowledged after the backup ended.
    assert!(held.len() <= total, "{} rows, {total} written", held.len());
    for n in 0..held.len() {
        assert!(
            held.contains(&format!("g{n}")),
            "the backup has a gap at g{n}"
        );
    }
    for suffix in ["-wal", "-shm"] {
        let sidecar = dir.path().join(format!("copy.db{suffix}"));
        assert!(!sidecar.exists(), "the backup is one file");
    }
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
    // regauth opens the copy: the groups are there, and it takes writes.
    let err = fails(&copy, &["group", "create", "g0"]);
    assert!(err.contains("g0 is already taken"), "{err}");
    ok(&copy, &["group", "create", "after-restore"]);
}

#[test]
fn an_existing_file_is_replaced_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("regauth.db");
    ok(&db, &["group", "create", "first"]);
    let target = dir.path().join("notes.txt");
    std::fs::write(&target, "keep me\n").unwrap();
    let arg = target.to_str().unwrap();
    let err = fails(&db, &["backup", arg]);
    // The last line is the error (the CLI's access line about the attempt comes first).
    let last = err.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("error: {arg} exists: pass --force to replace it")
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");

    ok(&db, &["group", "create", "second"]);
    // The database this file replaces left its WAL behind: it must not be replayed into the copy.
    std::fs::write(dir.path().join("notes.txt-wal"), "stale").unwrap();
    ok(&db, &["backup", "--force", arg]);
    assert_eq!(group_paths(&target), ["first", "second"]);
    assert!(!dir.path().join("notes.txt-wal").exists());

    let missing_dir = dir.path().join("no/such/dir/copy.db");
    let err = fails(&db, &["backup", missing_dir.to_str().unwrap()]);
    assert!(err.contains("cannot write the backup"), "{err}");
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

#[test]
fn a_postgresql_database_is_left_to_pg_dump() {
    let url = backend::pg::shared().database();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_regauth"))
            .args(args)
            .env("REGAUTH_DATABASE", &url)
            .env("REGAUTH_KEYS_DIR", dir.path().join("keys"))
            .output()
            .unwrap()
    };
    assert!(run(&["group", "create", "acme"]).status.success());
    let target = dir.path().join("copy.db");
    for args in [&["backup"][..], &["backup", "--force"]] {
        let out = run(&[args, &[target.to_str().unwrap()]].concat());
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.lines().last().unwrap_or_default().starts_with(
                "error: regauth backup copies SQLite databases only: back up a \
                 PostgreSQL database with pg_dump"
            ),
            "{err}"
        );
        assert!(!target.exists(), "nothing was written");
    }
}
