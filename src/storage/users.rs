//! Users, their memberships, their personal access tokens and those tokens' refresh
//! tokens: what every backend offers for them. Rows hold digests, never secrets.

use super::StorageError;
use crate::domain::role::{AccessLevel, MemberOf, Memberships};
use crate::domain::token::TokenDigest;
use crate::domain::user::{PatScopes, PersonalAccessToken, User};
use time::OffsetDateTime;

/// A personal access token about to be stored.
pub struct NewPersonalToken<'a> {
    /// The user it acts for.
    pub user_id: i64,
    /// Name.
    pub name: &'a str,
    /// Digest of the secret.
    pub digest: &'a TokenDigest,
    /// Scopes.
    pub scopes: &'a PatScopes,
    /// Expiry.
    pub expires_at: Option<OffsetDateTime>,
}

/// Looking users and their tokens up.
pub trait UserReads {
    /// The user with this id.
    fn user_by_id(&mut self, id: i64) -> Result<Option<User>, StorageError>;
    /// The user with this username (exact, case-sensitive).
    fn user_by_username(&mut self, username: &str) -> Result<Option<User>, StorageError>;
    /// Every membership of `user_id`, with the paths of the groups and projects.
    fn memberships(&mut self, user_id: i64) -> Result<Memberships, StorageError>;
    /// Whether some user's username has this [`crate::domain::user::login_key`].
    fn user_login_taken(&mut self, key: &str) -> Result<bool, StorageError>;
    /// The personal access token with this id.
    fn personal_token_by_id(
        &mut self,
        id: i64,
    ) -> Result<Option<PersonalAccessToken>, StorageError>;
    /// The personal access token whose secret has this digest (revoked and expired ones
    /// included: the caller decides, so that every refusal looks the same).
    fn personal_token_by_digest(
        &mut self,
        digest: &TokenDigest,
    ) -> Result<Option<PersonalAccessToken>, StorageError>;
    /// The personal access token behind a refresh token, if the refresh token exists and
    /// was issued for `service`.
    fn personal_token_for_refresh(
        &mut self,
        digest: &TokenDigest,
        service: &str,
    ) -> Result<Option<PersonalAccessToken>, StorageError>;
}

/// Creating users, roles and personal access tokens.
pub trait UserWrites: UserReads {
    /// Insert a user; the caller has checked that the username is free.
    fn insert_user(
        &mut self,
        username: &str,
        is_admin: bool,
        now: OffsetDateTime,
    ) -> Result<User, StorageError>;
    /// Give `user_id` the role `level` on a group or project, replacing any role it had
    /// there. Returns whether a role was replaced.
    fn set_membership(
        &mut self,
        user_id: i64,
        of: &MemberOf,
        level: AccessLevel,
        now: OffsetDateTime,
    ) -> Result<bool, StorageError>;
    /// Store a new personal access token.
    fn insert_personal_token(
        &mut self,
        new: &NewPersonalToken<'_>,
        now: OffsetDateTime,
    ) -> Result<PersonalAccessToken, StorageError>;
    /// Mark a personal access token revoked (keeping the row); returns it, or `None` if
    /// there is no such token.
    fn revoke_personal_token(
        &mut self,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<Option<PersonalAccessToken>, StorageError>;
    /// Record a refresh token for personal access token `id` on `service`.
    fn insert_user_refresh(
        &mut self,
        digest: &TokenDigest,
        id: i64,
        service: &str,
        now: OffsetDateTime,
    ) -> Result<(), StorageError>;
}
