//! The public base URL (`external_url`) that every absolute URL regauth writes starts with.
//! It comes from configuration only, never from a request's `Host` or `X-Forwarded-*`
//! headers, which any client can set; it is `http` or `https`, with a host, and no query,
//! fragment or credentials.

use std::net::SocketAddr;

/// A validated base URL without a trailing slash (`https://gitlab.example.com`,
/// `https://example.com/regauth`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalUrl(String);

impl ExternalUrl {
    /// Check and normalise a configured base URL.
    pub fn parse(text: &str) -> Result<ExternalUrl, String> {
        let url = url::Url::parse(text.trim()).map_err(|e| {
            format!("{text:?} is not a URL such as https://gitlab.example.com ({e})")
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{text:?} must start with http:// or https://"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("{text:?} has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("{text:?} must not have a query or fragment"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("{text:?} must not hold credentials"));
        }
        Ok(ExternalUrl(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// The default when none is configured: `http://` and the address regauth listens on
    /// (`localhost` for a wildcard address, where no single address is right).
    pub fn from_listen(addr: SocketAddr) -> ExternalUrl {
        let host = match addr {
            a if a.ip().is_unspecified() => format!("localhost:{}", a.port()),
            a => a.to_string(),
        };
        ExternalUrl(format!("http://{host}"))
    }

    /// This base followed by `path` (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// The base itself, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ExternalUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_and_normalised() {
        let cases = [
            ("https://gitlab.example.com", "https://gitlab.example.com"),
            ("https://gitlab.example.com/", "https://gitlab.example.com"),
            ("HTTP://Example.COM:8080/", "http://example.com:8080"),
            (
                "https://example.com/regauth/",
                "https://example.com/regauth",
            ),
            ("http://[::1]:5001", "http://[::1]:5001"),
        ];
        for (text, want) in cases {
            let url = ExternalUrl::parse(text).unwrap();
            assert_eq!(url.as_str(), want, "{text}");
        }
        let url = ExternalUrl::parse("https://example.com/r").unwrap();
        assert_eq!(url.join("/g/p"), "https://example.com/r/g/p");
    }

    #[test]
    fn refused() {
        for text in [
            "javascript://evil.example/",
            "ftp://example.com",
            "example.com",
            "https://example.com/?a=1",
            "https://example.com/#x",
            "https://user:pw@example.com",
            "file:///etc/passwd",
            "",
        ] {
            assert!(ExternalUrl::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn default_from_the_listen_address() {
        let cases = [
            ("127.0.0.1:5001", "http://127.0.0.1:5001"),
            ("0.0.0.0:5001", "http://localhost:5001"),
            ("[::]:80", "http://localhost:80"),
            ("[::1]:5001", "http://[::1]:5001"),
        ];
        for (addr, want) in cases {
            let url = ExternalUrl::from_listen(addr.parse().unwrap());
            assert_eq!(url.as_str(), want, "{addr}");
        }
    }
}
