//! Helpers for the `/api/v4` tests on top of the in-process test server: people with
//! personal access tokens and roles, and one call function that returns what a client sees.
#![allow(dead_code)]

use super::harness::TestServer;
use regauth::app::namespaces::HolderRef;
use regauth::app::users::CreatePersonalToken;
use regauth::domain::role::AccessLevel;
use reqwest::blocking::RequestBuilder;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// Nothing.
    None,
    /// `PRIVATE-TOKEN: …`.
    Private(&'a str),
    /// `Authorization: Bearer …`.
    Bearer(&'a str),
    /// HTTP Basic.
    Basic(&'a str, &'a str),
}

/// What a request sends.
pub enum Body<'a> {
    /// Nothing.
    None,
    /// A JSON document (python-gitlab).
    Json(Value),
    /// A form (curl `--data`).
    Form(&'a [(&'a str, &'a str)]),
    /// Raw bytes with a content type.
    Raw(&'a str, String),
}

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// A response header as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Call `METHOD /api/v4{path}`.
pub fn call(s: &TestServer, method: &str, path: &str, auth: Auth<'_>, body: Body<'_>) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req: RequestBuilder = s.http.request(method, s.url(&format!("/api/v4{path}")));
    req = match auth {
        Auth::None => req,
        Auth::Private(t) => req.header("PRIVATE-TOKEN", t),
        Auth::Bearer(t) => req.bearer_auth(t),
        Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
    };
    req = match body {
        Body::None => req,
        Body::Json(v) => req.json(&v),
        Body::Form(f) => req.form(f),
        Body::Raw(content_type, text) => req.header("Content-Type", content_type).body(text),
    };
    let res = req.send().unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"))
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// `GET` with a personal access token.
pub fn get(s: &TestServer, path: &str, token: &str) -> Reply {
    call(s, "GET", path, Auth::Private(token), Body::None)
}

/// `POST` a JSON body with a personal access token.
pub fn post(s: &TestServer, path: &str, token: &str, body: Value) -> Reply {
    call(s, "POST", path, Auth::Private(token), Body::Json(body))
}

/// `PUT` a JSON body with a personal access token.
pub fn put(s: &TestServer, path: &str, token: &str, body: Value) -> Reply {
    call(s, "PUT", path, Auth::Private(token), Body::Json(body))
}

/// The values of `key` in a list answer, in order.
pub fn column(reply: &Reply, key: &str) -> Vec<Value> {
    let items = reply
        .body
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {:?}", reply.body));
    items.iter().map(|item| item[key].clone()).collect()
}

/// `DELETE` with a personal access token.
pub fn delete(s: &TestServer, path: &str, token: &str) -> Reply {
    call(s, "DELETE", path, Auth::Private(token), Body::None)
}

/// Create a user and return their first token (scope `api`).
pub fn user(s: &TestServer, name: &str, admin: bool) -> String {
    let created = s.app.create_user(name, admin).unwrap();
    created.first_token.secret.expose().to_owned()
}

/// Another token for an existing user.
pub fn token(s: &TestServer, name: &str, scopes: &[&str], expires_at: Option<&str>) -> String {
    let created = s
        .app
        .create_personal_token(
            name,
            &CreatePersonalToken {
                name: "test",
                scopes: scopes.to_vec(),
                expires_at,
            },
        )
        .unwrap();
    created.secret.expose().to_owned()
}

/// Give `name` a role.
pub fn member(s: &TestServer, holder: HolderRef<'_>, name: &str, level: AccessLevel) {
    s.app.add_member(holder, name, level).unwrap();
}

/// A user with `level` on `holder`; returns their `api` token.
pub fn member_user(
    s: &TestServer,
    name: &str,
    holder: HolderRef<'_>,
    level: AccessLevel,
) -> String {
    let t = user(s, name, false);
    member(s, holder, name, level);
    t
}

/// The `message` of a GitLab error body.
pub fn message(reply: &Reply) -> &str {
    reply.body["message"].as_str().unwrap_or_default()
}

/// The `error` of a GitLab error body.
pub fn error(reply: &Reply) -> &str {
    reply.body["error"].as_str().unwrap_or_default()
}
