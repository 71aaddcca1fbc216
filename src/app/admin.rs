//! Administration: users (create with a password, make or unmake administrator, block and
//! unblock) and the members of a group or project (add with a role, change, remove). Users
//! are managed by administrators only; a project's members by its Maintainers, a group's by
//! its Owners (GitLab's defaults), and nobody gives or touches a role above their own. The
//! use cases take the capabilities, like those of [`super::guarded`], and run in the
//! caller's transaction.

use super::AppError;
use super::access::{AccessError, Brand, GroupAccess, ProjectAccess, require};
use super::accounts::{apply_block, block_event};
use super::acting::{Acting, Writing};
use super::audit::{Action, Event};
use super::users::insert_user_checked;
use crate::domain::password::PasswordHash;
use crate::domain::role::{AccessLevel, MemberOf};
use crate::domain::user::{User, validate_username};
use crate::storage::Reads;

/// Capability: manage users. Administrators only.
pub struct UserAdmin<'t> {
    brand: Brand<'t>,
}

/// Capability: manage the direct members of one group or project, up to a role.
pub struct MemberManager<'t> {
    of: MemberOf,
    /// The highest role the manager may give, change or take away: their own.
    ceiling: AccessLevel,
    brand: Brand<'t>,
}

impl<'t> ProjectAccess<'t> {
    /// A project's members: Maintainer+ manages them, up to their own role.
    pub fn member_manager(&self) -> Result<MemberManager<'t>, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(MemberManager {
            of: MemberOf::Project {
                id: self.project.id,
                path: self.project.path.clone(),
            },
            ceiling: self.role.unwrap_or(AccessLevel::Maintainer),
            brand: self.brand,
        })
    }
}

impl<'t> GroupAccess<'t> {
    /// A group's members: Owners manage them.
    pub fn member_manager(&self) -> Result<MemberManager<'t>, AccessError> {
        require(self.role, AccessLevel::Owner)?;
        let group = self.group();
        Ok(MemberManager {
            of: MemberOf::Group {
                id: group.id,
                path: group.path.clone(),
            },
            ceiling: AccessLevel::Owner,
            brand: self.brand,
        })
    }
}

impl MemberManager<'_> {
    /// Where the members are.
    pub fn of(&self) -> &MemberOf {
        &self.of
    }

    /// Whether a role is within the manager's reach: a Maintainer neither gives nor
    /// touches Owner.
    fn allows(&self, level: AccessLevel) -> Result<(), AccessError> {
        require(Some(self.ceiling), level)
    }
}

impl<'t, S: Reads + ?Sized> Acting<'t, S> {
    fn require_admin(&self) -> Result<(), AccessError> {
        if self.caller().user().is_admin {
            Ok(())
        } else {
            Err(AccessError::Forbidden)
        }
    }

    /// Managing users: administrators only.
    pub fn user_admin(&self) -> Result<UserAdmin<'t>, AccessError> {
        self.require_admin()?;
        Ok(UserAdmin {
            brand: self.brand(),
        })
    }

    /// Managing a project's members (see [`ProjectAccess::member_manager`]).
    pub fn project_member_manager(
        &self,
        access: &ProjectAccess<'t>,
    ) -> Result<MemberManager<'t>, AccessError> {
        access.member_manager()
    }

    /// Managing a group's members (see [`GroupAccess::member_manager`]).
    pub fn group_member_manager(
        &self,
        access: &GroupAccess<'t>,
    ) -> Result<MemberManager<'t>, AccessError> {
        access.member_manager()
    }

    /// Every user, by username.
    pub fn users_as(&mut self, _admin: &UserAdmin<'t>) -> Result<Vec<User>, AccessError> {
        Ok(self.tx.users()?)
    }

    /// The direct members and their roles, by username.
    pub fn members_as(
        &mut self,
        manager: &MemberManager<'t>,
    ) -> Result<Vec<(User, AccessLevel)>, AccessError> {
        Ok(self.tx.members_of(&manager.of)?)
    }
}

impl<'t> Writing<'t> {
    /// Create a user who signs in with `password` (no personal access token: they make
    /// their own). The username rules are the CLI's and the API's.
    pub fn create_user_as(
        &mut self,
        admin: &UserAdmin<'t>,
        username: &str,
        password: &str,
        is_admin: bool,
    ) -> Result<User, AccessError> {
        self.create_account_as(admin, username, Some(password), is_admin)
    }

