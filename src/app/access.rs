//! Who may do what through the management API. A personal access token makes a [`Caller`];
//! looking a project or group up for a caller hides what they cannot see; the permission
//! checks hand back capabilities that only this module can make, and the guarded use cases
//! take those capabilities, so no handler can skip a check. Every capability carries the
//! [`Brand`] of the transaction that checked it (see [`super::acting`]), so it can only be
//! used in that same transaction: nothing can change between the check and the write.

use super::AppError;
use super::ci_variables::CiVariablesReader;
use crate::domain::namespace::{Group, Project, Visibility, repository_in};
use crate::domain::role::{AccessLevel, Memberships};
use crate::domain::token::Holder;
use crate::domain::user::User;
use crate::storage::StorageError;
use std::marker::PhantomData;

/// What a request does: reading needs `read_api` or `api`, writing needs `api`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// GET.
    Read,
    /// POST, PUT, DELETE.
    Write,
}

/// Why the API refuses. The HTTP layer maps each to GitLab's status and body.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// No credentials, or not an active personal access token (deploy tokens included).
    #[error("401 Unauthorized")]
    Unauthenticated,
    /// The token lacks the scope the request needs; holds the scopes that would do.
    #[error("insufficient scope: needs {0}")]
    InsufficientScope(&'static str),
    /// Visible, but the caller's role is too low.
    #[error("403 Forbidden")]
    Forbidden,
    /// Missing, or hidden from the caller: `Project`, `Group`, `Deploy Token`.
    #[error("404 {0} Not Found")]
    NotFound(&'static str),
    /// A use case failed (bad input, conflict, storage).
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StorageError> for AccessError {
    fn from(e: StorageError) -> Self {
        AccessError::App(AppError::Storage(e))
    }
}

/// A user authenticated by an active personal access token with the needed scope.
pub struct Caller {
    pub(super) user: User,
    pub(super) memberships: Memberships,
    /// The personal access token the caller presented (`None` for a web session): what
    /// `/personal_access_tokens/self` names.
    pub(super) token_id: Option<i64>,
}

impl Caller {
    /// The user.
    pub fn user(&self) -> &User {
        &self.user
    }

    pub(super) fn role_on_group(&self, path: &str) -> Option<AccessLevel> {
        if self.user.is_admin {
            return Some(AccessLevel::Owner);
        }
        self.memberships.role_on_group(path)
    }

    pub(super) fn role_on_project(&self, project: &Project) -> Option<AccessLevel> {
        if self.user.is_admin {
            return Some(AccessLevel::Owner);
        }
        self.memberships.role_on_project(&project.facts())
    }

    /// Whether the caller holds any role at or below `path` (members of a subgroup or
    /// project see the groups above it).
    pub(super) fn member_below(&self, path: &str) -> bool {
        self.memberships
            .0
            .iter()
            .any(|m| repository_in(m.of.path(), path))
    }

    /// Whether the caller may see `project`: a role on it (or above it), or a project that
    /// is not private. Everything that shows or finds a project asks this.
    pub(super) fn sees_project(&self, project: &Project) -> bool {
        self.role_on_project(project).is_some() || project.visibility != Visibility::Private
    }

    /// Whether the caller may see `group`: a role on it (or above it), a role somewhere
    /// below it, or a group that is not private.
    pub(super) fn sees_group(&self, group: &Group) -> bool {
        self.role_on_group(&group.path).is_some()
            || self.member_below(&group.path)
            || group.visibility != Visibility::Private
    }
}

/// The mark of one transaction: invariant in `'t`, so a value carrying `Brand<'t>` cannot be
/// taken into another transaction (whose closure gets a lifetime of its own). Only this
/// module and its siblings can put one into a capability (their fields are private).
pub type Brand<'t> = PhantomData<fn(&'t ()) -> &'t ()>;

/// A project the caller may see, with its group chain (outermost first).
pub struct ProjectAccess<'t> {
    /// The project.
    pub project: Project,
    /// Its group and that group's ancestors, outermost first.
    pub namespaces: Vec<Group>,
    pub(super) role: Option<AccessLevel>,
    pub(super) brand: Brand<'t>,
}

