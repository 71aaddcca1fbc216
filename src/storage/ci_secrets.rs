//! Sealed secrets of `gitlab-deploy-token` tokens: stored in the same transaction as the
//! token row, so such a token never exists without them.

use super::StorageError;
use super::tokens::{self, NewDeployToken};
use crate::domain::token::{DeployToken, TokenDigest};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

/// A sealed secret as stored, with the digest it is bound to.
pub struct StoredSecret {
    /// The AEAD nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext and tag.
    pub ciphertext: Vec<u8>,
    /// The token's digest (the associated data the secret was sealed with).
    pub digest: TokenDigest,
}

/// Store a new token together with its sealed secret, atomically.
pub fn insert_with_token(
    conn: &mut Connection,
    new: &NewDeployToken<'_>,
    nonce: &[u8],
    ciphertext: &[u8],
    now: OffsetDateTime,
) -> Result<DeployToken, StorageError> {
    // Immediate, as `tokens::insert_row` needs for its username check.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let id = tokens::insert_row(&tx, new, now)?;
    tx.execute(
        "INSERT INTO deploy_token_secrets (deploy_token_id, nonce, ciphertext) VALUES (?1, ?2, ?3)",
        params![id, nonce, ciphertext],
    )?;
    tx.commit()?;
    tokens::by_id(conn, id)?.ok_or(StorageError::Corrupt("deploy_tokens.id"))
}

/// The sealed secret of token `id`, if one was kept.
pub fn for_token(conn: &Connection, id: i64) -> Result<Option<StoredSecret>, StorageError> {
    let row = conn
        .prepare_cached(
            "SELECT s.nonce, s.ciphertext, t.digest FROM deploy_token_secrets s \
             JOIN deploy_tokens t ON t.id = s.deploy_token_id WHERE s.deploy_token_id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })
        .optional()?;
    let Some((nonce, ciphertext, digest)) = row else {
        return Ok(None);
    };
    let digest: [u8; 32] = digest
        .try_into()
        .map_err(|_| StorageError::Corrupt("deploy_tokens.digest"))?;
    Ok(Some(StoredSecret {
        nonce,
        ciphertext,
        digest: TokenDigest(digest),
    }))
}
