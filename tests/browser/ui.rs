//! Steps the web UI tests repeat: people with passwords (through the CLI, as an operator
//! makes them), signing in through the form, and reading what a page shows.

use super::Browser;
use crate::support::stack::Regauth;

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";

/// `regauth user create NAME --password-stdin` (plus `--admin`), then the roles given as
/// `(["--project", "acme/app"], "maintainer")`.
pub fn person(regauth: &Regauth, name: &str, admin: bool, roles: &[([&str; 2], &str)]) {
    let mut args = vec!["user", "create", name, "--password-stdin"];
    if admin {
        args.push("--admin");
    }
    regauth
        .cli_input(&args, &format!("{PASSWORD}\n"))
        .expect_success("user create --password-stdin");
    for (holder, role) in roles {
        regauth.admin(&["member", "add", holder[0], holder[1], name, role]);
    }
}

/// Sign in through the form and land on the dashboard.
pub fn sign_in(browser: &Browser, base: &str, name: &str) {
    browser.goto(&format!("{base}/users/sign_in"));
    browser.fill("#user_login", name);
    browser.fill("#user_password", PASSWORD);
    browser.click("button[type=submit]");
    browser.wait_for_url(&format!("{base}/"));
    assert!(
        browser.text().contains(&format!("Signed in as {name}")),
        "{}",
        browser.text()
    );
}

/// Tick the scope checkboxes `scopes` in the open form.
pub fn tick(browser: &Browser, prefix: &str, scopes: &[&str]) {
    for scope in scopes {
        browser.click(&format!("#{prefix}_{scope}"));
    }
}
