//! Repository names in scopes follow the distribution registry's name grammar, and nothing
//! else reaches authorization: lowercase path components of letters and digits, joined by
//! `.`, `_`, `__` or dashes, separated by single `/`, at most 255 characters, optionally
//! after a `host[:port]/` prefix (capitals allowed there, as in host names). So `..`,
//! empty components, capitals in the path, spaces and control characters never get as far
//! as a project lookup.

use regex::Regex;
use std::sync::LazyLock;

/// The longest repository path (without its host prefix) the registry accepts.
pub const MAX_PATH_LENGTH: usize = 255;

/// `[host[:port]/]path`: group 1 is the host prefix, group 2 the path. Written after the
/// grammar of the `distribution/reference` package; the regex engine tries every reading,
/// and its leftmost-first captures pick the same one as the registry's.
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    let component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    let path = format!("{component}(?:/{component})*");
    let label = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    let host = format!(r"(?:{label}(?:\.{label})*|\[[a-fA-F0-9:]+\])");
    let pattern = format!("^(?:({host}(?::[0-9]+)?)/)?({path})$");
    Regex::new(&pattern).expect("the repository name grammar is a valid regex")
});

/// Whether `name` is a repository name the registry could ask about.
pub fn is_repository_name(name: &str) -> bool {
    NAME.captures(name)
        .and_then(|c| c.get(2))
        .is_some_and(|path| path.as_str().len() <= MAX_PATH_LENGTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_the_grammar_pass() {
        for ok in [
            "a",
            "acme/app",
            "acme/backend/api",
            "g/p/a/b",
            "my-group/my--app",
            "a.b/c_d/e__f",
            "acme/dependency_proxy/containers/alpine",
            "library/alpine",
            "0/9",
            "localhost:5000/g/p",
            "127.0.0.1:5000/g/p",
            "Registry.Example.com/g/p",
            // A first component with capitals can only be a host (no project is named so).
            "Acme/app",
            "[::1]:5000/g/p",
        ] {
            assert!(is_repository_name(ok), "{ok:?}");
        }
        assert!(is_repository_name(&"a".repeat(255)));
        assert!(is_repository_name(&format!("host:1/{}", "a".repeat(255))));
    }

    #[test]
    fn anything_else_fails() {
        for bad in [
            "",
            "/",
            "/acme/app",
            "acme/app/",
            "acme//app",
            "..",
            "../acme/app",
            "acme/../other/app",
            "acme/./app",
            "acme/App",
            "Acme/App",
            "acme/app.",
            "acme/-app",
            "acme/_app",
            "acme/a___b",
            "acme/a._b",
            "acme/a b",
            "acme/a\tb",
            "acme/a\nb",
            "acme/a\u{0}b",
            "acme/a\u{7f}b",
            "acme/äpp",
            "acme/app:tag",
            "acme/app@sha256",
            "host:port/g/p",
            "-host/g/p",
            "acme\\app",
        ] {
            assert!(!is_repository_name(bad), "{bad:?} should fail");
        }
        assert!(!is_repository_name(&"a".repeat(256)));
    }
}
