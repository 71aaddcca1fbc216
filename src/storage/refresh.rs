//! Refresh tokens: digests bound to a deploy token and a service.

use super::{StorageError, to_unix, tokens};
use crate::domain::token::{DeployToken, TokenDigest};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// Record a refresh token for `deploy_token_id` on `service`.
pub fn insert(
    conn: &Connection,
    digest: &TokenDigest,
    deploy_token_id: i64,
    service: &str,
    now: OffsetDateTime,
) -> Result<(), StorageError> {
    conn.execute(
        "INSERT INTO refresh_tokens (digest, deploy_token_id, service, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![&digest.0[..], deploy_token_id, service, to_unix(now)],
    )?;
    Ok(())
}

/// The deploy token behind a refresh token, if the refresh token exists and was issued
/// for `service`.
pub fn deploy_token_for(
    conn: &Connection,
    digest: &TokenDigest,
    service: &str,
) -> Result<Option<DeployToken>, StorageError> {
    let id: Option<i64> = conn
        .prepare_cached(
            "SELECT deploy_token_id FROM refresh_tokens WHERE digest = ?1 AND service = ?2",
        )?
        .query_row(params![&digest.0[..], service], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => tokens::by_id(conn, id),
        None => Ok(None),
    }
}
