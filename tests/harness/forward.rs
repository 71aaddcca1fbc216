//! What a reverse proxy sends to `/auth/forward` and what it gets back.

use super::TestServer;
use reqwest::blocking::RequestBuilder;

/// What a proxy gets back.
pub struct Answer {
    pub status: u16,
    pub challenge: Option<String>,
    pub reason: Option<String>,
    pub user: Option<String>,
    pub project: Option<String>,
    pub token_id: Option<String>,
    pub body: String,
}

pub fn answer(req: RequestBuilder) -> Answer {
    let res = req.send().unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    Answer {
        status: res.status().as_u16(),
        challenge: header("www-authenticate"),
        reason: header("x-regauth-reason"),
        user: header("x-regauth-user"),
        project: header("x-regauth-project"),
        token_id: header("x-regauth-token-id"),
        body: res.text().unwrap(),
    }
}

/// The request nginx's `auth_request` makes: a GET with the original method and URI.
pub fn nginx(s: &TestServer, method: &str, uri: &str, creds: Option<(&str, &str)>) -> Answer {
    let mut req = s
        .http
        .get(s.url("/auth/forward"))
        .header("X-Original-Method", method)
        .header("X-Original-URI", uri);
    if let Some((u, p)) = creds {
        req = req.basic_auth(u, Some(p));
    }
    answer(req)
}
