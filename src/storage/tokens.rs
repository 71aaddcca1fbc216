//! Deploy tokens, their refresh tokens and the sealed secrets of CI's tokens: what every
//! backend offers for them. Rows hold digests, never secrets.

use super::StorageError;
use crate::domain::repository_pattern::RepositoryPatterns;
use crate::domain::token::{DeployToken, Holder, TokenDigest, TokenScopes};
use time::OffsetDateTime;

/// A token about to be stored.
pub struct NewDeployToken<'a> {
    /// Project or group holding it (ids are what count; paths are informational).
    pub holder: &'a Holder,
    /// Name.
    pub name: &'a str,
    /// Custom username; `None` gives `gitlab+deploy-token-{id}`.
    pub username: Option<&'a str>,
    /// Digest of the secret.
    pub digest: &'a TokenDigest,
    /// Scopes.
    pub scopes: &'a TokenScopes,
    /// Expiry.
    pub expires_at: Option<OffsetDateTime>,
    /// The images it is restricted to (`None`: every image its holder covers).
    pub repositories: Option<&'a RepositoryPatterns>,
}

/// A sealed secret as stored, with the digest it is bound to.
pub struct StoredSecret {
    /// The AEAD nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext and tag.
    pub ciphertext: Vec<u8>,
    /// The token's digest (the associated data the secret was sealed with).
    pub digest: TokenDigest,
}

/// Looking deploy tokens up.
pub trait DeployTokenReads {
    /// The token with this id.
    fn deploy_token_by_id(&mut self, id: i64) -> Result<Option<DeployToken>, StorageError>;
    /// The token with this secret digest and this username. A known secret given with
    /// another username finds nothing, like an unknown secret, and both refusals must cost
    /// the same (no timing tells "wrong username" from "no such token"). Revoked and expired
    /// tokens are returned too: the caller decides, so that every refusal looks the same.
    /// On the token path.
    fn deploy_token_by_login(
        &mut self,
        digest: &TokenDigest,
        username: &str,
    ) -> Result<Option<DeployToken>, StorageError>;
    /// Whether some deploy token's username (revoked and expired ones included) has this
    /// [`crate::domain::user::login_key`].
    fn deploy_token_login_taken(&mut self, key: &str) -> Result<bool, StorageError>;
    /// Tokens held by `holder` (or all tokens when `None`), oldest first; `active_only` drops
    /// revoked and expired ones as of `now`.
    fn deploy_tokens(
        &mut self,
        holder: Option<&Holder>,
        active_only: bool,
        now: OffsetDateTime,
    ) -> Result<Vec<DeployToken>, StorageError>;
    /// The deploy token behind a refresh token, if the refresh token exists and was issued
    /// for `service`.
    fn deploy_token_for_refresh(
        &mut self,
        digest: &TokenDigest,
        service: &str,
    ) -> Result<Option<DeployToken>, StorageError>;
    /// The sealed secret of token `id`, if one was kept.
    fn sealed_secret(&mut self, id: i64) -> Result<Option<StoredSecret>, StorageError>;
}

/// Creating and revoking deploy tokens.
pub trait DeployTokenWrites: DeployTokenReads {
    /// Store a new token; a missing username becomes `gitlab+deploy-token-{id}`. A custom
    /// username that is a user's, ignoring case, is refused with
    /// [`StorageError::UsernameTaken`] (the write transaction holds the write lock, so no
    /// user can be created between this check and the insert).
    fn insert_deploy_token(
        &mut self,
        new: &NewDeployToken<'_>,
        now: OffsetDateTime,
    ) -> Result<DeployToken, StorageError>;
    /// Keep the sealed secret of token `id` (in the token's transaction, so that such a
    /// token never exists without it).
    fn insert_sealed_secret(
        &mut self,
        id: i64,
        nonce: &[u8],
        ciphertext: &[u8],
    ) -> Result<(), StorageError>;
    /// Mark a token revoked (keeping the row); returns it, or `None` if there is no such
    /// token. Revoking twice keeps the first revocation time.
    fn revoke_deploy_token(
        &mut self,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<Option<DeployToken>, StorageError>;
    /// Record a refresh token for deploy token `id` on `service`.
    fn insert_deploy_refresh(
        &mut self,
        digest: &TokenDigest,
        id: i64,
        service: &str,
        now: OffsetDateTime,
    ) -> Result<(), StorageError>;
}
