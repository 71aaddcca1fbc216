//! Personal access tokens through the management API: a caller lists, reads, revokes and
//! rotates their own tokens; an administrator anyone's (and creates them for any user).
//! One rule decides which token a caller may touch ([`Acting::personal_token_as`]); anyone
//! else's token is not found, so ids tell nobody which tokens exist.

use super::access::AccessError;
use super::acting::{Acting, Writing};
use super::admin::UserAdmin;
use super::audit::{Action, Event};
use super::users::{
    CreatePersonalToken, CreatedPersonalToken, insert_token, personal_token_fields,
};
use super::{AppError, expiry_field};
use crate::domain::user::PersonalAccessToken;
use crate::storage::{Reads, StorageError};
use time::Duration;

/// How long a rotated token lives unless told otherwise (GitLab's default: one week).
pub const ROTATED_LIFETIME: Duration = Duration::weeks(1);

/// A personal access token named in a path: by id, or `self` (the one presented).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKey {
    /// The token the caller authenticated with.
    Current,
    /// A token id.
    Id(i64),
}

impl<'t, S: Reads + ?Sized> Acting<'t, S> {
    /// The tokens the caller may list: their own, or (administrators) everyone's, or one
    /// user's. A non-administrator asking for another user's gets 401, as from GitLab.
    pub fn personal_tokens_as(
        &mut self,
        user_id: Option<i64>,
    ) -> Result<Vec<PersonalAccessToken>, AccessError> {
        let me = self.caller().user();
        let (own, admin) = (me.id, me.is_admin);
        let mut tokens = match (admin, user_id) {
            (true, None) => self.tx.personal_tokens()?,
            (true, Some(user)) => self.tx.personal_tokens_of(user)?,
            (false, Some(user)) if user != own => return Err(AccessError::Unauthenticated),
            (false, _) => self.tx.personal_tokens_of(own)?,
        };
        tokens.sort_by_key(|t| t.id);
        Ok(tokens)
    }

    /// One token the caller may touch: their own, or anyone's for an administrator.
    pub fn personal_token_as(&mut self, key: TokenKey) -> Result<PersonalAccessToken, AccessError> {
        let not_found = || AccessError::NotFound("Personal Access Token");
        let id = match key {
            TokenKey::Current => self.caller().token_id.ok_or_else(not_found)?,
            TokenKey::Id(id) => id,
        };
        let me = self.caller().user();
        let (own, admin) = (me.id, me.is_admin);
        self.tx
            .personal_token_by_id(id)?
            .filter(|t| admin || t.user_id == own)
            .ok_or_else(not_found)
    }
}

impl<'t> Writing<'t> {
    /// Revoke a token the caller may touch; one already revoked is refused (400).
    pub fn revoke_personal_token_as(
        &mut self,
        key: TokenKey,
    ) -> Result<PersonalAccessToken, AccessError> {
        let token = self.personal_token_as(key)?;
        if token.revoked {
            return Err(already_revoked(token.id).into());
        }
        let now = self.now();
        let token = self
            .tx
            .revoke_personal_token(token.id, now)?
            .ok_or(AccessError::NotFound("Personal Access Token"))?;
        self.record_token(Action::PersonalTokenRevoked, &token)?;
        Ok(token)
    }

    /// Replace a token the caller may touch by a new one with the same name, user and
    /// scopes, expiring at `expires_at` (default: a week from now); the old one is revoked
    /// in the same transaction. A revoked or expired token cannot be rotated.
    pub fn rotate_personal_token_as(
        &mut self,
        key: TokenKey,
        expires_at: Option<&str>,
    ) -> Result<CreatedPersonalToken, AccessError> {
        let now = self.now();
        let expires_at = expiry_field(expires_at, now)?.unwrap_or(now + ROTATED_LIFETIME);
        let old = self.personal_token_as(key)?;
        if !old.is_active(now) {
            let why = "the token is revoked or expired; only an active token can be rotated";
            return Err(AppError::invalid("token", why).into());
        }
        self.tx.revoke_personal_token(old.id, now)?;
        let new = insert_token(
            self.tx,
            old.user_id,
            &old.name,
            &old.scopes,
            Some(expires_at),
            now,
        )?;
        self.record_token(Action::PersonalTokenRotated, &new.token)?;
        Ok(new)
    }

    /// Create a token for user `user_id` (administrators).
    pub fn create_personal_token_for_as(
        &mut self,
        _admin: &UserAdmin<'t>,
        user_id: i64,
        req: &CreatePersonalToken<'_>,
    ) -> Result<CreatedPersonalToken, AccessError> {
        let now = self.now();
        let (scopes, expires_at) = personal_token_fields(req, now)?;
        self.tx
            .user_by_id(user_id)?
            .ok_or(AccessError::NotFound("User"))?;
        let created = insert_token(self.tx, user_id, req.name, &scopes, expires_at, now)?;
        self.record_token(Action::PersonalTokenCreated, &created.token)?;
        Ok(created)
    }

    /// Record `action` on `token`, naming its user.
    fn record_token(
        &mut self,
        action: Action,
        token: &PersonalAccessToken,
    ) -> Result<(), AccessError> {
        let user = self
            .tx
            .user_by_id(token.user_id)?
            .ok_or(StorageError::Corrupt("personal_access_tokens.user_id"))?;
        Ok(self.record(&Event::personal_token(action, token, &user))?)
    }
}

/// The refusal for revoking a token twice, on every surface.
pub fn already_revoked(id: i64) -> AppError {
    AppError::Conflict(format!("personal access token {id} was already revoked"))
}
