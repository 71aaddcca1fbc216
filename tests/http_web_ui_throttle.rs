//! Failed sign-ins share the server's login throttle: past the limit a client and username
//! get 429 with `Retry-After`, and while throttled even the right password is refused (a
//! password, unlike a token, can be guessed); the ban lifts on the manual clock, and another
//! username from the same client is not affected. Behind an https external URL the web UI's
//! cookies are `Secure`.

mod harness;

use harness::ui::{PASSWORD, Visitor, person};
use harness::{TestServer, unthrottled};
use regauth::config::network::Network;
use regauth::domain::external_url::ExternalUrl;
use regauth::domain::throttle::Policy;
use time::Duration;

fn throttled_server() -> TestServer {
    let server = TestServer::start_network(Network {
        throttle: Policy {
            max_failures: 3,
            window: Duration::seconds(60),
            ban: Duration::seconds(600),
        },
        ..unthrottled()
    });
    person(&server, "alice", false, None);
    person(&server, "bob", false, None);
    server
}

#[test]
fn failed_sign_ins_are_throttled_and_then_even_the_right_password_waits() {
    let server = throttled_server();
    let mut v = Visitor::new(&server);
    for attempt in 1..=3 {
        let page = v.sign_in_with("alice", "wrong password");
        assert_eq!(page.status, 401, "attempt {attempt}");
    }
    let throttled = v.sign_in_with("alice", "wrong password");
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.header("retry-after"), "600");
    assert!(throttled.body.contains("Too many failed sign-ins"));
    let right = v.sign_in_with("alice", PASSWORD);
    assert_eq!(
        right.status, 429,
        "the password is not checked while throttled"
    );
    assert!(v.session().is_none());
    assert_eq!(
        v.sign_in_with("bob", PASSWORD).status,
        303,
        "other usernames sign in"
    );

    server.clock.set(server.app.now() + Duration::seconds(601));
    let mut later = Visitor::new(&server);
    assert_eq!(
        later.sign_in_with("alice", PASSWORD).status,
        303,
        "the ban lifts"
    );
}

#[test]
fn behind_an_https_external_url_cookies_are_secure() {
    let server = TestServer::start_network(Network {
        external_url: Some(ExternalUrl::parse("https://regauth.example.com").unwrap()),
        ..unthrottled()
    });
    person(&server, "alice", false, None);
    let mut v = Visitor::new(&server);
    let form = v.get("/users/sign_in");
    let page = v.sign_in_with("alice", PASSWORD);
    for cookie in form.set_cookies().into_iter().chain(page.set_cookies()) {
        assert!(cookie.contains("; Secure"), "{cookie}");
    }
    assert_eq!(page.status, 303);
}
