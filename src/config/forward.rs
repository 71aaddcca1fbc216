//! The forward-auth and CI settings that are more than a scalar: `[[forward_auth_route]]`
//! tables (pattern and kind, checked by the domain) and the `ci_registry` host. The trusted
//! header family (`forward_auth_headers`) parses with the domain's own words.

use crate::domain::forward::{Route, RouteKind};
use serde::Deserialize;

/// `[[forward_auth_route]]` tables as routes, in order; errors name the entry.
pub(super) fn routes_from_toml(value: toml::Value) -> Result<Vec<Route>, String> {
    tables(value).and_then(routes)
}

/// An array of tables, each deserialized as `T` (unknown fields are errors).
fn tables<T: serde::de::DeserializeOwned>(value: toml::Value) -> Result<Vec<T>, String> {
    value
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_owned())
}

/// One `[[forward_auth_route]]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteTable {
    pattern: String,
    kind: String,
}

fn routes(tables: Vec<RouteTable>) -> Result<Vec<Route>, String> {
    tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let kind: RouteKind = t
                .kind
                .parse()
                .map_err(|e| format!("entry {}: {e}", i + 1))?;
            Route::parse(&t.pattern, kind).map_err(|e| format!("entry {}: {e}", i + 1))
        })
        .collect()
}

/// A registry host as image references start with: `host[:port]`, no scheme or path.
pub(super) fn registry_host(value: &str) -> Result<String, String> {
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "{value:?} is not a registry host such as registry.example.com or 127.0.0.1:5000"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;
    use crate::config::tests::env;
    use crate::domain::forward::{HeaderFamily, default_routes};

    #[test]
    fn defaults() {
        let c = Config::load_with(None, env(&[])).unwrap();
        assert!(!c.external_authorization);
        assert_eq!(c.ci_registry, None);
        assert_eq!(c.forward_auth_routes, default_routes());
        assert_eq!(c.forward_auth_headers, HeaderFamily::XOriginal);
    }

    #[test]
    fn forward_auth_headers_from_file_or_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("regauth.toml");
        std::fs::write(&file, "forward_auth_headers = \"x-forwarded\"\n").unwrap();
        let c = Config::load_with(Some(&file), env(&[])).unwrap();
        assert_eq!(c.forward_auth_headers, HeaderFamily::XForwarded);
        let var = "REGAUTH_FORWARD_AUTH_HEADERS";
        let c = Config::load_with(Some(&file), env(&[(var, "x-original")])).unwrap();
        assert_eq!(c.forward_auth_headers, HeaderFamily::XOriginal);
        for bad in ["", "nginx", "X-Original", "both"] {
            let err = Config::load_with(None, env(&[(var, bad)])).unwrap_err();
            let err = err.to_string();
            assert!(
                err.contains(var) && err.contains("x-forwarded"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn forward_auth_routes_and_external_authorization() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("regauth.toml");
        std::fs::write(
            &file,
            "external_authorization = true\nci_registry = \"registry.example.com:5050\"\n\n\
             [[forward_auth_route]]\npattern = \"/git/{project}.git/\"\nkind = \"git\"\n\n\
             [[forward_auth_route]]\npattern = \"/pkg/{project}/\"\nkind = \"package\"\n",
        )
        .unwrap();
        let c = Config::load_with(Some(&file), env(&[])).unwrap();
        assert!(c.external_authorization);
        assert_eq!(c.ci_registry.as_deref(), Some("registry.example.com:5050"));
        let patterns: Vec<String> = c.forward_auth_routes.iter().map(Route::pattern).collect();
        assert_eq!(patterns, ["/git/{project}.git/", "/pkg/{project}/"]);
        assert_eq!(c.forward_auth_routes[1].kind(), RouteKind::Package);
        let off = Config::load_with(
            Some(&file),
            env(&[("REGAUTH_EXTERNAL_AUTHORIZATION", "false")]),
        )
        .unwrap();
        assert!(!off.external_authorization);
    }

    #[test]
    fn bad_routes_name_the_key_and_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("regauth.toml");
        let cases = [
            (
                "pattern = \"/{project}\"\nkind = \"git\"",
                "entry 1: pattern",
            ),
            (
                "pattern = \"/{project}/\"\nkind = \"npm\"",
                "entry 1: unknown kind",
            ),
            (
                "pattern = \"/{project}/\"\nkind = \"git\"\nextra = 1",
                "unknown field",
            ),
            ("kind = \"git\"", "missing field"),
        ];
        for (table, needle) in cases {
            std::fs::write(&file, format!("[[forward_auth_route]]\n{table}\n")).unwrap();
            let err = Config::load_with(Some(&file), env(&[]))
                .unwrap_err()
                .to_string();
            assert!(err.contains("forward_auth_route"), "{err}");
            assert!(err.contains(needle), "{needle}: {err}");
        }
        for (var, value) in [
            ("REGAUTH_CI_REGISTRY", "https://registry.example.com"),
            ("REGAUTH_CI_REGISTRY", "host/path"),
            ("REGAUTH_EXTERNAL_AUTHORIZATION", "sometimes"),
        ] {
            let err = Config::load_with(None, env(&[(var, value)])).unwrap_err();
            assert!(err.to_string().contains(var), "{var}={value}: {err}");
        }
    }
}