    /// Create a user, with a password for the web UI or (the API's way, for token-only
    /// accounts) without one.
    pub fn create_account_as(
        &mut self,
        _admin: &UserAdmin<'t>,
        username: &str,
        password: Option<&str>,
        is_admin: bool,
    ) -> Result<User, AccessError> {
        validate_username(username).map_err(|e| AppError::invalid("username", e))?;
        let hash = password
            .map(PasswordHash::create)
            .transpose()
            .map_err(|e| AppError::invalid("password", e))?;
        let now = self.now();
        let user = insert_user_checked(self.tx, username, is_admin, now)?;
        if let Some(hash) = &hash {
            self.tx.set_password_hash(user.id, hash)?;
        }
        self.record(&Event::user(Action::UserCreated, &user))?;
        Ok(user)
    }

    /// Make `username` an administrator, or not. Nobody changes their own rights, so the
    /// last administrator cannot lock everyone out by accident.
    pub fn set_admin_as(
        &mut self,
        _admin: &UserAdmin<'t>,
        username: &str,
        is_admin: bool,
    ) -> Result<User, AccessError> {
        let user = self.other_user(username)?;
        self.tx.set_admin(user.id, is_admin)?;
        let user = User { is_admin, ..user };
        self.record(&Event::user(Action::UserChanged, &user).with("is_admin", is_admin))?;
        Ok(user)
    }

    /// Block `username` (their sessions end, they cannot sign in, their tokens stop
    /// working) or unblock them. Nobody blocks themselves.
    pub fn set_blocked_as(
        &mut self,
        _admin: &UserAdmin<'t>,
        username: &str,
        blocked: bool,
    ) -> Result<User, AccessError> {
        let user = self.other_user(username)?;
        let now = self.now();
        let user = apply_block(self.tx, user, blocked, now)?;
        self.record(&block_event(&user))?;
        Ok(user)
    }

    /// Give `username` a role here; someone who already has one is a conflict (change it
    /// instead).
    pub fn add_member_as(
        &mut self,
        manager: &MemberManager<'t>,
        username: &str,
        level: AccessLevel,
    ) -> Result<User, AccessError> {
        manager.allows(level)?;
        let user = self.named_user(username)?;
        if self.role_here(manager, &user)?.is_some() {
            return Err(AppError::Exists(format!("{username} is already a member")).into());
        }
        let now = self.now();
        self.tx.set_membership(user.id, &manager.of, level, now)?;
        let event = Event::member(Action::MemberAdded, &user, &manager.of, Some(level));
        self.record(&event)?;
        Ok(user)
    }

    /// Change the role of a direct member.
    pub fn change_member_as(
        &mut self,
        manager: &MemberManager<'t>,
        username: &str,
        level: AccessLevel,
    ) -> Result<User, AccessError> {
        manager.allows(level)?;
        let user = self.named_user(username)?;
        let current = self.role_here(manager, &user)?;
        manager.allows(current.ok_or(AccessError::NotFound("Member"))?)?;
        let now = self.now();
        self.tx.set_membership(user.id, &manager.of, level, now)?;
        let event = Event::member(Action::MemberChanged, &user, &manager.of, Some(level));
        self.record(&event)?;
        Ok(user)
    }

    /// Take a direct member's role away.
    pub fn remove_member_as(
        &mut self,
        manager: &MemberManager<'t>,
        username: &str,
    ) -> Result<User, AccessError> {
        let user = self.named_user(username)?;
        let current = self.role_here(manager, &user)?;
        manager.allows(current.ok_or(AccessError::NotFound("Member"))?)?;
        self.tx.remove_membership(user.id, &manager.of)?;
        self.record(&Event::member(
            Action::MemberRemoved,
            &user,
            &manager.of,
            None,
        ))?;
        Ok(user)
    }

    fn named_user(&mut self, username: &str) -> Result<User, AccessError> {
        self.tx
            .user_by_username(username)?
            .ok_or_else(|| AppError::NotFound(format!("user {username} not found")).into())
    }

    fn other_user(&mut self, username: &str) -> Result<User, AccessError> {
        let user = self.named_user(username)?;
        if user.id == self.caller().user().id {
            return Err(
                AppError::invalid("username", "you cannot change your own account here").into(),
            );
        }
        Ok(user)
    }

    fn role_here(
        &mut self,
        manager: &MemberManager<'t>,
        user: &User,
    ) -> Result<Option<AccessLevel>, AccessError> {
        let members = self.tx.members_of(&manager.of)?;
        Ok(members
            .into_iter()
            .find(|(u, _)| u.id == user.id)
            .map(|(_, level)| level))
    }
}
