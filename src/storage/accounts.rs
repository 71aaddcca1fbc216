//! What the web UI needs from every backend: passwords, the blocked state, server-side
//! sessions (by digest), and the listings its pages show (users, members, namespaces, a
//! user's personal access tokens). Rows hold digests and hashes, never secrets.

use super::StorageError;
use crate::domain::namespace::{Group, Project};
use crate::domain::password::PasswordHash;
use crate::domain::role::{AccessLevel, MemberOf};
use crate::domain::session::Session;
use crate::domain::token::TokenDigest;
use crate::domain::user::{PersonalAccessToken, User};
use time::OffsetDateTime;

/// Looking accounts, sessions and listings up.
pub trait AccountReads {
    /// The password hash of user `user_id`, if they have a password.
    fn password_hash(&mut self, user_id: i64) -> Result<Option<PasswordHash>, StorageError>;
    /// The session whose secret has this digest (dead ones included: the caller judges).
    fn session_by_digest(&mut self, digest: &TokenDigest) -> Result<Option<Session>, StorageError>;
    /// Every user, by username.
    fn users(&mut self) -> Result<Vec<User>, StorageError>;
    /// The direct members of a group or project with their roles, by username.
    fn members_of(&mut self, of: &MemberOf) -> Result<Vec<(User, AccessLevel)>, StorageError>;
    /// Every group, by path.
    fn groups(&mut self) -> Result<Vec<Group>, StorageError>;
    /// Every project, by path.
    fn projects(&mut self) -> Result<Vec<Project>, StorageError>;
    /// The personal access tokens of user `user_id`, newest first.
    fn personal_tokens_of(
        &mut self,
        user_id: i64,
    ) -> Result<Vec<PersonalAccessToken>, StorageError>;
}

/// Changing accounts and sessions.
pub trait AccountWrites: AccountReads {
    /// Set (or replace) the password hash of user `user_id`.
    fn set_password_hash(&mut self, user_id: i64, hash: &PasswordHash) -> Result<(), StorageError>;
    /// Make user `user_id` an administrator or not.
    fn set_admin(&mut self, user_id: i64, is_admin: bool) -> Result<(), StorageError>;
    /// Block user `user_id` from `at` (or unblock with `None`).
    fn set_blocked(&mut self, user_id: i64, at: Option<OffsetDateTime>)
    -> Result<(), StorageError>;
    /// Store a new session for `user_id` under the digest of its secret.
    fn insert_session(
        &mut self,
        digest: &TokenDigest,
        user_id: i64,
        now: OffsetDateTime,
    ) -> Result<Session, StorageError>;
    /// Record a use of session `id` at `now`.
    fn touch_session(&mut self, id: i64, now: OffsetDateTime) -> Result<(), StorageError>;
    /// End session `id`.
    fn delete_session(&mut self, id: i64) -> Result<(), StorageError>;
    /// End every session of user `user_id` (blocked, or a new password).
    fn delete_sessions_of(&mut self, user_id: i64) -> Result<(), StorageError>;
    /// Forget sessions that started at or before `started_by` or were last used at or
    /// before `seen_by`: they are dead under the session policy.
    fn delete_dead_sessions(
        &mut self,
        started_by: OffsetDateTime,
        seen_by: OffsetDateTime,
    ) -> Result<(), StorageError>;
    /// Take user `user_id`'s role on a group or project away; whether they had one.
    fn remove_membership(&mut self, user_id: i64, of: &MemberOf) -> Result<bool, StorageError>;
}
