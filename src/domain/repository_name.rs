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
    let path = path_pattern();
    let label = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    let host = format!(r"(?:{label}(?:\.{label})*|\[[a-fA-F0-9:]+\])");
    let pattern = format!("^(?:({host}(?::[0-9]+)?)/)?({path})$");
    Regex::new(&pattern).expect("the repository name grammar is a valid regex")
});

/// A path alone, without a host prefix: what project paths and repository patterns are.
static PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!("^{}$", path_pattern())).expect("the path grammar is a valid regex")
});

/// Path components of the registry's grammar separated by single `/`.
fn path_pattern() -> String {
    let component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    format!("{component}(?:/{component})*")
}

/// Whether `path` is a repository path without a host prefix (at most
/// [`MAX_PATH_LENGTH`] characters): what a repository pattern names.
pub fn is_repository_path(path: &str) -> bool {
    path.len() <= MAX_PATH_LENGTH && PATH.is_match(path)
}

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

    #[test]
    fn paths_have_no_host_prefix() {
        for ok in [
            "a",
            "acme/app/web",
            "a.b/c_d/e__f",
            "registry.example.com/g",
        ] {
            assert!(is_repository_path(ok), "{ok:?}");
        }
        for bad in [
            "localhost:5000/g/p",
            "Acme/app",
            "[::1]:5000/g/p",
            "acme/app/",
            "*",
            "",
        ] {
            assert!(!is_repository_path(bad), "{bad:?} should fail");
        }
        assert!(is_repository_path(&"a".repeat(255)));
        assert!(!is_repository_path(&"a".repeat(256)));
    }
}
