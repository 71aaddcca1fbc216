//! Creating, listing and revoking deploy tokens.

use super::namespaces::{HolderRef, resolve_holder};
use super::{App, AppError, expiry_field};
use crate::domain::ci_variables::GITLAB_DEPLOY_TOKEN_NAME;
use crate::domain::token::{
    DEPLOY_TOKEN_PREFIX, DeployToken, PlainToken, TokenError, TokenScopes, validate_name,
    validate_username,
};
use crate::storage::tokens::{self as db, NewDeployToken};
use crate::storage::{StorageError, ci_secrets};
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
}

/// A freshly created token with its secret, which exists only in this value.
pub struct CreatedDeployToken {
    /// The stored token.
    pub token: DeployToken,
    /// The secret, to show once.
    pub secret: PlainToken,
}

impl App {
    /// Validate and store a new deploy token; the secret is returned once and never stored.
    pub fn create_deploy_token(
        &self,
        req: &CreateDeployToken<'_>,
    ) -> Result<CreatedDeployToken, AppError> {
        validate_name(req.name).map_err(|e| AppError::invalid("name", e))?;
        let scopes = TokenScopes::parse(req.scopes.iter().copied())
            .map_err(|e| AppError::invalid("scopes", e))?;
        if let Some(username) = req.username {
            validate_username(username).map_err(|e| AppError::invalid("username", e))?;
        }
        let now = self.now();
        let expires_at = expiry_field(req.expires_at, now)?;
        let mut conn = self.conn()?;
        let holder = resolve_holder(&conn, req.holder)?;
        let secret = PlainToken::generate(DEPLOY_TOKEN_PREFIX);
        let digest = secret.digest();
        let new = NewDeployToken {
            holder: &holder,
            name: req.name,
            username: req.username,
            digest: &digest,
            scopes: &scopes,
            expires_at,
        };
        // Only CI's token must be readable again; every other secret is gone after this.
        let stored = if req.name == GITLAB_DEPLOY_TOKEN_NAME {
            let sealed = self
                .sealing_key()?
                .seal(secret.expose().as_bytes(), &digest.0)?;
            ci_secrets::insert_with_token(&mut conn, &new, &sealed.nonce, &sealed.ciphertext, now)
        } else {
            db::insert(&mut conn, &new, now)
        };
        let token = stored.map_err(|e| match (e, req.username) {
            (StorageError::UsernameTaken, Some(name)) => {
                AppError::invalid("username", TokenError::UsernameOfUser(name.to_owned()))
            }
            (e, _) => e.into(),
        })?;
        Ok(CreatedDeployToken { token, secret })
    }

    /// Tokens of one holder (or every token), optionally only the active ones.
    pub fn list_deploy_tokens(
        &self,
        holder: Option<HolderRef<'_>>,
        active_only: bool,
    ) -> Result<Vec<DeployToken>, AppError> {
        let conn = self.conn()?;
        let holder = holder.map(|h| resolve_holder(&conn, h)).transpose()?;
        Ok(db::list(&conn, holder.as_ref(), active_only, self.now())?)
    }

    /// One token by id.
    pub fn deploy_token(&self, id: i64) -> Result<DeployToken, AppError> {
        db::by_id(&*self.conn()?, id)?.ok_or_else(|| not_found(id))
    }

    /// Revoke a token: it stops working at once and stays recorded as revoked.
    pub fn revoke_deploy_token(&self, id: i64) -> Result<DeployToken, AppError> {
        db::revoke(&*self.conn()?, id, self.now())?.ok_or_else(|| not_found(id))
    }
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("deploy token {id} not found"))
}

/// The JSON shape of GitLab's deploy-token entity; `secret` adds `token` (creation only).
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
