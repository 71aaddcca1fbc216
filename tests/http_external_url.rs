//! Absolute URLs regauth writes (`web_url`, the pagination `Link`) start with the configured
//! external URL, or the listen address by default; `Host`, `X-Forwarded-Host`,
//! `X-Forwarded-Proto` and `Forwarded` from a client change nothing.

mod api_harness;
mod harness;

use harness::{Network, TestServer, unthrottled};
use regauth::app::namespaces::HolderRef;
use regauth::domain::client::TrustedProxies;
use regauth::domain::external_url::ExternalUrl;
use reqwest::blocking::RequestBuilder;
use serde_json::Value;

/// Header sets a client might send to choose the URLs it is given.
const SPOOFS: &[&[(&str, &str)]] = &[
    &[],
    &[
        ("X-Forwarded-Proto", "javascript"),
        ("X-Forwarded-Host", "evil.example"),
    ],
    &[("Host", "evil.example")],
    &[("Forwarded", "proto=javascript;host=evil.example")],
    &[
        ("Host", "evil.example:1"),
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Proto", "https"),
    ],
];

fn start(external_url: Option<&str>) -> (TestServer, String) {
    let s = TestServer::start_network(Network {
        external_url: external_url.map(|u| ExternalUrl::parse(u).unwrap()),
        // Even a trusted proxy is never asked for the URL.
        trusted_proxies: TrustedProxies::parse("127.0.0.0/8").unwrap(),
        ..unthrottled()
    });
    s.seed();
    for _ in 0..25 {
        s.token(HolderRef::Project("other/app"), &["read_registry"]);
    }
    let root = api_harness::user(&s, "root", true);
    (s, root)
}

fn with(req: RequestBuilder, headers: &[(&str, &str)]) -> RequestBuilder {
    headers.iter().fold(req, |req, (k, v)| req.header(*k, *v))
}

/// `web_url` of a project, a group and the user, and the `Link` of a paginated list.
fn urls(s: &TestServer, root: &str, headers: &[(&str, &str)]) -> (Vec<String>, String) {
    let get = |path: &str| {
        with(s.http.get(s.url(&format!("/api/v4{path}"))), headers)
            .header("PRIVATE-TOKEN", root)
            .send()
            .unwrap()
    };
    let web_urls = ["/projects/acme%2Fpub", "/groups/acme", "/user"]
        .iter()
        .map(|path| {
            let body: Value = get(path).json().unwrap();
            body["web_url"].as_str().unwrap().to_owned()
        })
        .collect();
    let res = get("/deploy_tokens?per_page=10");
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    (web_urls, link)
}

#[test]
fn the_configured_external_url_is_the_base_of_every_url() {
    let (s, root) = start(Some("https://gitlab.example.com/prefix/"));
    for headers in SPOOFS {
        let (web_urls, link) = urls(&s, &root, headers);
        assert_eq!(
            web_urls,
            [
                "https://gitlab.example.com/prefix/acme/pub",
                "https://gitlab.example.com/prefix/groups/acme",
                "https://gitlab.example.com/prefix/root",
            ],
            "{headers:?}"
        );
        let next = "<https://gitlab.example.com/prefix/api/v4/deploy_tokens?page=2&per_page=10>; \
                    rel=\"next\"";
        assert!(link.contains(next), "{headers:?}: {link}");
        assert!(
            !link.contains("evil") && !link.contains("javascript"),
            "{link}"
        );
    }
}

#[test]
fn by_default_the_base_is_the_listen_address() {
    let (s, root) = start(None);
    for headers in SPOOFS {
        let (web_urls, link) = urls(&s, &root, headers);
        assert_eq!(web_urls[0], s.url("/acme/pub"), "{headers:?}");
        let first = format!(
            "<{}>; rel=\"first\"",
            s.url("/api/v4/deploy_tokens?page=1&per_page=10")
        );
        assert!(link.contains(&first), "{headers:?}: {link}");
    }
}
