//! The web UI's pages obey the API's rules: below Maintainer there is no deploy-token page
//! (404, and a post stores nothing), a group Maintainer reads but cannot add, bad fields are
//! shown next to the field with nothing stored, the admin pages exist only for
//! administrators, and a blocked user's session and tokens stop working at once.

mod harness;

use harness::TestServer;
use harness::ui::{Visitor, person};
use regauth::app::namespaces::HolderRef;
use regauth::domain::role::AccessLevel;

const SETTINGS: &str = "/acme/backend/api/-/settings/repository";
const CREATE: &str = "/acme/backend/api/-/settings/repository/deploy_tokens";

fn stored_tokens(server: &TestServer) -> usize {
    let now = server.app.now();
    server
        .app
        .store()
        .read(|tx| tx.deploy_tokens(None, false, now))
        .unwrap()
        .len()
}

fn server() -> TestServer {
    let server = TestServer::start();
    server.seed();
    server
}

#[test]
fn below_maintainer_the_deploy_token_pages_do_not_exist() {
    let server = server();
    person(
        &server,
        "dev",
        false,
        Some(("acme/backend/api", AccessLevel::Developer)),
    );
    let (id, _, _) = server.token(HolderRef::Project("acme/backend/api"), &["read_registry"]);
    let mut v = Visitor::new(&server);
    v.sign_in("dev");
    let project = v.get("/acme/backend/api");
    assert_eq!(project.status, 200);
    assert!(!project.body.contains("settings/repository"), "no link");
    let token = project.form_token();
    assert_eq!(v.get(SETTINGS).status, 404);
    let revoke = format!("/acme/backend/api/-/deploy_tokens/{id}/revoke");
    assert_eq!(v.get(&revoke).status, 404);
    let create = [
        ("authenticity_token", token.as_str()),
        ("name", "x"),
        ("scopes", "read_registry"),
    ];
    assert_eq!(v.post(CREATE, &create).status, 404);
    assert_eq!(v.post(&revoke, &create[..1]).status, 404);
    assert_eq!(stored_tokens(&server), 1, "nothing stored");
    assert!(
        server
            .app
            .deploy_token(id)
            .unwrap()
            .is_active(server.app.now())
    );
    // A private project of which dev is no member does not exist either.
    assert_eq!(v.get("/other/app").status, 404);
    assert_eq!(v.get("/other/app/-/settings/repository").status, 404);
}

#[test]
fn a_group_maintainer_reads_group_tokens_but_only_an_owner_adds_them() {
    let server = server();
    person(&server, "gm", false, None);
    server
        .app
        .add_member(HolderRef::Group("acme"), "gm", AccessLevel::Maintainer)
        .unwrap();
    let mut v = Visitor::new(&server);
    v.sign_in("gm");
    let page = v.get("/groups/acme/-/settings/repository");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Active Deploy Tokens"));
    assert!(!page.body.contains("Create deploy token"), "no form");
    assert!(page.body.contains("Only Owners can add or revoke"));
    let token = page.form_token();
    let create = [
        ("authenticity_token", token.as_str()),
        ("name", "g"),
        ("scopes", "read_registry"),
    ];
    let refused = v.post("/groups/acme/-/settings/repository/deploy_tokens", &create);
    assert_eq!(refused.status, 404);
    assert_eq!(stored_tokens(&server), 0);
    // Maintainer of the group is Maintainer of its projects: those tokens they manage.
    let ok = v.post(CREATE, &create);
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(stored_tokens(&server), 1);
}

/// Form fields, the id of the error paragraph, and what it says.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