/// A group the caller may see, with its ancestors (outermost first, itself last).
pub struct GroupAccess<'t> {
    /// The group and its ancestors, outermost first; the group is last.
    pub chain: Vec<Group>,
    pub(super) role: Option<AccessLevel>,
    pub(super) owner: i64,
    pub(super) brand: Brand<'t>,
}

/// Capability: read the deploy tokens of one holder, or of everyone (`None`).
pub struct TokenReader<'t> {
    pub(super) holder: Option<Holder>,
    pub(super) brand: Brand<'t>,
}

/// Capability: create and revoke the deploy tokens of one holder.
pub struct TokenManager<'t> {
    pub(super) holder: Holder,
    pub(super) brand: Brand<'t>,
}

/// Capability: create a group under `parent` (or at the top), owned by a user.
pub struct GroupCreator<'t> {
    pub(super) parent: Option<Group>,
    pub(super) owner: i64,
    pub(super) brand: Brand<'t>,
}

/// Capability: create a project in a group.
pub struct ProjectCreator<'t> {
    pub(super) group: Group,
    pub(super) brand: Brand<'t>,
}

pub(super) fn require(role: Option<AccessLevel>, level: AccessLevel) -> Result<(), AccessError> {
    if role.is_some_and(|r| r >= level) {
        Ok(())
    } else {
        Err(AccessError::Forbidden)
    }
}

impl<'t> ProjectAccess<'t> {
    /// The caller's role on the project (administrators are owners), if any.
    pub fn role(&self) -> Option<AccessLevel> {
        self.role
    }

    /// Project deploy tokens: Maintainer+ to list and read.
    pub fn token_reader(&self) -> Result<TokenReader<'t>, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(TokenReader {
            holder: Some(self.project.holder()),
            brand: self.brand,
        })
    }

    /// Project deploy tokens: Maintainer+ to create and revoke.
    pub fn token_manager(&self) -> Result<TokenManager<'t>, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(TokenManager {
            holder: self.project.holder(),
            brand: self.brand,
        })
    }

    /// CI variables, the `gitlab-deploy-token` secret included: Maintainer+ (a CI runner
    /// acting for such a user or an administrator).
    pub fn ci_variables_reader(&self) -> Result<CiVariablesReader<'t>, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(CiVariablesReader {
            project: self.project.clone(),
            brand: self.brand,
        })
    }
}

impl<'t> GroupAccess<'t> {
    /// The caller's role on the group (administrators are owners), if any.
    pub fn role(&self) -> Option<AccessLevel> {
        self.role
    }

    /// The group itself.
    pub fn group(&self) -> &Group {
        self.chain
            .last()
            .expect("a group chain ends with the group")
    }

    /// Group deploy tokens: Maintainer+ to list and read.
    pub fn token_reader(&self) -> Result<TokenReader<'t>, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(TokenReader {
            holder: Some(self.group().holder()),
            brand: self.brand,
        })
    }

    /// Group deploy tokens: Owner to create and revoke.
    pub fn token_manager(&self) -> Result<TokenManager<'t>, AccessError> {
        require(self.role, AccessLevel::Owner)?;
        Ok(TokenManager {
            holder: self.group().holder(),
            brand: self.brand,
        })
    }

    /// Subgroups: Maintainer+ (GitLab's default subgroup creation level).
    pub fn subgroup_creator(&self) -> Result<GroupCreator<'t>, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(GroupCreator {
            parent: Some(self.group().clone()),
            owner: self.owner,
            brand: self.brand,
        })
    }

    /// Projects: Maintainer+ (GitLab's default project creation level).
    pub fn project_creator(&self) -> Result<ProjectCreator<'t>, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(ProjectCreator {
            group: self.group().clone(),
            brand: self.brand,
        })
    }
}
