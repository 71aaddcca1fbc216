//! A browser without a browser, for the web UI's HTTP-level tests: a client that keeps the
//! cookies it is given (name → value), follows no redirects, and finds the form token in a
//! page, so each refusal path can be driven exactly.

use super::TestServer;
use regauth::domain::role::AccessLevel;
use reqwest::blocking::{Client, Response};
use std::collections::BTreeMap;

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";

/// One visitor's cookies and client.
pub struct Visitor<'s> {
    server: &'s TestServer,
    client: Client,
    /// The cookies the server set, by name.
    pub cookies: BTreeMap<String, String>,
}

/// What a request answered: status, headers, body.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// A header's value (empty when missing).
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// Every `Set-Cookie` line.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The first form token on the page.
    pub fn form_token(&self) -> String {
        let re = regex::Regex::new(r#"name="authenticity_token" value="([^"]+)""#).unwrap();
        re.captures(&self.body)
            .unwrap_or_else(|| panic!("no form token on the page:\n{}", self.body))[1]
            .to_owned()
    }
}

/// What a browser sends with every navigation: it accepts HTML.
fn browser_headers() -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
    );
    headers
}

impl<'s> Visitor<'s> {
    /// A visitor with no cookies.
    pub fn new(server: &'s TestServer) -> Visitor<'s> {
        Visitor {
            server,
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .default_headers(browser_headers())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn keep(&mut self, res: Response) -> Page {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().unwrap_or_default();
        let page = Page {
            status,
            headers,
            body,
        };
        for line in page.set_cookies() {
            let pair = line.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if value.is_empty() || line.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        page
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// GET `path` with the cookies.
    pub fn get(&mut self, path: &str) -> Page {
        let res = self
            .client
            .get(self.server.url(path))
            .header("Cookie", self.cookie_header())
            .send()
            .unwrap();
        self.keep(res)
    }

    /// POST a form to `path` with the cookies.
    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let res = self
            .client
            .post(self.server.url(path))
            .header("Cookie", self.cookie_header())
            .form(form)
            .send()
            .unwrap();
        self.keep(res)
    }

    /// Sign in through the form as `username`; the answer to the POST.
    pub fn sign_in_with(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/users/sign_in");
        let token = form.form_token();
        self.post(
            "/users/sign_in",
            &[
                ("authenticity_token", &token),
                ("username", username),
                ("password", password),
            ],
        )
    }

    /// Sign in with the test password; fails the test unless it worked.
    pub fn sign_in(&mut self, username: &str) -> &mut Self {
        let page = self.sign_in_with(username, PASSWORD);
        assert_eq!(page.status, 303, "sign-in of {username}: {}", page.body);
        assert_eq!(page.header("location"), "/");
        self
    }

    /// The session cookie, if any.
    pub fn session(&self) -> Option<String> {
        self.cookies.get("regauth_session").cloned()
    }

    /// The form token of the page at `path` (signed in).
    pub fn token_of(&mut self, path: &str) -> String {
        let page = self.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        page.form_token()
    }
}

/// A user with the test password and, optionally, a role on a project.
pub fn person(
    server: &TestServer,
    name: &str,
    admin: bool,
    project_role: Option<(&str, AccessLevel)>,
) {
    server
        .app
        .create_user_with_password(name, admin, Some(PASSWORD))
        .unwrap();
    if let Some((project, level)) = project_role {
        server
            .app
            .add_member(
                regauth::app::namespaces::HolderRef::Project(project),
                name,
                level,
            )
            .unwrap();
    }
}
