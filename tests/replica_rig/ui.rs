//! The web UI as a browser without JavaScript uses it, against one replica at a time: a
//! session made on one replica is a cookie, and any replica may be sent it next.

use reqwest::blocking::{Client, Response};
use reqwest::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};

/// A browser's HTTP client: accepts HTML, follows no redirects (the tests read them).
fn browser() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("build HTTP client")
}

/// The value of cookie `name` that `response` sets.
fn set_cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|line| line.split(';').next()?.split_once('='))
        .find(|(n, v)| *n == name && !v.is_empty())
        .map(|(_, v)| v.to_owned())
}

/// The first form token of a page.
fn form_token(body: &str) -> String {
    let re = regex::Regex::new(r#"name="authenticity_token" value="([^"]+)""#).unwrap();
    re.captures(body)
        .unwrap_or_else(|| panic!("no form token on the page:\n{body}"))[1]
        .to_owned()
}

/// Signs in through the form at `base`; the session cookie's value.
pub fn sign_in(base: &str, username: &str, password: &str) -> String {
    let client = browser();
    let form = client
        .get(format!("{base}/users/sign_in"))
        .header(ACCEPT, "text/html")
        .send()
        .expect("GET /users/sign_in");
    let pre = set_cookie(&form, "regauth_sign_in").expect("pre-session cookie");
    let token = form_token(&form.text().unwrap());
    let answer = client
        .post(format!("{base}/users/sign_in"))
        .header(ACCEPT, "text/html")
        .header(COOKIE, format!("regauth_sign_in={pre}"))
        .form(&[
            ("authenticity_token", token.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .expect("POST /users/sign_in");
    assert_eq!(answer.status(), 303, "sign-in of {username} at {base}");
    set_cookie(&answer, "regauth_session").expect("session cookie")
}

/// `GET path` at `base` with the session: the status, where a redirect goes, the body.
pub fn page(base: &str, path: &str, session: &str) -> (u16, String, String) {
    let response = browser()
        .get(format!("{base}{path}"))
        .header(ACCEPT, "text/html")
        .header(COOKIE, format!("regauth_session={session}"))
        .send()
        .expect("GET a UI page");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, response.text().unwrap_or_default())
}

/// Signs out at `base` with the dashboard's form token (the Sign out button).
pub fn sign_out(base: &str, session: &str) {
    let (status, _, body) = page(base, "/", session);
    assert_eq!(status, 200, "dashboard before signing out at {base}");
    let answer = browser()
        .post(format!("{base}/users/sign_out"))
        .header(ACCEPT, "text/html")
        .header(COOKIE, format!("regauth_session={session}"))
        .form(&[("authenticity_token", form_token(&body))])
        .send()
        .expect("POST /users/sign_out");
    assert_eq!(answer.status(), 303, "sign-out at {base}");
}
