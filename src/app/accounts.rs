//! Users as the management API and the CLI see them: finding one by id or username (any
//! signed-in user may, as in GitLab, to name members), changing an account's password and
//! administrator flag, and removing an account with everything that lets it authenticate.
//! Changing or removing accounts takes an administrator's [`UserAdmin`]; nobody changes or
//! removes their own account this way, so the last administrator cannot lock everyone out.

use super::access::AccessError;
use super::acting::{Acting, Writing};
use super::admin::UserAdmin;
use super::audit::{Action, Event, Origin};
use super::{App, AppError};
use crate::domain::password::PasswordHash;
use crate::domain::user::User;
use crate::storage::{Reads, StorageError, Writes};
use time::OffsetDateTime;

impl<'t, S: Reads + ?Sized> Acting<'t, S> {
    /// A user by numeric id or username; 404 `User Not Found` otherwise.
    pub fn find_user(&mut self, key: &str) -> Result<User, AccessError> {
        let user = match key.parse::<i64>() {
            Ok(id) => self.tx.user_by_id(id)?,
            Err(_) => self.tx.user_by_username(key)?,
        };
        user.ok_or(AccessError::NotFound("User"))
    }

    /// Every user, by username.
    pub fn all_users(&mut self) -> Result<Vec<User>, AccessError> {
        Ok(self.tx.users()?)
    }
}

impl<'t> Writing<'t> {
    /// Replace `user`'s password (their web sessions end).
    pub fn set_password_as(
        &mut self,
        _admin: &UserAdmin<'t>,
        user: &User,
        password: &str,
    ) -> Result<(), AccessError> {
        let hash = PasswordHash::create(password).map_err(|e| AppError::invalid("password", e))?;
        self.tx.set_password_hash(user.id, &hash)?;
        self.tx.delete_sessions_of(user.id)?;
        Ok(self.record(&Event::user(Action::UserPasswordSet, user))?)
    }

    /// Remove `user` with their tokens, memberships and sessions; not oneself.
    pub fn delete_user_as(
        &mut self,
        _admin: &UserAdmin<'t>,
        user: &User,
    ) -> Result<(), AccessError> {
        if user.id == self.caller().user().id {
            return Err(AppError::invalid("id", "you cannot delete your own account").into());
        }
        self.tx.delete_user(user.id)?;
        Ok(self.record(&Event::user(Action::UserRemoved, user))?)
    }
}

impl App {
    /// Remove a user (the operator's command): their personal access tokens stop working
    /// at once, their roles and web sessions are gone.
    pub fn delete_user(&self, username: &str) -> Result<User, AppError> {
        self.store().write(|tx| {
            let user = tx
                .user_by_username(username)?
                .ok_or_else(|| AppError::NotFound(format!("user {username} not found")))?;
            tx.delete_user(user.id)?;
            let event = Event::user(Action::UserRemoved, &user);
            self.record(tx, &Origin::cli(), &event, self.now())?;
            Ok(user)
        })
    }

    /// Block a user (their tokens stop working, their web sessions end) or unblock them.
    /// Blocking a blocked user, or unblocking an active one, is refused: nothing would change.
    pub fn set_blocked(&self, username: &str, blocked: bool) -> Result<User, AppError> {
        let now = self.now();
        self.store().write(|tx| {
            let user = tx
                .user_by_username(username)?
                .ok_or_else(|| AppError::NotFound(format!("user {username} not found")))?;
            if user.blocked == blocked {
                let state = if blocked { "blocked" } else { "active" };
                return Err(AppError::Conflict(format!(
                    "user {username} is already {state}"
                )));
            }
            let user = apply_block(tx, user, blocked, now)?;
            self.record(tx, &Origin::cli(), &block_event(&user), now)?;
            Ok(user)
        })
    }
}

/// The record of a block or an unblock.
pub(super) fn block_event(user: &User) -> Event {
    let action = if user.blocked {
        Action::UserBlocked
    } else {
        Action::UserUnblocked
    };
    Event::user(action, user)
}

/// Block or unblock `user` in the caller's transaction: a blocked user's web sessions end
/// with the block (their tokens are refused wherever they are presented).
pub(super) fn apply_block(
    tx: &mut dyn Writes,
    user: User,
    blocked: bool,
    now: OffsetDateTime,
) -> Result<User, StorageError> {
    tx.set_blocked(user.id, blocked.then_some(now))?;
    if blocked {
        tx.delete_sessions_of(user.id)?;
    }
    Ok(User { blocked, ..user })
}
