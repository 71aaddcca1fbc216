//! Creating users, their personal access tokens and their memberships; authenticating a
//! personal access token. The CLI and the HTTP API both call these.

use super::audit::{Action, Event, Origin};
use super::namespaces::{HolderRef, resolve_holder};
use super::{App, AppError, expiry_field};
use crate::domain::password::PasswordHash;
use crate::domain::role::{AccessLevel, MemberOf};
use crate::domain::token::{Holder, PlainToken, constant_time_eq, validate_name};
use crate::domain::user::{
    PERSONAL_TOKEN_PREFIX, PatScopes, PersonalAccessToken, User, UserCredential, UserError,
    login_key, validate_username,
};
use crate::storage::{NewPersonalToken, Reads, StorageError, Writes};

/// Name and scope of the token every new user gets.
const FIRST_TOKEN_NAME: &str = "initial";

/// A freshly created personal access token with its secret, which exists only in this value.
pub struct CreatedPersonalToken {
    /// The stored token.
    pub token: PersonalAccessToken,
    /// The secret, to show once.
    pub secret: PlainToken,
}

/// A freshly created user and their first personal access token (scope `api`).
pub struct CreatedUser {
    /// The stored user.
    pub user: User,
    /// The first token, secret included.
    pub first_token: CreatedPersonalToken,
}

/// What a caller supplies to create a personal access token.
pub struct CreatePersonalToken<'a> {
    /// Token name.
    pub name: &'a str,
    /// Scope words (`api`, `read_api`, `read_registry`, `write_registry`).
    pub scopes: Vec<&'a str>,
    /// Expiry as `YYYY-MM-DD` (midnight UTC) or RFC 3339.
    pub expires_at: Option<&'a str>,
}

/// A role given to a user.
pub struct MemberAdded {
    /// The user.
    pub user: User,
    /// Where.
    pub of: MemberOf,
    /// The role.
    pub level: AccessLevel,
    /// Whether an earlier role there was replaced.
    pub replaced: bool,
}

impl App {
    /// Create a user and their first personal access token (scope `api`, no expiry), in one
    /// transaction. The username must not be a deploy token's, ignoring case (checked in
    /// the write transaction, so no deploy token can take the name before the insert).
    pub fn create_user(&self, username: &str, is_admin: bool) -> Result<CreatedUser, AppError> {
        self.create_user_with_password(username, is_admin, None)
    }

    /// [`App::create_user`], with a password for the web UI's sign-in (checked against the
    /// password rules and hashed before anything is stored).
    pub fn create_user_with_password(
        &self,
        username: &str,
        is_admin: bool,
        password: Option<&str>,
    ) -> Result<CreatedUser, AppError> {
        validate_username(username).map_err(|e| AppError::invalid("username", e))?;
        let hash = password
            .map(PasswordHash::create)
            .transpose()
            .map_err(|e| AppError::invalid("password", e))?;
        let now = self.now();
        let scopes = PatScopes::parse(["api"]).map_err(|e| AppError::invalid("scopes", e))?;
        self.store().write(|tx| {
            let user = insert_user_checked(tx, username, is_admin, now)?;
            if let Some(hash) = &hash {
                tx.set_password_hash(user.id, hash)?;
            }
            let first_token = insert_token(tx, user.id, FIRST_TOKEN_NAME, &scopes, None, now)?;
            let event = Event::user(Action::UserCreated, &user)
                .with("first_token_id", first_token.token.id);
            self.record(tx, &Origin::cli(), &event, now)?;
            Ok(CreatedUser { user, first_token })
        })
    }

    /// Create another personal access token for `username`.
    pub fn create_personal_token(
        &self,
        username: &str,
        req: &CreatePersonalToken<'_>,
    ) -> Result<CreatedPersonalToken, AppError> {
        let now = self.now();
        let (scopes, expires_at) = personal_token_fields(req, now)?;
        self.store().write(|tx| {
            let user = require_user(tx, username)?;
            let created = insert_token(tx, user.id, req.name, &scopes, expires_at, now)?;
            let event = Event::personal_token(Action::PersonalTokenCreated, &created.token, &user);
            self.record(tx, &Origin::cli(), &event, now)?;
            Ok(created)
        })
    }

    /// Revoke a personal access token: it stops working at once, its refresh tokens too. One
    /// revoked already is refused.
    pub fn revoke_personal_token(&self, id: i64) -> Result<PersonalAccessToken, AppError> {
        let now = self.now();
        let not_found = || AppError::NotFound(format!("personal access token {id} not found"));
        self.store().write(|tx| {
            let token = tx.personal_token_by_id(id)?.ok_or_else(not_found)?;
            if token.revoked {
                return Err(super::personal_tokens::already_revoked(id));
            }
            let token = tx.revoke_personal_token(id, now)?.ok_or_else(not_found)?;
            let user = tx.user_by_id(token.user_id)?.ok_or_else(not_found)?;
            let event = Event::personal_token(Action::PersonalTokenRevoked, &token, &user);
            self.record(tx, &Origin::cli(), &event, now)?;
            Ok(token)
        })
    }

