//! Who may do what through the management API. A personal access token makes a [`Caller`];
//! looking a project or group up for a caller hides what they cannot see; the permission
//! checks hand back capabilities that only this module can make, and the guarded use cases
//! take those capabilities, so no handler can skip a check.

use super::ci_variables::CiVariablesReader;
use super::namespaces::{group_by_key, project_by_key};
use super::users::{is_personal_token, user_credential};
use super::{App, AppError};
use crate::domain::namespace::{Group, Project, Visibility, repository_in};
use crate::domain::role::{AccessLevel, Memberships};
use crate::domain::token::{Holder, PlainToken};
use crate::domain::user::User;
use crate::storage::{StorageError, namespaces};

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
    user: User,
    memberships: Memberships,
}

impl Caller {
    /// The user.
    pub fn user(&self) -> &User {
        &self.user
    }

    fn role_on_group(&self, path: &str) -> Option<AccessLevel> {
        if self.user.is_admin {
            return Some(AccessLevel::Owner);
        }
        self.memberships.role_on_group(path)
    }

    fn role_on_project(&self, project: &Project) -> Option<AccessLevel> {
        if self.user.is_admin {
            return Some(AccessLevel::Owner);
        }
        self.memberships.role_on_project(&project.facts())
    }

    /// Whether the caller holds any role at or below `path` (members of a subgroup or
    /// project see the groups above it).
    fn member_below(&self, path: &str) -> bool {
        self.memberships
            .0
            .iter()
            .any(|m| repository_in(m.of.path(), path))
    }

    /// Every deploy token of the instance: administrators only.
    pub fn all_tokens_reader(&self) -> Result<TokenReader, AccessError> {
        if !self.user.is_admin {
            return Err(AccessError::Forbidden);
        }
        Ok(TokenReader { holder: None })
    }

    /// Creating a top-level group: any user (GitLab's default); they become its owner.
    pub fn top_level_group_creator(&self) -> GroupCreator {
        GroupCreator {
            parent: None,
            owner: self.user.id,
        }
    }
}

/// A project the caller may see, with its group chain (outermost first).
pub struct ProjectAccess {
    /// The project.
    pub project: Project,
    /// Its group and that group's ancestors, outermost first.
    pub namespaces: Vec<Group>,
    role: Option<AccessLevel>,
}

/// A group the caller may see, with its ancestors (outermost first, itself last).
pub struct GroupAccess {
    /// The group and its ancestors, outermost first; the group is last.
    pub chain: Vec<Group>,
    role: Option<AccessLevel>,
    owner: i64,
}

/// Capability: read the deploy tokens of one holder, or of everyone (`None`).
pub struct TokenReader {
    pub(super) holder: Option<Holder>,
}

/// Capability: create and revoke the deploy tokens of one holder.
pub struct TokenManager {
    pub(super) holder: Holder,
}

/// Capability: create a group under `parent` (or at the top), owned by a user.
pub struct GroupCreator {
    pub(super) parent: Option<Group>,
    pub(super) owner: i64,
}

/// Capability: create a project in a group.
pub struct ProjectCreator {
    pub(super) group: Group,
}

fn require(role: Option<AccessLevel>, level: AccessLevel) -> Result<(), AccessError> {
    if role.is_some_and(|r| r >= level) {
        Ok(())
    } else {
        Err(AccessError::Forbidden)
    }
}

impl ProjectAccess {
    /// Project deploy tokens: Maintainer+ to list and read.
    pub fn token_reader(&self) -> Result<TokenReader, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(TokenReader {
            holder: Some(self.project.holder()),
        })
    }

    /// Project deploy tokens: Maintainer+ to create and revoke.
    pub fn token_manager(&self) -> Result<TokenManager, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(TokenManager {
            holder: self.project.holder(),
        })
    }

    /// CI variables, the `gitlab-deploy-token` secret included: Maintainer+ (a CI runner
    /// acting for such a user or an administrator).
    pub fn ci_variables_reader(&self) -> Result<CiVariablesReader, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(CiVariablesReader {
            project: self.project.clone(),
        })
    }
}

