//! End-to-end: `last_used_at` from the real binary after a skopeo pull from the real
//! docker-registry, as `regauth token list --json` shows it: written by the background
//! flusher within its interval, and by the server as it stops. Runs with `REGAUTH_E2E=1`.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::e2e_enabled;
use support::flows::*;
use support::stack::{Signing, Stack};

/// `last_used_at` of token `id` as `token list --json` prints it.
fn last_used_at(stack: &Stack, id: i64) -> Value {
    let out = stack
        .regauth
        .admin(&["token", "list", "--project", "acme/app", "--json"]);
    let tokens: Value = serde_json::from_str(&out.stdout).expect("token list JSON");
    let token = tokens
        .as_array()
        .expect("an array")
        .iter()
        .find(|t| t["id"] == id)
        .expect("the token is listed");
    token["last_used_at"].clone()
}

#[test]
fn a_pull_shows_in_token_list_after_the_flush_interval() {
    if !e2e_enabled() {
        return;
    }
    let env = [("REGAUTH_LAST_USED_INTERVAL", "1")];
    let stack = Stack::start_configured(Signing::default(), &env);
    let (writer, reader) = acme_app(&stack);
    push_ok(&stack, &writer, &image(&stack, "web"), "acme/app/web:1");
    assert_eq!(last_used_at(&stack, reader.id), Value::Null);
    pull(&stack, Auth::Token(&reader), "acme/app/web:1", "pulled").expect_success("pull");
    // A generous bound: the flusher writes every second.
    let started = Instant::now();
    let mut shown = Value::Null;
    while shown.is_null() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(200));
        shown = last_used_at(&stack, reader.id);
    }
    println!("token list --json after the pull: last_used_at = {shown}");
    let text = shown.as_str().expect("last_used_at is set after a pull");
    assert!(text.ends_with('Z') && text.len() == 20, "{text}");
    stack.assert_logs_clean();
}

#[test]
fn the_server_writes_pending_uses_as_it_stops() {
    if !e2e_enabled() {
        return;
    }
    // An interval no test waits for: only the stop can write the pull.
    let env = [("REGAUTH_LAST_USED_INTERVAL", "3600")];
    let mut stack = Stack::start_configured(Signing::default(), &env);
    let (writer, reader) = acme_app(&stack);
    push_ok(&stack, &writer, &image(&stack, "web"), "acme/app/web:1");
    pull(&stack, Auth::Token(&reader), "acme/app/web:1", "pulled").expect_success("pull");
    assert_eq!(last_used_at(&stack, reader.id), Value::Null);
    let exit = stack.regauth.terminate();
    assert!(exit.success(), "regauth exited with {exit}");
    let shown = last_used_at(&stack, reader.id);
    println!("token list --json after SIGTERM: last_used_at = {shown}");
    assert!(shown.is_string(), "{shown}");
}
