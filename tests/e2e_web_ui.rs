//! End-to-end, in a real browser (headless Chromium over WebDriver) against `regauth serve`
//! and the real docker-registry: a Maintainer signs in, creates a project deploy token with
//! read_registry and write_registry on Settings › Repository › Deploy tokens, reads the
//! username and token off the page, pushes and pulls with skopeo, revokes the token on the
//! page, and the next pull fails. Also: the token is gone after a reload, a form without its
//! form token changes nothing, and a signed-out session's cookie no longer works. Only with
//! `REGAUTH_E2E=1`; otherwise the test says it skipped.

mod browser;
mod support;

use browser::Browser;
use browser::ui::{person, sign_in, tick};
use std::path::Path;
use support::flows::{self, Auth, OUR_401_MESSAGE};
use support::stack::{DeployToken, Stack};

/// The tools this test drives: the registry rig's and the browser's.
fn enabled() -> bool {
    let tools: Vec<(&str, &str)> = support::TOOLS
        .iter()
        .chain(browser::TOOLS)
        .copied()
        .collect();
    support::e2e_enabled_for("e2e_web_ui", &tools, browser::INSTALL)
}

#[test]
fn a_maintainer_creates_uses_and_revokes_a_deploy_token_in_the_browser() {
    if !enabled() {
        return;
    }
    let stack = Stack::start();
    let base = stack.regauth.url();
    stack.regauth.group("acme", "private");
    stack.regauth.project("acme/app", "private");
    person(
        &stack.regauth,
        "alice",
        false,
        &[(["--project", "acme/app"], "maintainer")],
    );
    let browser = Browser::start();

    browser.goto(&format!("{base}/users/sign_in"));
    browser.screenshot("01-sign-in");
    // The username field has the focus; Tab walks the form in order.
    assert_eq!(browser.tab(1), "input#user_password");
    assert_eq!(browser.tab(1), "button#", "then the Sign in button");
    sign_in(&browser, &base, "alice");
    assert!(browser.text().contains("acme/app"), "{}", browser.text());
    browser.screenshot("02-dashboard");

    browser.click("a[href='/acme/app']");
    browser.screenshot("03-project");
    browser.click_text("Repository");
    let settings = format!("{base}/acme/app/-/settings/repository");
    assert_eq!(browser.url(), settings);
    assert!(browser.text().contains("Active Deploy Tokens (0)"));

    let token = create_token(&browser);
    let shot = browser.screenshot("05-deploy-token-created");
    // The README's picture: refreshed on request (or when missing), so that a test run does
    // not leave the work tree changed.
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/web-ui-deploy-tokens.png");
    if std::env::var_os("REGAUTH_UPDATE_SCREENSHOTS").is_some() || !docs.exists() {
        std::fs::copy(&shot, &docs).expect("copy the screenshot into docs/");
    }
    browser.resize(375, 900);
    browser.screenshot("06-deploy-token-created-375px");
    browser.resize(1440, 1000);

    let image = flows::image(&stack, "app");
    flows::push(&stack, &token.creds(), &image, "acme/app/web:1").expect_success("push");
    flows::pull(&stack, Auth::Token(&token), "acme/app/web:1", "pulled").expect_success("pull");

    browser.reload();
    let page = browser.source();
    assert!(
        !page.contains(&token.token),
        "the token is gone after a reload"
    );
    assert!(!browser.exists("#deploy-token-value"));
    assert!(
        browser
            .text_of("#active-deploy-tokens")
            .contains(&token.username)
    );

    refuse_form_without_token(&browser);

    browser.click("a[aria-label='Revoke ci-pusher']");
    browser.screenshot("07-revoke-confirm");
    browser.click_text("Revoke ci-pusher");
    browser.wait_for_url(&format!("{settings}?revoked={}", token.id));
    assert!(browser.text().contains("Revoked deploy token “ci-pusher”"));
    assert!(browser.text().contains("Active Deploy Tokens (0)"));
    assert!(
        browser
            .text_of("#inactive-deploy-tokens")
            .contains("Revoked")
    );
    browser.screenshot("08-deploy-token-revoked");

    flows::pull(&stack, Auth::Token(&token), "acme/app/web:1", "again")
        .expect_failure_containing("pull after revoke", &[OUR_401_MESSAGE]);

    sign_out_ends_the_session(&browser, &base);
    stack.assert_logs_clean();
    assert!(
        !stack.regauth.log().contains(&token.token),
        "the token never reaches the log"
    );
}

/// Add token → Name, read_registry + write_registry → Create deploy token; the page shows
/// the username and token once, with the warning.
fn create_token(browser: &Browser) -> DeployToken {
    browser.click_text("Add token");
    browser.fill("#deploy_token_name", "ci-pusher");
    tick(
        browser,
        "deploy_token",
        &["read_registry", "write_registry"],
    );
    browser.screenshot("04-add-deploy-token");
    browser.click_text("Create deploy token");
    browser.wait_for("#deploy-token-value");
    let text = browser.text();
    assert!(text.contains("Your new deploy token “ci-pusher”"), "{text}");
    assert!(text.contains("It will not be shown again"), "{text}");
    let username = browser.value_of("#deploy-token-user");
    let token = browser.value_of("#deploy-token-value");
    assert!(username.starts_with("gitlab+deploy-token-"), "{username}");
    assert!(token.starts_with("gldt-"), "{token}");
    let row = browser.text_of("#active-deploy-tokens");
    assert!(row.contains("read_registry, write_registry"), "{row}");
    let id = username
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("default username ends with the id");
    DeployToken {
        id,
        username,
        token,
    }
}

/// The create form, its form token removed by the test, is refused and stores nothing.
fn refuse_form_without_token(browser: &Browser) {
    let url = browser.url();
    browser.click_text("Add token");
    browser.fill("#deploy_token_name", "forged");
    tick(browser, "deploy_token", &["read_registry"]);
    browser.script(
        "document.querySelectorAll('input[name=authenticity_token]').forEach(e => e.remove());",
    );
    browser.click_text("Create deploy token");
    browser.wait_for_url(&format!("{url}/deploy_tokens"));
    let text = browser.text();
    assert!(text.contains("The form could not be accepted"), "{text}");
    browser.screenshot("09-form-token-missing");
    browser.goto(&url);
    assert!(!browser.text().contains("forged"), "nothing was stored");
}

/// Sign out; the cookie the browser had no longer opens any page.
fn sign_out_ends_the_session(browser: &Browser, base: &str) {
    let cookie = browser
        .cookies()
        .into_iter()
        .find(|(name, _)| name == "regauth_session")
        .map(|(_, value)| value)
        .expect("a session cookie");
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let dashboard = |cookie: &str| {
        client
            .get(format!("{base}/"))
            .header("Cookie", format!("regauth_session={cookie}"))
            .send()
            .expect("GET /")
            .status()
    };
    assert_eq!(dashboard(&cookie), 200, "the cookie works while signed in");
    browser.click_text("Sign out");
    browser.wait_for_url(&format!("{base}/users/sign_in?signed_out=1"));
    assert!(browser.text().contains("You have signed out."));
    assert_eq!(dashboard(&cookie), 303, "the old cookie is sent to sign in");
}