impl GroupAccess {
    /// The group itself.
    pub fn group(&self) -> &Group {
        self.chain
            .last()
            .expect("a group chain ends with the group")
    }

    /// Group deploy tokens: Maintainer+ to list and read.
    pub fn token_reader(&self) -> Result<TokenReader, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(TokenReader {
            holder: Some(self.group().holder()),
        })
    }

    /// Group deploy tokens: Owner to create and revoke.
    pub fn token_manager(&self) -> Result<TokenManager, AccessError> {
        require(self.role, AccessLevel::Owner)?;
        Ok(TokenManager {
            holder: self.group().holder(),
        })
    }

    /// Subgroups: Maintainer+ (GitLab's default subgroup creation level).
    pub fn subgroup_creator(&self) -> Result<GroupCreator, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(GroupCreator {
            parent: Some(self.group().clone()),
            owner: self.owner,
        })
    }

    /// Projects: Maintainer+ (GitLab's default project creation level).
    pub fn project_creator(&self) -> Result<ProjectCreator, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(ProjectCreator {
            group: self.group().clone(),
        })
    }
}

impl App {
    /// The caller behind a personal access token, if it is active and allows `need`.
    /// Anything else that is not a personal access token (deploy tokens, refresh tokens,
    /// garbage) is unauthenticated, exactly like an unknown or revoked token.
    pub fn api_caller(
        &self,
        secret: Option<&PlainToken>,
        need: Need,
    ) -> Result<Caller, AccessError> {
        let secret = secret
            .filter(|s| is_personal_token(s))
            .ok_or(AccessError::Unauthenticated)?;
        let credential = user_credential(&*self.conn()?, secret, None)?
            .filter(|c| c.token.is_active(self.now()))
            .ok_or(AccessError::Unauthenticated)?;
        let scopes = &credential.token.scopes;
        match need {
            Need::Read if !scopes.reads_api() => {
                return Err(AccessError::InsufficientScope("api read_api"));
            }
            Need::Write if !scopes.writes_api() => {
                return Err(AccessError::InsufficientScope("api"));
            }
            _ => {}
        }
        Ok(Caller {
            user: credential.user,
            memberships: credential.memberships,
        })
    }

    /// A project by numeric id or full path, if the caller may see it: a role on it (or
    /// above it), or a project that is not private.
    pub fn project_access(&self, caller: &Caller, key: &str) -> Result<ProjectAccess, AccessError> {
        let conn = self.conn()?;
        let not_found = || AccessError::NotFound("Project");
        let project = project_by_key(&conn, key)?.ok_or_else(not_found)?;
        let role = caller.role_on_project(&project);
        if role.is_none() && project.visibility == Visibility::Private {
            return Err(not_found());
        }
        let group = namespaces::group_by_id(&conn, project.group_id)?
            .ok_or(StorageError::Corrupt("projects.group_id"))?;
        let namespaces = namespaces::group_chain(&conn, &group.path)?;
        Ok(ProjectAccess {
            project,
            namespaces,
            role,
        })
    }

    /// A group by numeric id or full path, if the caller may see it: a role on it (or above
    /// it), a role somewhere below it, or a group that is not private.
    pub fn group_access(&self, caller: &Caller, key: &str) -> Result<GroupAccess, AccessError> {
        let conn = self.conn()?;
        let group = group_by_key(&conn, key)?.ok_or(AccessError::NotFound("Group"))?;
        let role = caller.role_on_group(&group.path);
        let visible = role.is_some()
            || caller.member_below(&group.path)
            || group.visibility != Visibility::Private;
        if !visible {
            return Err(AccessError::NotFound("Group"));
        }
        Ok(GroupAccess {
            chain: namespaces::group_chain(&conn, &group.path)?,
            role,
            owner: caller.user.id,
        })
    }
}
