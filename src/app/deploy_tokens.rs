//! Creating, listing and revoking deploy tokens.

use super::audit::{Action, Event, Origin};
use super::namespaces::{HolderRef, resolve_holder};
use super::{App, AppError, expiry_field};
use crate::domain::ci_variables::GITLAB_DEPLOY_TOKEN_NAME;
use crate::domain::repository_pattern::RepositoryPatterns;
use crate::domain::token::Holder;
use crate::domain::token::{
    DEPLOY_TOKEN_PREFIX, DeployToken, PlainToken, TokenError, TokenScopes, validate_name,
    validate_username,
};
use crate::storage::{NewDeployToken, StorageError, Writes};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What a caller supplies to create a token.
pub struct CreateDeployToken<'a> {
    /// Project or group.
    pub holder: HolderRef<'a>,
    /// Name (required).
    pub name: &'a str,
    /// Scope words.
    pub scopes: Vec<&'a str>,
    /// Custom username.
    pub username: Option<&'a str>,
    /// Expiry as `YYYY-MM-DD` or RFC 3339.
    pub expires_at: Option<&'a str>,
    /// Repository patterns to restrict it to (`None`: every image its holder covers).
    pub repositories: Option<Vec<&'a str>>,
}

/// A freshly created token with its secret, which exists only in this value.
pub struct CreatedDeployToken {
    /// The stored token.
    pub token: DeployToken,
    /// The secret, to show once.
    pub secret: PlainToken,
}

/// A deploy token's fields, checked: what is left to do is to store it for a holder.
pub(super) struct TokenSpec<'a> {
    name: &'a str,
    scopes: TokenScopes,
    username: Option<&'a str>,
    expires_at: Option<OffsetDateTime>,
    repositories: Option<RepositoryPatterns>,
}

impl<'a> TokenSpec<'a> {
    /// Check the fields a caller supplied (as of `now`, for the expiry).
    pub(super) fn parse(
        name: &'a str,
        scopes: &[&str],
        username: Option<&'a str>,
        expires_at: Option<&str>,
        repositories: Option<&[&str]>,
        now: OffsetDateTime,
    ) -> Result<TokenSpec<'a>, AppError> {
        validate_name(name).map_err(|e| AppError::invalid("name", e))?;
        let scopes = TokenScopes::parse(scopes.iter().copied())
            .map_err(|e| AppError::invalid("scopes", e))?;
        if let Some(username) = username {
            validate_username(username).map_err(|e| AppError::invalid("username", e))?;
        }
        let expires_at = expiry_field(expires_at, now)?;
        let repositories = repositories
            .map(|texts| RepositoryPatterns::parse(texts.iter().copied()))
            .transpose()
            .map_err(|e| AppError::invalid("repositories", e))?;
        Ok(TokenSpec {
            name,
            scopes,
            username,
            expires_at,
            repositories,
        })
    }
}

impl App {
    /// Validate and store a new deploy token; the secret is returned once and never stored.
    pub fn create_deploy_token(
        &self,
        req: &CreateDeployToken<'_>,
    ) -> Result<CreatedDeployToken, AppError> {
        let now = self.now();
        let spec = TokenSpec::parse(
            req.name,
            &req.scopes,
            req.username,
            req.expires_at,
            req.repositories.as_deref(),
            now,
        )?;
        self.store().write(|tx| {
            let holder = resolve_holder(tx, req.holder)?;
            let created = self.insert_deploy_token(tx, &holder, &spec, now)?;
            let event = Event::deploy_token(Action::DeployTokenCreated, &created.token);
            self.record(tx, &Origin::cli(), &event, now)?;
            Ok(created)
        })
    }

