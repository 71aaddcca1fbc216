//! End-to-end in a real browser (headless Chromium) against `regauth serve`: what each role
//! sees. A Developer has no deploy-token section and gets a 404 on its URL; a group Owner
//! creates a group deploy token; a user creates a personal access token on their page and
//! it works at `/api/v4/user`; an administrator creates, promotes and blocks users and
//! manages a project's members. Only with `REGAUTH_E2E=1`; otherwise the test says it
//! skipped.

mod browser;
mod support;

use browser::Browser;
use browser::ui::{PASSWORD, person, sign_in, tick};
use support::stack::{Regauth, Signing, http_client};

struct Site {
    regauth: Regauth,
    base: String,
    _dir: tempfile::TempDir,
}

/// `regauth serve` with group `acme` and project `acme/app`, both private.
fn site() -> Option<Site> {
    if !support::e2e_enabled_for("e2e_web_ui_roles", browser::TOOLS, browser::INSTALL) {
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let regauth = Regauth::start(dir.path(), Signing::default(), &[]);
    regauth.group("acme", "private");
    regauth.project("acme/app", "private");
    Some(Site {
        base: regauth.url(),
        regauth,
        _dir: dir,
    })
}

#[test]
fn a_developer_sees_no_deploy_tokens_and_gets_404_for_their_page() {
    let Some(site) = site() else { return };
    person(
        &site.regauth,
        "dev",
        false,
        &[(["--project", "acme/app"], "developer")],
    );
    let browser = Browser::start();
    sign_in(&browser, &site.base, "dev");
    browser.click("a[href='/acme/app']");
    let text = browser.text();
    assert!(text.contains("your role: Developer"), "{text}");
    assert!(!text.contains("Repository"), "no settings link: {text}");
    assert!(!text.contains("Deploy tokens"), "{text}");
    browser.screenshot("10-developer-project");
    browser.goto(&format!("{}/acme/app/-/settings/repository", site.base));
    let text = browser.text();
    assert!(text.contains("Page not found"), "{text}");
    assert!(!text.contains("Active Deploy Tokens"), "{text}");
    browser.screenshot("11-developer-deploy-tokens-404");
}

#[test]
fn a_group_owner_creates_a_group_deploy_token() {
    let Some(site) = site() else { return };
    person(
        &site.regauth,
        "owner",
        false,
        &[(["--group", "acme"], "owner")],
    );
    let browser = Browser::start();
    sign_in(&browser, &site.base, "owner");
    browser.click("a[href='/groups/acme']");
    assert!(
        browser.text().contains("app"),
        "the group lists its project"
    );
    browser.screenshot("12-group");
    browser.click_text("Repository");
    browser.click_text("Add token");
    browser.fill("#deploy_token_name", "acme-pull");
    browser.fill("#deploy_token_username", "acme-puller");
    browser.click_text("Create deploy token");
    browser.wait_for("#deploy_token_scopes_error");
    let error = browser.text_of("#deploy_token_scopes_error");
    assert!(error.contains("at least one scope is required"), "{error}");
    assert_eq!(
        browser.value_of("#deploy_token_name"),
        "acme-pull",
        "typed values kept"
    );
    assert!(
        browser.text().contains("Active Deploy Tokens (0)"),
        "nothing stored"
    );
    browser.screenshot("13-group-deploy-token-error");
    tick(&browser, "deploy_token", &["read_registry"]);
    browser.click_text("Create deploy token");
    browser.wait_for("#deploy-token-value");
    assert_eq!(browser.value_of("#deploy-token-user"), "acme-puller");
    assert!(browser.value_of("#deploy-token-value").starts_with("gldt-"));
    assert!(
        browser
            .text()
            .contains("A group deploy token applies to every project")
    );
    browser.screenshot("14-group-deploy-token-created");
}

#[test]
fn a_personal_access_token_made_on_the_page_works_at_the_api() {
    let Some(site) = site() else { return };
    person(&site.regauth, "pat", false, &[]);
    let browser = Browser::start();
    sign_in(&browser, &site.base, "pat");
    browser.click_text("Access tokens");
    browser.click_text("Add new token");
    browser.fill("#personal_access_token_name", "laptop");
    tick(&browser, "personal_access_token", &["read_api"]);
    browser.click_text("Create personal access token");
    browser.wait_for("#personal-token-value");
    let token = browser.value_of("#personal-token-value");
    assert!(token.starts_with("glpat-"), "{token}");
    browser.screenshot("15-personal-access-token-created");
    let user: serde_json::Value = http_client()
        .get(format!("{}/api/v4/user", site.base))
        .header("PRIVATE-TOKEN", &token)
        .send()
        .expect("GET /api/v4/user")
        .json()
        .expect("user JSON");
    assert_eq!(user["username"], "pat");
    browser.reload();
    assert!(!browser.source().contains(&token), "shown once");
    assert!(
        browser
            .text_of("#active-personal-tokens")
            .contains("laptop")
    );
}

#[test]
fn an_administrator_manages_users_and_members() {
    let Some(site) = site() else { return };
    person(&site.regauth, "root", true, &[]);
    let browser = Browser::start();
    sign_in(&browser, &site.base, "root");
    browser.click_text("Admin");
    browser.click_text("New user");
    browser.fill("#user_username", "newbie");
    browser.fill("#user_password", PASSWORD);
    browser.click_text("Create user");
    browser.wait_for_url(&format!(
        "{}/admin/users?notice=Created+user+newbie.",
        site.base
    ));
    browser.click("button[aria-label='Make administrator: newbie']");
    browser.wait_for("button[aria-label='Remove administrator rights from newbie']");
    browser.click("button[aria-label='Block newbie']");
    let asked = browser.accept_dialog();
    assert!(asked.starts_with("Block newbie?"), "{asked}");
    browser.wait_for("button[aria-label='Unblock newbie']");
    assert!(browser.text().contains("newbie is blocked."));
    browser.screenshot("16-admin-users");

    browser.goto(&format!("{}/acme/app/-/members", site.base));
    browser.fill("#member_username", "newbie");
    browser.click_text("Add to project");
    browser.wait_for("#members select");
    assert!(browser.text().contains("Added newbie as Developer."));
    browser.script("document.getElementById('role_newbie').value = '40';");
    browser.click("button[aria-label='Change role of newbie']");
    browser.wait_for_url(&format!(
        "{}/acme/app/-/members?notice=newbie+is+now+Maintainer.",
        site.base
    ));
    browser.screenshot("17-members");
    browser.click("button[aria-label='Remove newbie']");
    assert_eq!(browser.accept_dialog(), "Remove newbie from app?");
    browser.wait_for_url(&format!(
        "{}/acme/app/-/members?notice=Removed+newbie.",
        site.base
    ));
    assert!(browser.text().contains("No direct members."));

    browser.click_text("Sign out");
    browser.wait_for("#user_login");
    browser.fill("#user_login", "newbie");
    browser.fill("#user_password", PASSWORD);
    browser.click("button[type=submit]");
    browser.wait_for(".notice.bad");
    assert!(
        browser.text().contains("Invalid username or password."),
        "blocked"
    );
    browser.screenshot("18-sign-in-refused");
}
