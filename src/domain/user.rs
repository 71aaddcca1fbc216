//! Users, their personal access tokens and their roles: a user's role on a project or group
//! is the highest of their memberships on it and on every ancestor group.

use super::namespace::{ProjectFacts, repository_in};
use super::token::is_expired;
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

/// Prefix of every personal-access-token secret; secret scanners recognise it.
pub const PERSONAL_TOKEN_PREFIX: &str = "glpat-";

/// Why a user attribute was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// A username outside the allowed grammar.
    #[error(
        "username must be 1 to 255 characters of letters, digits, '_', '-' and '.', start with a letter, digit or '_' and not end with '.'"
    )]
    InvalidUsername,
    /// A scope word outside the four known ones.
    #[error("unknown scope {0:?}: expected api, read_api, read_registry or write_registry")]
    UnknownScope(String),
    /// No scope given.
    #[error("at least one scope is required")]
    NoScope,
    /// A role that is neither a known name nor a known access level.
    #[error(
        "unknown role {0:?}: expected guest (10), reporter (20), developer (30), maintainer (40) or owner (50)"
    )]
    UnknownRole(String),
}

/// GitLab's roles, ordered by power; the discriminant is GitLab's access level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    /// 10: sees the project.
    Guest = 10,
    /// 20: pulls images.
    Reporter = 20,
    /// 30: pushes images.
    Developer = 30,
    /// 40: deletes images, manages project deploy tokens.
    Maintainer = 40,
    /// 50: manages group deploy tokens.
    Owner = 50,
}

impl AccessLevel {
    /// Every role, weakest first.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::Guest,
        AccessLevel::Reporter,
        AccessLevel::Developer,
        AccessLevel::Maintainer,
        AccessLevel::Owner,
    ];

    /// The numeric access level (10…50).
    pub fn value(self) -> i64 {
        self as i64
    }

    /// The role name (`developer`).
    pub fn name(self) -> &'static str {
        match self {
            AccessLevel::Guest => "guest",
            AccessLevel::Reporter => "reporter",
            AccessLevel::Developer => "developer",
            AccessLevel::Maintainer => "maintainer",
            AccessLevel::Owner => "owner",
        }
    }

    /// The role with this numeric access level.
    pub fn from_value(value: i64) -> Option<AccessLevel> {
        AccessLevel::ALL.into_iter().find(|l| l.value() == value)
    }
}

impl FromStr for AccessLevel {
    type Err = UserError;

    /// A role name in any case, or its number.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        AccessLevel::ALL
            .into_iter()
            .find(|l| l.name() == lower || l.value().to_string() == lower)
            .ok_or_else(|| UserError::UnknownRole(s.to_owned()))
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.value())
    }
}

/// What a personal access token may be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PatScope {
    /// The whole management API, read and write; also the registry.
    Api,
    /// The management API, read only.
    ReadApi,
    /// Container registry pull.
    ReadRegistry,
    /// Container registry push (and pull).
    WriteRegistry,
}

impl PatScope {
    /// All scopes in canonical order.
    pub const ALL: [PatScope; 4] = [
        PatScope::Api,
        PatScope::ReadApi,
        PatScope::ReadRegistry,
        PatScope::WriteRegistry,
    ];

    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PatScope::Api => "api",
            PatScope::ReadApi => "read_api",
            PatScope::ReadRegistry => "read_registry",
            PatScope::WriteRegistry => "write_registry",
        }
    }
}

impl FromStr for PatScope {
    type Err = UserError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PatScope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| UserError::UnknownScope(s.to_owned()))
    }
}

/// A non-empty set of personal-access-token scopes, sorted, without repeats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatScopes(Vec<PatScope>);

impl PatScopes {
    /// Validate a list of scope words (at least one, all known).
    pub fn parse<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<PatScopes, UserError> {
        let mut scopes = words
            .into_iter()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<PatScope>, _>>()?;
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(UserError::NoScope);
        }
        Ok(PatScopes(scopes))
    }

    /// Whether `scope` is held.
    pub fn has(&self, scope: PatScope) -> bool {
        self.0.contains(&scope)
    }

    /// Reading the management API: `read_api` or `api`.
    pub fn reads_api(&self) -> bool {
        self.has(PatScope::Api) || self.has(PatScope::ReadApi)
    }

    /// Writing through the management API: `api`.
    pub fn writes_api(&self) -> bool {
        self.has(PatScope::Api)
    }

    /// Using the registry at all (pulling): `read_registry`, `write_registry` or `api`.
    pub fn reads_registry(&self) -> bool {
        self.has(PatScope::ReadRegistry) || self.writes_registry()
    }

    /// Pushing and deleting in the registry: `write_registry` or `api`.
    pub fn writes_registry(&self) -> bool {
        self.has(PatScope::WriteRegistry) || self.has(PatScope::Api)
    }

    /// The API spellings, canonical order.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|s| s.as_str()).collect()
    }

    /// Stored form: the spellings joined by commas.
    pub fn to_stored(&self) -> String {
        self.names().join(",")
    }
}

