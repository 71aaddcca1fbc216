//! Groups and projects: paths follow the registry's repository-name grammar, so every
//! project path is also a valid image name prefix, and no component ends in `.git` or
//! `.atom` (as GitLab forbids), so a Git or feed address names one project only.

use super::token::Holder;
use std::fmt;
use std::str::FromStr;

/// Why a namespace value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamespaceError {
    /// The path is not a valid lowercase registry path.
    #[error(
        "invalid path {0:?}: use lowercase components separated by '/', each matching [a-z0-9]+([._-][a-z0-9]+)*"
    )]
    InvalidPath(String),
    /// A component ends in a suffix that addresses add (`p.git/…`, `p.atom`).
    #[error(
        "invalid path {0:?}: no component may end in .git or .atom (Git and feed addresses would name two projects)"
    )]
    ReservedSuffix(String),
    /// A visibility word was not one of the three known ones.
    #[error("invalid visibility {0:?}: expected private, internal or public")]
    InvalidVisibility(String),
    /// A registry access word was not one of the three known ones.
    #[error("invalid registry access {0:?}: expected enabled, private or disabled")]
    InvalidRegistryAccess(String),
}

/// A validated group or project path such as `acme/backend/api`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NamespacePath(String);

impl NamespacePath {
    /// Validate `path` against the registry name grammar (at most 255 characters), without
    /// a component ending in a [`RESERVED_SUFFIXES`] entry.
    pub fn parse(path: &str) -> Result<NamespacePath, NamespaceError> {
        let ok = !path.is_empty() && path.len() <= 255 && path.split('/').all(valid_component);
        if !ok {
            return Err(NamespaceError::InvalidPath(path.to_owned()));
        }
        let reserved = |c: &str| RESERVED_SUFFIXES.iter().any(|s| c.ends_with(s));
        if path.split('/').any(reserved) {
            return Err(NamespaceError::ReservedSuffix(path.to_owned()));
        }
        Ok(NamespacePath(path.to_owned()))
    }

    /// The path text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The parent path (`acme/backend` for `acme/backend/api`), `None` at the top.
    pub fn parent(&self) -> Option<NamespacePath> {
        self.0
            .rsplit_once('/')
            .map(|(parent, _)| NamespacePath(parent.to_owned()))
    }

    /// The last component (`api` for `acme/backend/api`).
    pub fn last_component(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for NamespacePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Suffixes no path component may end in: Git addresses append `.git`, feeds `.atom`, so
/// `g/p.git` as a group would make `/g/p.git/x.git/` read as two projects.
pub const RESERVED_SUFFIXES: [&str; 2] = [".git", ".atom"];

/// `[a-z0-9]+` runs joined by one `.`, one or two `_`, or any number of `-`.
fn valid_component(c: &str) -> bool {
    let bytes = c.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// Whether `repository` is `project` itself or a repository below it.
pub fn repository_in(repository: &str, project: &str) -> bool {
    repository == project
        || (repository.len() > project.len()
            && repository.starts_with(project)
            && repository.as_bytes()[project.len()] == b'/')
}

/// Who can see a group or project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Visibility {
    /// Members only.
    #[default]
    Private,
    /// Any signed-in user (not deploy tokens of other projects).
    Internal,
    /// Everyone, anonymous included.
    Public,
}

/// Who can use a project's container registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RegistryAccess {
    /// Follows the project's visibility.
    #[default]
    Enabled,
    /// Only credentials that cover the project, whatever the visibility.
    Private,
    /// Nobody.
    Disabled,
}

macro_rules! word_enum {
    ($ty:ident, $err:ident, $($variant:ident => $word:literal),+) => {
        impl $ty {
            /// The stored and printed spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $word),+ }
            }
        }
        impl FromStr for $ty {
            type Err = NamespaceError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($word => Ok($ty::$variant),)+
                    _ => Err(NamespaceError::$err(s.to_owned())),
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(Visibility, InvalidVisibility, Private => "private", Internal => "internal", Public => "public");
word_enum!(RegistryAccess, InvalidRegistryAccess, Enabled => "enabled", Private => "private", Disabled => "disabled");

/// What authorization needs to know about the project a repository belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectFacts {
    /// Project id.
    pub id: i64,
    /// Full project path.
    pub path: String,
    /// Project visibility.
    pub visibility: Visibility,
    /// Registry access level.
    pub registry: RegistryAccess,
}

/// A stored group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Group id.
    pub id: i64,
    /// Parent group, `None` at the top.
    pub parent_id: Option<i64>,
    /// Full path (`acme/backend`).
    pub path: String,
    /// Display name.
    pub name: String,
    /// Visibility.
    pub visibility: Visibility,
    /// Creation time.
    pub created_at: time::OffsetDateTime,
}

/// A stored project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// Project id.
    pub id: i64,
    /// The group it lives in.
    pub group_id: i64,
    /// Full path (`acme/backend/api`).
    pub path: String,
    /// Display name.
    pub name: String,
    /// Visibility.
    pub visibility: Visibility,
    /// Registry access level.
    pub registry: RegistryAccess,
    /// Creation time.
    pub created_at: time::OffsetDateTime,
}

impl Project {
    /// The part of the project authorization looks at.
    pub fn facts(&self) -> ProjectFacts {
        ProjectFacts {
            id: self.id,
            path: self.path.clone(),
            visibility: self.visibility,
            registry: self.registry,
        }
    }

    /// The project as the holder of deploy tokens.
    pub fn holder(&self) -> Holder {
        Holder::Project {
            id: self.id,
            path: self.path.clone(),
        }
    }
}

impl Group {
    /// The group as the holder of deploy tokens.
    pub fn holder(&self) -> Holder {
        Holder::Group {
            id: self.id,
            path: self.path.clone(),
        }
    }
}

#[cfg(test)]
#[path = "namespace_tests.rs"]
mod tests;