    /// Give `username` the role `level` on a group or project (replacing an earlier role).
    pub fn add_member(
        &self,
        target: HolderRef<'_>,
        username: &str,
        level: AccessLevel,
    ) -> Result<MemberAdded, AppError> {
        let now = self.now();
        self.store().write(|tx| {
            let user = require_user(tx, username)?;
            let of = match resolve_holder(tx, target)? {
                Holder::Group { id, path } => MemberOf::Group { id, path },
                Holder::Project { id, path } => MemberOf::Project { id, path },
            };
            let replaced = tx.set_membership(user.id, &of, level, now)?;
            let action = if replaced {
                Action::MemberChanged
            } else {
                Action::MemberAdded
            };
            self.record(
                tx,
                &Origin::cli(),
                &Event::member(action, &user, &of, Some(level)),
                now,
            )?;
            Ok(MemberAdded {
                user,
                of,
                level,
                replaced,
            })
        })
    }
}

/// The checked scopes and expiry of a personal access token about to be created.
pub(super) fn personal_token_fields(
    req: &CreatePersonalToken<'_>,
    now: time::OffsetDateTime,
) -> Result<(PatScopes, Option<time::OffsetDateTime>), AppError> {
    validate_name(req.name).map_err(|e| AppError::invalid("name", e))?;
    let scopes =
        PatScopes::parse(req.scopes.iter().copied()).map_err(|e| AppError::invalid("scopes", e))?;
    Ok((scopes, expiry_field(req.expires_at, now)?))
}

/// Insert a user whose username is valid, after checking (in the caller's write
/// transaction) that no user has it and no deploy token has it ignoring case.
pub(super) fn insert_user_checked(
    tx: &mut dyn Writes,
    username: &str,
    is_admin: bool,
    now: time::OffsetDateTime,
) -> Result<User, AppError> {
    if tx.user_by_username(username)?.is_some() {
        return Err(AppError::Exists(format!("user {username} already exists")));
    }
    if tx.deploy_token_login_taken(&login_key(username))? {
        let taken = UserError::UsernameOfDeployToken(username.to_owned());
        return Err(AppError::invalid("username", taken));
    }
    Ok(tx.insert_user(username, is_admin, now)?)
}

pub(super) fn insert_token(
    tx: &mut dyn Writes,
    user_id: i64,
    name: &str,
    scopes: &PatScopes,
    expires_at: Option<time::OffsetDateTime>,
    now: time::OffsetDateTime,
) -> Result<CreatedPersonalToken, AppError> {
    let secret = PlainToken::generate(PERSONAL_TOKEN_PREFIX);
    let new = NewPersonalToken {
        user_id,
        name,
        digest: &secret.digest(),
        scopes,
        expires_at,
    };
    let token = tx.insert_personal_token(&new, now)?;
    Ok(CreatedPersonalToken { token, secret })
}

fn require_user(tx: &mut dyn Writes, username: &str) -> Result<User, AppError> {
    tx.user_by_username(username)?
        .ok_or_else(|| AppError::NotFound(format!("user {username} not found")))
}

/// Whether a secret is shaped like a personal access token (the token endpoint routes on it).
pub fn is_personal_token(secret: &PlainToken) -> bool {
    secret.expose().starts_with(PERSONAL_TOKEN_PREFIX)
}

/// The user behind a personal access token, with their memberships, if the secret is known
/// and (when given) `username` is its user's name. Whether the token is still active is for
/// the caller (authorization) to decide, so every refusal can look the same.
pub fn user_credential<S: Reads + ?Sized>(
    tx: &mut S,
    secret: &PlainToken,
    username: Option<&str>,
) -> Result<Option<UserCredential>, StorageError> {
    match tx.personal_token_by_digest(&secret.digest())? {
        Some(token) => credential_for(tx, token, username),
        None => Ok(None),
    }
}

/// The user credential behind an already found token (for refresh tokens). A blocked
/// user's tokens are unknown tokens, on every surface that takes them.
pub fn credential_for<S: Reads + ?Sized>(
    tx: &mut S,
    token: PersonalAccessToken,
    username: Option<&str>,
) -> Result<Option<UserCredential>, StorageError> {
    let Some(user) = tx.user_by_id(token.user_id)?.filter(|u| !u.blocked) else {
        return Ok(None);
    };
    if username.is_some_and(|name| !constant_time_eq(&user.username, name)) {
        return Ok(None);
    }
    let memberships = tx.memberships(user.id)?;
    Ok(Some(UserCredential {
        user,
        token,
        memberships,
    }))
}