#[test]
fn bad_fields_are_shown_next_to_the_field_and_nothing_is_stored() {
    let server = server();
    person(
        &server,
        "alice",
        false,
        Some(("acme/backend/api", AccessLevel::Maintainer)),
    );
    let mut v = Visitor::new(&server);
    v.sign_in("alice");
    let token = v.token_of(SETTINGS);
    let cases: [Case; 4] = [
        (
            &[("name", "a")],
            "deploy_token_scopes_error",
            "at least one scope is required",
        ),
        (
            &[
                ("name", "a"),
                ("scopes", "read_registry"),
                ("expires_at", "2020-01-01"),
            ],
            "deploy_token_expires_at_error",
            "must be in the future",
        ),
        (
            &[
                ("name", "a"),
                ("scopes", "read_registry"),
                ("username", "Alice"),
            ],
            "deploy_token_username_error",
            "is the username of a user",
        ),
        (
            &[("name", " "), ("scopes", "read_registry")],
            "deploy_token_name_error",
            "name must be",
        ),
    ];
    for (fields, id, message) in cases {
        let mut form = vec![("authenticity_token", token.as_str())];
        form.extend_from_slice(fields);
        let page = v.post(CREATE, &form);
        assert_eq!(page.status, 422, "{fields:?}: {}", page.body);
        let error = regex::Regex::new(&format!(r#"<p class="error" id="{id}">([^<]*)</p>"#))
            .unwrap()
            .captures(&page.body)
            .unwrap_or_else(|| panic!("no {id} in the page for {fields:?}"))[1]
            .to_owned();
        assert!(error.contains(message), "{fields:?}: {error}");
        assert!(
            page.body.contains("<details class=\"add\" open>"),
            "form stays open"
        );
        assert!(
            page.body.contains(r#"value="a""#) || fields[0].1 == " ",
            "typed name kept"
        );
    }
    assert_eq!(stored_tokens(&server), 0);
}

#[test]
fn admin_pages_exist_only_for_administrators() {
    let server = server();
    person(&server, "alice", false, None);
    let mut v = Visitor::new(&server);
    v.sign_in("alice");
    let token = v.token_of("/");
    assert_eq!(v.get("/admin/users").status, 404);
    assert_eq!(v.get("/acme/pub/-/members").status, 404);
    let form = [
        ("authenticity_token", token.as_str()),
        ("username", "x"),
        ("password", "long enough pw"),
    ];
    assert_eq!(v.post("/admin/users", &form).status, 404);
    assert_eq!(
        v.post("/admin/users/alice/admin", &[form[0], ("admin", "1")])
            .status,
        404
    );
    assert!(
        server.app.sign_in("x", "long enough pw").is_err(),
        "no user created"
    );
    assert!(!v.get("/").body.contains("/admin/users"), "no Admin link");
}

#[test]
fn a_blocked_users_session_and_tokens_stop_at_once() {
    let server = server();
    person(&server, "root", true, None);
    person(
        &server,
        "alice",
        false,
        Some(("acme/backend/api", AccessLevel::Maintainer)),
    );
    let pat = server.app.create_user("bob", false).unwrap().first_token;
    let alice_pat = server
        .app
        .create_personal_token(
            "alice",
            &regauth::app::users::CreatePersonalToken {
                name: "t",
                scopes: vec!["api"],
                expires_at: None,
            },
        )
        .unwrap();
    let api_user = |secret: &str| {
        server
            .http
            .get(server.url("/api/v4/user"))
            .header("PRIVATE-TOKEN", secret)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(api_user(alice_pat.secret.expose()), 200);
    let mut alice = Visitor::new(&server);
    alice.sign_in("alice");
    let mut root = Visitor::new(&server);
    root.sign_in("root");
    let token = root.token_of("/admin/users");
    let blocked = root.post(
        "/admin/users/alice/block",
        &[("authenticity_token", &token)],
    );
    assert_eq!(blocked.status, 303);
    assert_eq!(alice.get("/").status, 303, "session ended");
    assert_eq!(api_user(alice_pat.secret.expose()), 401, "token refused");
    let query = "service=container_registry&scope=repository:acme/backend/api/img:pull";
    let (status, _) = server.get_token(query, Some(("alice", alice_pat.secret.expose())));
    assert_eq!(status, 401, "and at the token endpoint");
    assert_eq!(api_user(pat.secret.expose()), 200, "other users unaffected");
    assert_eq!(
        Visitor::new(&server)
            .sign_in_with("alice", harness::ui::PASSWORD)
            .status,
        401
    );
    let own = root.post("/admin/users/root/block", &[("authenticity_token", &token)]);
    assert_eq!(own.status, 400, "nobody blocks themselves");
    root.post(
        "/admin/users/alice/unblock",
        &[("authenticity_token", &token)],
    );
    assert_eq!(api_user(alice_pat.secret.expose()), 200, "unblocked");
}

#[test]
fn the_dashboard_lists_what_the_api_would_find_and_filters_it() {
    let server = server();
    person(
        &server,
        "dev",
        false,
        Some(("acme/backend/api", AccessLevel::Developer)),
    );
    let mut v = Visitor::new(&server);
    v.sign_in("dev");
    let all = v.get("/");
    for shown in [
        "/acme/backend/api",
        "/acme/pub",
        "/groups/acme",
        "/groups/acme/backend",
    ] {
        assert!(
            all.body.contains(&format!("href=\"{shown}\"")),
            "{shown} listed"
        );
    }
    for hidden in [
        "/acme/frontend/web",
        "/other/app",
        "/groups/other",
        "/groups/acme/frontend",
    ] {
        assert!(
            !all.body.contains(&format!("href=\"{hidden}\"")),
            "{hidden} hidden"
        );
    }
    let filtered = v.get("/?filter=PUB");
    assert!(filtered.body.contains("href=\"/acme/pub\""));
    assert!(!filtered.body.contains("href=\"/acme/backend/api\""));
    assert!(filtered.body.contains("No groups match “PUB”"));
}

#[test]
fn expired_tokens_are_listed_apart_from_the_active_ones() {
    let server = server();
    person(
        &server,
        "alice",
        false,
        Some(("acme/backend/api", AccessLevel::Maintainer)),
    );
    let project = HolderRef::Project("acme/backend/api");
    server.token(project, &["read_registry"]);
    server.token_expiring(project, &["read_registry"], Some("2026-11-26"));
    server.clock.set(server.app.now() + time::Duration::days(2));
    let mut v = Visitor::new(&server);
    v.sign_in("alice");
    let page = v.get(SETTINGS);
    assert!(
        page.body.contains("Active Deploy Tokens (1)"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Revoked and expired deploy tokens (1)"));
    assert!(
        page.body
            .contains("<span class=\"badge revoked\">Expired</span>")
    );
    assert!(page.body.contains("<td>2026-11-26</td>"));
}

#[test]
fn changes_made_in_the_pages_are_in_the_audit_trail_with_who_and_from_where() {
    let server = server();
    person(&server, "root", true, None);
    person(&server, "alice", false, None);
    let mut root = Visitor::new(&server);
    root.sign_in("root");
    let token = root.token_of("/admin/users");
    root.post(
        "/admin/users/alice/block",
        &[("authenticity_token", &token)],
    );
    let members = "/acme/pub/-/members";
    let add = [
        ("authenticity_token", token.as_str()),
        ("username", "alice"),
        ("role", "30"),
    ];
    assert_eq!(root.post(members, &add).status, 303);
    let remove = format!("{members}/alice/remove");
    assert_eq!(root.post(&remove, &add[..1]).status, 303);
    let query = regauth::storage::audit::AuditQuery {
        since: None,
        offset: 0,
        limit: 10,
    };
    let (events, _) = server.app.audit_events(&query).unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        &actions[..3],
        ["member.removed", "member.added", "user.blocked"],
        "newest first"
    );
    for event in &events[..3] {
        assert_eq!(event.author_name, "root");
        assert_eq!(event.author_token_id, None, "a web session, not a token");
        assert_eq!(event.ip_address.as_deref(), Some("127.0.0.1"));
        assert_eq!(event.entity_path, "alice");
    }
}
