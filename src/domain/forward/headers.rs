//! Which headers name the original request: only the family the proxy in front sets, as
//! configured. A proxy may pass the client's own headers on to the check (Caddy, Traefik), so
//! a request whose other family is present and says something else is refused: whichever
//! family is configured, a client can only repeat what the proxy set, never choose it.

use std::fmt;
use std::str::FromStr;

/// A pair of headers carrying the original method and URI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HeaderFamily {
    /// `X-Original-Method` and `X-Original-URI`, set by nginx `auth_request` as configured in
    /// the samples.
    #[default]
    XOriginal,
    /// `X-Forwarded-Method` and `X-Forwarded-Uri`, set by Caddy `forward_auth` and Traefik
    /// `forwardAuth`.
    XForwarded,
}

impl HeaderFamily {
    /// The header holding the original method.
    pub fn method_header(self) -> &'static str {
        match self {
            HeaderFamily::XOriginal => "X-Original-Method",
            HeaderFamily::XForwarded => "X-Forwarded-Method",
        }
    }

    /// The header holding the original URI (path and query).
    pub fn uri_header(self) -> &'static str {
        match self {
            HeaderFamily::XOriginal => "X-Original-URI",
            HeaderFamily::XForwarded => "X-Forwarded-Uri",
        }
    }

    /// The family that is not trusted.
    fn other(self) -> HeaderFamily {
        match self {
            HeaderFamily::XOriginal => HeaderFamily::XForwarded,
            HeaderFamily::XForwarded => HeaderFamily::XOriginal,
        }
    }
}

/// Every header either family uses, for callers that gather their values.
pub const PROXY_HEADERS: [&str; 4] = [
    "X-Original-Method",
    "X-Original-URI",
    "X-Forwarded-Method",
    "X-Forwarded-Uri",
];

impl FromStr for HeaderFamily {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "x-original" => Ok(HeaderFamily::XOriginal),
            "x-forwarded" => Ok(HeaderFamily::XForwarded),
            _ => Err(format!(
                "{s:?} is not x-original (nginx) or x-forwarded (Caddy, Traefik)"
            )),
        }
    }
}

impl fmt::Display for HeaderFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeaderFamily::XOriginal => "x-original",
            HeaderFamily::XForwarded => "x-forwarded",
        })
    }
}

/// The original method and URI, as the trusted headers name them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Original {
    /// The method, as sent.
    pub method: String,
    /// Path and query, as sent.
    pub uri: String,
}

/// Headers that cannot be trusted to name the original request: a 400, since a proxy set up
/// as documented never sends them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HeaderError(String);

/// Read the original request from `family`'s headers; `values(name)` gives every value of a
/// header (names as in [`PROXY_HEADERS`]). Refused: a repeated header, a missing method or
/// URI, and a header of the other family that disagrees with its trusted twin.
pub fn original<'v>(
    family: HeaderFamily,
    values: impl Fn(&str) -> Vec<&'v str>,
) -> Result<Original, HeaderError> {
    let single = |name: &str| match values(name).as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(HeaderError(format!("header {name} appears more than once"))),
    };
    for name in PROXY_HEADERS {
        single(name)?;
    }
    let (method, uri) = (family.method_header(), family.uri_header());
    let (Some(method_value), Some(uri_value)) = (single(method)?, single(uri)?) else {
        return Err(HeaderError(format!(
            "{method} and {uri} are required: regauth trusts the {family} headers \
             (REGAUTH_FORWARD_AUTH_HEADERS)"
        )));
    };
    let other = family.other();
    for (trusted, theirs, value) in [
        (method, other.method_header(), method_value),
        (uri, other.uri_header(), uri_value),
    ] {
        if single(theirs)?.is_some_and(|v| v != value) {
            return Err(HeaderError(format!(
                "header {theirs} disagrees with {trusted}: regauth trusts only {trusted} \
                 (REGAUTH_FORWARD_AUTH_HEADERS={family})"
            )));
        }
    }
    Ok(Original {
        method: method_value.to_owned(),
        uri: uri_value.to_owned(),
    })
}

#[cfg(test)]
#[path = "headers_tests.rs"]
mod tests;