    /// Store a checked token for `holder` inside the caller's transaction; the secret of
    /// CI's token is sealed and kept in the same transaction. Repository patterns must lie
    /// inside the holder: they may only narrow it.
    pub(super) fn insert_deploy_token(
        &self,
        tx: &mut dyn Writes,
        holder: &Holder,
        spec: &TokenSpec<'_>,
        now: OffsetDateTime,
    ) -> Result<CreatedDeployToken, AppError> {
        if let Some(patterns) = &spec.repositories {
            patterns
                .check_within(holder)
                .map_err(|e| AppError::invalid("repositories", e))?;
        }
        let secret = PlainToken::generate(DEPLOY_TOKEN_PREFIX);
        let digest = secret.digest();
        let new = NewDeployToken {
            holder,
            name: spec.name,
            username: spec.username,
            digest: &digest,
            scopes: &spec.scopes,
            expires_at: spec.expires_at,
            repositories: spec.repositories.as_ref(),
        };
        // Only CI's token must be readable again; every other secret is gone after this.
        let sealed = if spec.name == GITLAB_DEPLOY_TOKEN_NAME {
            Some(
                self.sealing_key()?
                    .seal(secret.expose().as_bytes(), &digest.0)?,
            )
        } else {
            None
        };
        let token = tx
            .insert_deploy_token(&new, now)
            .map_err(|e| match (e, spec.username) {
                (StorageError::UsernameTaken, Some(name)) => {
                    AppError::invalid("username", TokenError::UsernameOfUser(name.to_owned()))
                }
                (e, _) => e.into(),
            })?;
        if let Some(sealed) = sealed {
            tx.insert_sealed_secret(token.id, &sealed.nonce, &sealed.ciphertext)?;
        }
        Ok(CreatedDeployToken { token, secret })
    }

    /// Tokens of one holder (or every token), optionally only the active ones.
    pub fn list_deploy_tokens(
        &self,
        holder: Option<HolderRef<'_>>,
        active_only: bool,
    ) -> Result<Vec<DeployToken>, AppError> {
        let now = self.now();
        self.store().read(|tx| {
            let holder = holder.map(|h| resolve_holder(tx, h)).transpose()?;
            Ok(tx.deploy_tokens(holder.as_ref(), active_only, now)?)
        })
    }

    /// One token by id.
    pub fn deploy_token(&self, id: i64) -> Result<DeployToken, AppError> {
        self.store()
            .read(|tx| tx.deploy_token_by_id(id))?
            .ok_or_else(|| not_found(id))
    }

    /// Revoke a token: it stops working at once and stays recorded as revoked. A token
    /// revoked already is refused, so the operator learns nothing changed.
    pub fn revoke_deploy_token(&self, id: i64) -> Result<DeployToken, AppError> {
        let now = self.now();
        self.store().write(|tx| {
            let token = tx.deploy_token_by_id(id)?.ok_or_else(|| not_found(id))?;
            if token.revoked {
                return Err(AppError::Conflict(format!(
                    "deploy token {id} was already revoked"
                )));
            }
            let token = tx
                .revoke_deploy_token(id, now)?
                .ok_or_else(|| not_found(id))?;
            let event = Event::deploy_token(Action::DeployTokenRevoked, &token);
            self.record(tx, &Origin::cli(), &event, now)?;
            Ok(token)
        })
    }
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("deploy token {id} not found"))
}

/// The JSON shape of GitLab's deploy-token entity; `secret` adds `token` (creation only).
/// Two fields are regauth's own: `repositories` (the patterns it is restricted to, `null`
/// when it is not) and `last_used_at` (`null` until a use is recorded).
pub fn deploy_token_json(
    token: &DeployToken,
    now: OffsetDateTime,
    secret: Option<&PlainToken>,
) -> Value {
    let mut value = json!({
        "id": token.id,
        "name": token.name,
        "username": token.username,
        "expires_at": token.expires_at.map(rfc3339),
        "scopes": token.scopes.names(),
        "revoked": token.revoked,
        "expired": token.is_expired(now),
        "repositories": token.repositories.as_ref().map(RepositoryPatterns::names),
        "last_used_at": token.last_used_at.map(rfc3339),
    });
    if let Some(secret) = secret {
        value["token"] = Value::String(secret.expose().to_owned());
    }
    value
}

/// RFC 3339 text of an instant (UTC, `Z`).
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}