/// A validated username: 1..=255 of `[A-Za-z0-9_.-]`, starting with a letter, digit or `_`,
/// not ending with `.`. No `+`, so it never looks like a deploy-token username.
pub fn validate_username(username: &str) -> Result<(), UserError> {
    let bytes = username.as_bytes();
    let allowed = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    let ok = !bytes.is_empty()
        && bytes.len() <= 255
        && bytes.iter().all(allowed)
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes[bytes.len() - 1] != b'.';
    if ok {
        Ok(())
    } else {
        Err(UserError::InvalidUsername)
    }
}

/// A stored user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// User id.
    pub id: i64,
    /// Unique login name.
    pub username: String,
    /// Instance administrator: every role everywhere, plus the registry catalog.
    pub is_admin: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A stored personal access token (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonalAccessToken {
    /// Token id.
    pub id: i64,
    /// The user it acts for.
    pub user_id: i64,
    /// Human name.
    pub name: String,
    /// Granted scopes.
    pub scopes: PatScopes,
    /// When it stops working, if ever.
    pub expires_at: Option<OffsetDateTime>,
    /// Whether it was revoked (the row is kept).
    pub revoked: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

impl PersonalAccessToken {
    /// Whether the token has expired at `now` (same rule as deploy tokens).
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        is_expired(self.expires_at, now)
    }

    /// Neither revoked nor expired at `now`.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        !self.revoked && !self.is_expired(now)
    }
}

/// Where a membership is held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberOf {
    /// A group, and so all its subgroups and projects.
    Group {
        /// Group id.
        id: i64,
        /// Group path.
        path: String,
    },
    /// One project.
    Project {
        /// Project id.
        id: i64,
        /// Project path.
        path: String,
    },
}

impl MemberOf {
    /// The full path of the group or project.
    pub fn path(&self) -> &str {
        match self {
            MemberOf::Group { path, .. } | MemberOf::Project { path, .. } => path,
        }
    }
}

/// One role of one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    /// Where.
    pub of: MemberOf,
    /// Which role.
    pub level: AccessLevel,
}

/// Every membership of one user, and the inheritance rule over them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Memberships(pub Vec<Membership>);

impl Memberships {
    /// The role on `project`: the highest of the project's own membership and those of the
    /// groups above it.
    pub fn role_on_project(&self, project: &ProjectFacts) -> Option<AccessLevel> {
        self.0
            .iter()
            .filter(|m| match &m.of {
                MemberOf::Project { id, .. } => *id == project.id,
                MemberOf::Group { path, .. } => {
                    project.path.len() > path.len() && repository_in(&project.path, path)
                }
            })
            .map(|m| m.level)
            .max()
    }

    /// The role on the group at `group_path`: the highest of its own membership and those of
    /// its ancestors. Project memberships never reach up to groups.
    pub fn role_on_group(&self, group_path: &str) -> Option<AccessLevel> {
        self.0
            .iter()
            .filter(|m| match &m.of {
                MemberOf::Group { path, .. } => repository_in(group_path, path),
                MemberOf::Project { .. } => false,
            })
            .map(|m| m.level)
            .max()
    }
}

/// An authenticated user as authorization sees it: who, with which token, in which roles.
#[derive(Clone, Debug)]
pub struct UserCredential {
    /// The user.
    pub user: User,
    /// The personal access token presented (active or not: authorization checks).
    pub token: PersonalAccessToken,
    /// The user's memberships.
    pub memberships: Memberships,
}

impl UserCredential {
    /// The effective role on `project`; administrators are owners everywhere.
    pub fn role_on_project(&self, project: &ProjectFacts) -> Option<AccessLevel> {
        if self.user.is_admin {
            return Some(AccessLevel::Owner);
        }
        self.memberships.role_on_project(project)
    }
}

#[cfg(test)]
#[path = "user_tests.rs"]
mod tests;
