//! Members of projects and groups through `/api/v4` over real HTTP: direct and inherited
//! lists, adding by id or username, changing and removing, and who may: Maintainers for a
//! project, Owners for a group, never above their own role; a removed role stops working.

mod api_harness;
mod harness;

use api_harness::{
    Auth, Body, call, column, delete, error, get, member_user, message, post, put, user,
};
use harness::TestServer;
use regauth::app::namespaces::HolderRef;
use regauth::domain::role::AccessLevel;
use serde_json::json;

fn server() -> TestServer {
    let s = TestServer::start();
    s.seed();
    s
}

#[test]
fn members_direct_and_inherited() {
    let s = server();
    let owner = member_user(&s, "owner", HolderRef::Group("acme"), AccessLevel::Owner);
    let dev = member_user(
        &s,
        "dev",
        HolderRef::Project("acme/backend/api"),
        AccessLevel::Developer,
    );
    let _lead = member_user(
        &s,
        "lead",
        HolderRef::Group("acme/backend"),
        AccessLevel::Maintainer,
    );
    let stranger = user(&s, "stranger", false);
    let r = get(&s, "/projects/1/members", &dev);
    assert_eq!(r.status, 200);
    assert_eq!(column(&r, "username"), vec![json!("dev")]);
    assert_eq!(r.body[0]["access_level"], 30);
    assert_eq!(r.body[0]["state"], "active");
    let r = get(&s, "/projects/acme%2Fbackend%2Fapi/members/all", &dev);
    assert_eq!(
        column(&r, "username"),
        vec![json!("dev"), json!("lead"), json!("owner")]
    );
    assert_eq!(
        column(&r, "access_level"),
        vec![json!(30), json!(40), json!(50)]
    );
    let r = get(&s, "/groups/acme%2Fbackend/members/all", &owner);
    assert_eq!(column(&r, "username"), vec![json!("lead"), json!("owner")]);
    let r = get(&s, "/groups/2/members", &owner);
    assert_eq!(column(&r, "username"), vec![json!("lead")]);
    let r = get(&s, "/projects/1/members/all/owner", &dev);
    assert_eq!((r.status, &r.body["access_level"]), (200, &json!(50)));
    let r = get(&s, "/projects/1/members/owner", &dev);
    assert_eq!(
        (r.status, message(&r)),
        (404, "404 Member Not Found"),
        "not a direct member"
    );
    let r = get(&s, "/projects/1/members", &stranger);
    assert_eq!((r.status, message(&r)), (404, "404 Project Not Found"));
}

#[test]
fn maintainers_manage_project_members_below_owner() {
    let s = server();
    let maint = member_user(
        &s,
        "maint",
        HolderRef::Project("acme/backend/api"),
        AccessLevel::Maintainer,
    );
    let dev = member_user(
        &s,
        "dev",
        HolderRef::Project("acme/backend/api"),
        AccessLevel::Developer,
    );
    let carol = user(&s, "carol", false);
    let carol_id = get(&s, "/users?username=carol", &maint).body[0]["id"]
        .as_i64()
        .unwrap();
    // before: carol cannot see the private project
    assert_eq!(get(&s, "/projects/1", &carol).status, 404);
    let r = post(
        &s,
        "/projects/1/members",
        &maint,
        json!({"user_id": carol_id, "access_level": 20}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (&r.body["username"], &r.body["access_level"]),
        (&json!("carol"), &json!(20))
    );
    assert_eq!(
        get(&s, "/projects/1", &carol).status,
        200,
        "the role works at once"
    );
    let r = post(
        &s,
        "/projects/1/members",
        &maint,
        json!({"username": "carol", "access_level": 30}),
    );
    assert_eq!((r.status, message(&r)), (409, "carol is already a member"));
    let r = put(
        &s,
        &format!("/projects/1/members/{carol_id}"),
        &maint,
        json!({"access_level": 30}),
    );
    assert_eq!((r.status, &r.body["access_level"]), (200, &json!(30)));
    // nobody gives or touches a role above their own
    let r = put(
        &s,
        "/projects/1/members/carol",
        &maint,
        json!({"access_level": 50}),
    );
    assert_eq!((r.status, message(&r)), (403, "403 Forbidden"));
    let r = post(
        &s,
        "/projects/1/members",
        &dev,
        json!({"username": "carol", "access_level": 10}),
    );
    assert_eq!(
        (r.status, message(&r)),
        (403, "403 Forbidden"),
        "developers do not manage members"
    );
    for body in [
        json!({"username": "carol", "access_level": 35}),
        json!({"username": "carol"}),
    ] {
        let r = post(&s, "/projects/1/members", &maint, body.clone());
        assert_eq!(r.status, 400, "{body}");
    }
    let r = post(
        &s,
        "/projects/1/members",
        &maint,
        json!({"access_level": 30}),
    );
    assert_eq!((r.status, error(&r)), (400, "user_id is missing"));
    let r = post(
        &s,
        "/projects/1/members",
        &maint,
        json!({"user_id": 999, "access_level": 30}),
    );
    assert_eq!((r.status, message(&r)), (404, "404 User Not Found"));
    let r = delete(&s, "/projects/1/members/carol", &maint);
    assert_eq!(r.status, 204);
    assert_eq!(
        get(&s, "/projects/1", &carol).status,
        404,
        "the role is gone"
    );
    let r = delete(&s, "/projects/1/members/carol", &maint);
    assert_eq!((r.status, message(&r)), (404, "404 Member Not Found"));
}

#[test]
fn owners_manage_group_members() {
    let s = server();
    let owner = member_user(&s, "owner", HolderRef::Group("acme"), AccessLevel::Owner);
    let maint = member_user(
        &s,
        "maint",
        HolderRef::Group("acme"),
        AccessLevel::Maintainer,
    );
    user(&s, "carol", false);
    let r = post(
        &s,
        "/groups/acme/members",
        &maint,
        json!({"username": "carol", "access_level": 30}),
    );
    assert_eq!((r.status, message(&r)), (403, "403 Forbidden"));
    let r = post(
        &s,
        "/groups/acme/members",
        &owner,
        json!({"username": "carol", "access_level": 50}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = put(
        &s,
        "/groups/acme/members/maint",
        &owner,
        json!({"access_level": 20}),
    );
    assert_eq!(r.status, 200);
    let r = delete(&s, "/groups/acme/members/carol", &owner);
    assert_eq!(r.status, 204);
    let r = call(
        &s,
        "DELETE",
        "/groups/acme/members/maint",
        Auth::None,
        Body::None,
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        column(&get(&s, "/groups/acme/members", &owner), "username"),
        vec![json!("maint"), json!("owner")]
    );
}
