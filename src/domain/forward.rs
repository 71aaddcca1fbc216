//! Forward authentication: a reverse proxy asks whether a request may reach a Git or package
//! server. The original method and URI name a project and an operation; a deploy token is
//! judged by the registry's coverage rules and the scope that operation needs, a user by
//! their role on the project and their personal access token's scope.
//!
//! The URI is read the way nginx reads it (percent-decoded, slashes merged, dot segments
//! resolved) so that the project checked here is the project the backend serves. Git routes
//! read the project as git http-backend does, up to the last `.git/`; other readings are
//! nested paths of which at most one is a project (package servers serve the project regauth
//! names in its answer).

use super::namespace::NamespacePath;
use super::role::AccessLevel;
use super::token::TokenScope;
use std::fmt;
use std::str::FromStr;

mod decision;
mod headers;
mod uri;

pub use decision::{Allowed, EXTERNAL_AUTHORIZATION_REFUSAL, GIT_PUSH_REFUSAL, decide};
pub use headers::{HeaderError, HeaderFamily, Original, PROXY_HEADERS, original};
pub use uri::{UriError, normalize};

/// The placeholder a route pattern holds exactly once.
pub const PROJECT_PLACEHOLDER: &str = "{project}";

/// What kind of server a route guards; it decides how method and path map to an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteKind {
    /// Git smart HTTP (`info/refs`, `git-upload-pack`, `git-receive-pack`).
    Git,
    /// A package registry: reads are GET/HEAD/OPTIONS, everything else writes.
    Package,
}

impl FromStr for RouteKind {
    type Err = RouteError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "git" => Ok(RouteKind::Git),
            "package" => Ok(RouteKind::Package),
            _ => Err(RouteError(format!(
                "unknown kind {s:?}: expected git or package"
            ))),
        }
    }
}

impl fmt::Display for RouteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RouteKind::Git => "git",
            RouteKind::Package => "package",
        })
    }
}

/// A route pattern that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RouteError(String);

/// A guarded layout: `prefix {project} suffix`, then anything. The project may span several
/// path segments (`/{project}.git/` matches `/g/sub/p.git/info/refs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    prefix: String,
    suffix: String,
    kind: RouteKind,
}

impl Route {
    /// Validate a pattern: it starts with `/`, holds `{project}` exactly once, and something
    /// literal follows the placeholder (otherwise the project's end could not be found).
    pub fn parse(pattern: &str, kind: RouteKind) -> Result<Route, RouteError> {
        let fail = |why: &str| Err(RouteError(format!("pattern {pattern:?} {why}")));
        if !pattern.starts_with('/') {
            return fail("must start with '/'");
        }
        if pattern.matches(PROJECT_PLACEHOLDER).count() != 1 {
            return fail("must contain {project} exactly once");
        }
        let (prefix, suffix) = pattern
            .split_once(PROJECT_PLACEHOLDER)
            .expect("counted above");
        if suffix.is_empty() {
            return fail("needs literal text after {project}, e.g. \".git/\" or \"/packages/\"");
        }
        Ok(Route {
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
            kind,
        })
    }

    /// The kind of server behind this route.
    pub fn kind(&self) -> RouteKind {
        self.kind
    }

    /// Whether only the longest reading of a URI counts. git http-backend serves the
    /// directory before the service path (`info/refs`, `git-upload-pack`, `objects/…`, none
    /// holding `.git/`), so when the suffix ends inside a component (`.git/`) the project ends
    /// at its last occurrence; when that reading names no valid project, neither does the URI.
    /// A suffix starting with `/` splits at component boundaries: its readings are nested
    /// paths, of which at most one is a project.
    fn reads_longest(&self) -> bool {
        self.kind == RouteKind::Git && !self.suffix.starts_with('/')
    }

    /// The pattern text, as configured.
    pub fn pattern(&self) -> String {
        format!("{}{PROJECT_PLACEHOLDER}{}", self.prefix, self.suffix)
    }
}

/// GitLab's layouts: `/<project>.git/…` for Git and `/api/v4/projects/<id or path>/packages/…`.
pub fn default_routes() -> Vec<Route> {
    vec![
        Route::parse("/{project}.git/", RouteKind::Git).expect("valid default"),
        Route::parse("/api/v4/projects/{project}/packages/", RouteKind::Package)
            .expect("valid default"),
    ]
}

/// What a request wants to do to a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Clone or fetch.
    GitRead,
    /// Push (`git-receive-pack`) or any other write to a repository.
    GitPush,
    /// Download or list packages.
    PackageRead,
    /// Upload or delete packages.
    PackageWrite,
}

impl Operation {
    /// The deploy-token scope that allows it; `None` when no scope does.
    pub fn required_scope(self) -> Option<TokenScope> {
        match self {
            Operation::GitRead => Some(TokenScope::ReadRepository),
            Operation::GitPush => None,
            Operation::PackageRead => Some(TokenScope::ReadPackageRegistry),
            Operation::PackageWrite => Some(TokenScope::WritePackageRegistry),
        }
    }

