//! The `regauth` binary run as an operator types it, in a test directory of its own: the
//! database the test backend selects (`db/regauth.db` there, or a PostgreSQL database) and
//! `keys/` beside it. Test binaries that include this module declare `mod backend;` too.

// Each test binary uses a different part of it.
#![allow(dead_code)]

use crate::backend::TestDatabase;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `regauth ARGS` in `dir` with `env` added (and no `REGAUTH_LISTEN` of the caller's).
pub fn regauth(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regauth"))
        .args(args)
        .current_dir(dir)
        .env_remove("REGAUTH_LISTEN")
        .env(
            "REGAUTH_DATABASE",
            TestDatabase::of_dir(dir, "db/regauth.db").value,
        )
        .env("REGAUTH_KEYS_DIR", dir.join("keys"))
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// What a command that must succeed printed on stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = regauth(dir, args, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// The JSON a command that must succeed printed.
pub fn json_of(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(dir, args)).unwrap()
}

/// What a command that must exit 1 printed on stderr (it prints nothing on stdout).
pub fn fails(dir: &Path, args: &[&str]) -> String {
    let out = regauth(dir, args, &[]);
    assert_eq!(out.status.code(), Some(1), "{args:?} should exit 1");
    assert!(out.stdout.is_empty(), "errors go to stderr only");
    String::from_utf8(out.stderr).unwrap()
}
