//! Administration: users (create with a password, make or unmake administrator, block and
//! unblock) and the members of a group or project (add with a role, change, remove). Only
//! administrators get the capabilities; the use cases take them, like those of
//! [`super::guarded`], and run in the caller's transaction.

use super::AppError;
use super::access::{AccessError, Brand, GroupAccess, ProjectAccess};
use super::acting::{Acting, Writing};
use super::audit::event::{Action, Event};
use super::users::insert_user_checked;
use crate::domain::password::PasswordHash;
use crate::domain::role::{AccessLevel, MemberOf};
use crate::domain::user::{User, validate_username};
use crate::storage::Reads;

/// Capability: manage users. Administrators only.
pub struct UserAdmin<'t> {
    brand: Brand<'t>,
}

/// Capability: manage the direct members of one group or project. Administrators only.
pub struct MemberManager<'t> {
    of: MemberOf,
    brand: Brand<'t>,
}

impl MemberManager<'_> {
    /// Where the members are.
    pub fn of(&self) -> &MemberOf {
        &self.of
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

    /// Managing a project's members: administrators only.
    pub fn project_member_manager(
        &self,
        access: &ProjectAccess<'t>,
    ) -> Result<MemberManager<'t>, AccessError> {
        self.require_admin()?;
        Ok(MemberManager {
            of: MemberOf::Project {
                id: access.project.id,
                path: access.project.path.clone(),
            },
            brand: self.brand(),
        })
    }

    /// Managing a group's members: administrators only.
    pub fn group_member_manager(
        &self,
        access: &GroupAccess<'t>,
    ) -> Result<MemberManager<'t>, AccessError> {
        self.require_admin()?;
        let group = access.group();
        Ok(MemberManager {
            of: MemberOf::Group {
                id: group.id,
                path: group.path.clone(),
            },
            brand: self.brand(),
        })
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
        _admin: &UserAdmin<'t>,
        username: &str,
        password: &str,
        is_admin: bool,
    ) -> Result<User, AccessError> {
        validate_username(username).map_err(|e| AppError::invalid("username", e))?;
        let hash = PasswordHash::create(password).map_err(|e| AppError::invalid("password", e))?;
        let now = self.now();
        let user = insert_user_checked(self.tx, username, is_admin, now)?;
        self.tx.set_password_hash(user.id, &hash)?;
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
        let at = blocked.then(|| self.now());
        self.tx.set_blocked(user.id, at)?;
        if blocked {
            self.tx.delete_sessions_of(user.id)?;
        }
        let action = if blocked {
            Action::UserBlocked
        } else {
            Action::UserUnblocked
        };
        self.record(&Event::user(action, &user))?;
        Ok(User { blocked, ..user })
    }

    /// Give `username` a role here; someone who already has one is a conflict (change it
    /// instead).
    pub fn add_member_as(
        &mut self,
        manager: &MemberManager<'t>,
        username: &str,
        level: AccessLevel,
    ) -> Result<User, AccessError> {
        let user = self.named_user(username)?;
        if self.role_here(manager, &user)?.is_some() {
            return Err(AppError::Conflict(format!("{username} is already a member")).into());
        }
        let now = self.now();
        self.tx.set_membership(user.id, &manager.of, level, now)?;
        self.record(&Event::member(
            Action::MemberAdded,
            &user,
            &manager.of,
            Some(level),
        ))?;
        Ok(user)
    }

    /// Change the role of a direct member.
    pub fn change_member_as(
        &mut self,
        manager: &MemberManager<'t>,
        username: &str,
        level: AccessLevel,
    ) -> Result<User, AccessError> {
        let user = self.named_user(username)?;
        if self.role_here(manager, &user)?.is_none() {
            return Err(AccessError::NotFound("Member"));
        }
        let now = self.now();
        self.tx.set_membership(user.id, &manager.of, level, now)?;
        self.record(&Event::member(
            Action::MemberChanged,
            &user,
            &manager.of,
            Some(level),
        ))?;
        Ok(user)
    }

    /// Take a direct member's role away.
    pub fn remove_member_as(
        &mut self,
        manager: &MemberManager<'t>,
        username: &str,
    ) -> Result<User, AccessError> {
        let user = self.named_user(username)?;
        if !self.tx.remove_membership(user.id, &manager.of)? {
            return Err(AccessError::NotFound("Member"));
        }
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