    /// Whether it only reads (public projects allow reads to anyone).
    pub fn is_read(self) -> bool {
        matches!(self, Operation::GitRead | Operation::PackageRead)
    }

    /// The role a user needs on a private project: Reporter to read, Developer to write.
    pub fn minimum_role(self) -> AccessLevel {
        if self.is_read() {
            AccessLevel::Reporter
        } else {
            AccessLevel::Developer
        }
    }

    /// Words for messages ("clone or fetch", …).
    pub fn describe(self) -> &'static str {
        match self {
            Operation::GitRead => "clone or fetch",
            Operation::GitPush => "push",
            Operation::PackageRead => "read packages",
            Operation::PackageWrite => "publish or delete packages",
        }
    }
}

/// How a URI names its project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProjectKey {
    /// A full path (`g/p`).
    Path(String),
    /// A numeric id (package routes, as GitLab's `:id`).
    Id(i64),
}

impl fmt::Display for ProjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProjectKey::Path(p) => f.write_str(p),
            ProjectKey::Id(id) => write!(f, "{id}"),
        }
    }
}

/// One reading of a URI: this project, this operation. A URI may allow several readings
/// when the route's suffix starts with `/` and occurs more than once; at most one names an
/// existing project, because a project path is never a prefix of another project's path. A
/// Git route whose suffix ends inside a component (`.git/`) gives at most one: the longest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The project named.
    pub project: ProjectKey,
    /// What the request does to it.
    pub operation: Operation,
}

/// Every reading of `method uri` under the first route that yields one; empty when no
/// route applies.
pub fn targets(routes: &[Route], method: &str, uri: &str) -> Result<Vec<Target>, UriError> {
    let (path, query) = normalize(uri)?;
    let method = method.to_ascii_uppercase();
    let receive_pack = asks_receive_pack(query.unwrap_or(""));
    for route in routes {
        let mut splits: Vec<(&str, &str)> = captures(route, &path).collect();
        if route.reads_longest() {
            splits.drain(..splits.len().saturating_sub(1));
        }
        let found: Vec<Target> = splits
            .into_iter()
            .filter_map(|(capture, tail)| {
                let project = project_key(capture, route.kind)?;
                let operation = match route.kind {
                    RouteKind::Git => git_operation(&method, tail, receive_pack),
                    RouteKind::Package => package_operation(&method),
                };
                Some(Target { project, operation })
            })
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Ok(Vec::new())
}

/// Every `(project text, rest of the path)` split of `path` that fits `route`.
fn captures<'p>(route: &Route, path: &'p str) -> impl Iterator<Item = (&'p str, &'p str)> {
    let rest = path.strip_prefix(route.prefix.as_str()).unwrap_or("");
    let suffix = route.suffix.as_str();
    rest.match_indices(suffix)
        .filter(|(at, _)| *at > 0)
        .map(move |(at, _)| (&rest[..at], &rest[at + suffix.len()..]))
}

/// A captured project: a valid namespace path, or (package routes) a numeric id.
fn project_key(capture: &str, kind: RouteKind) -> Option<ProjectKey> {
    if kind == RouteKind::Package && capture.bytes().all(|b| b.is_ascii_digit()) {
        return capture.parse().ok().map(ProjectKey::Id);
    }
    NamespacePath::parse(capture)
        .ok()
        .map(|p| ProjectKey::Path(p.as_str().to_owned()))
}

/// Git: receive-pack (either step), and writes other than the two read-only POSTs
/// (upload-pack and the LFS batch negotiation), are pushes; everything else reads.
fn git_operation(method: &str, tail: &str, receive_pack: bool) -> Operation {
    let last = tail.rsplit('/').next().unwrap_or("");
    let read_post = last == "git-upload-pack" || tail.ends_with("info/lfs/objects/batch");
    let writes = last == "git-receive-pack"
        || receive_pack
        || match method {
            "GET" | "HEAD" | "OPTIONS" => false,
            "POST" => !read_post,
            _ => true,
        };
    if writes {
        Operation::GitPush
    } else {
        Operation::GitRead
    }
}

fn package_operation(method: &str) -> Operation {
    match method {
        "GET" | "HEAD" | "OPTIONS" => Operation::PackageRead,
        _ => Operation::PackageWrite,
    }
}

/// Whether any `service` query parameter asks for receive-pack (any, not the first: which
/// one the backend honours is its business). Decoding is lossy, never an error.
fn asks_receive_pack(query: &str) -> bool {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs
        .iter()
        .any(|(k, v)| k == "service" && v == "git-receive-pack")
}

#[cfg(test)]
#[path = "forward_tests.rs"]
mod tests;
