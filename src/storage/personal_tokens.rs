//! Personal access tokens and the refresh tokens bound to them: rows hold digests only.

use super::{StorageError, from_unix, to_unix};
use crate::domain::token::TokenDigest;
use crate::domain::user::{PatScopes, PersonalAccessToken};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

const COLUMNS: &str = "id, user_id, name, scopes, expires_at, revoked_at, created_at";

fn token_row(r: &Row<'_>) -> rusqlite::Result<PersonalAccessToken> {
    let scopes: String = r.get(3)?;
    let scopes = PatScopes::parse(scopes.split(',')).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(PersonalAccessToken {
        id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        scopes,
        expires_at: r.get::<_, Option<i64>>(4)?.map(from_unix).transpose()?,
        revoked: r.get::<_, Option<i64>>(5)?.is_some(),
        created_at: from_unix(r.get(6)?)?,
    })
}

/// A token about to be stored.
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

/// Store a new personal access token.
pub fn insert(
    conn: &Connection,
    new: &NewPersonalToken<'_>,
    now: OffsetDateTime,
) -> Result<PersonalAccessToken, StorageError> {
    conn.execute(
        "INSERT INTO personal_access_tokens (user_id, name, digest, scopes, expires_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            new.user_id,
            new.name,
            &new.digest.0[..],
            new.scopes.to_stored(),
            new.expires_at.map(to_unix),
            to_unix(now)
        ],
    )?;
    by_id(conn, conn.last_insert_rowid())?.ok_or(StorageError::Corrupt("personal_access_tokens.id"))
}

/// The token with this id.
pub fn by_id(conn: &Connection, id: i64) -> Result<Option<PersonalAccessToken>, StorageError> {
    let sql = format!("SELECT {COLUMNS} FROM personal_access_tokens WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], token_row)
        .optional()?)
}

/// The token whose secret has this digest (revoked and expired ones included: the caller
/// decides, so that every refusal looks the same).
pub fn by_digest(
    conn: &Connection,
    digest: &TokenDigest,
) -> Result<Option<PersonalAccessToken>, StorageError> {
    let sql = format!("SELECT {COLUMNS} FROM personal_access_tokens WHERE digest = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([&digest.0[..]], token_row)
        .optional()?)
}

/// Mark a token revoked (keeping the row); returns it, or `None` if there is no such token.
pub fn revoke(
    conn: &Connection,
    id: i64,
    now: OffsetDateTime,
) -> Result<Option<PersonalAccessToken>, StorageError> {
    conn.execute(
        "UPDATE personal_access_tokens SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
        params![to_unix(now), id],
    )?;
    by_id(conn, id)
}

/// Record a refresh token for personal access token `token_id` on `service`.
pub fn insert_refresh(
    conn: &Connection,
    digest: &TokenDigest,
    token_id: i64,
    service: &str,
    now: OffsetDateTime,
) -> Result<(), StorageError> {
    conn.execute(
        "INSERT INTO user_refresh_tokens (digest, personal_access_token_id, service, created_at) \
         VALUES (?1, ?2, ?3, ?4)",
        params![&digest.0[..], token_id, service, to_unix(now)],
    )?;
    Ok(())
}

/// The personal access token behind a refresh token, if the refresh token exists and was
/// issued for `service`.
pub fn for_refresh(
    conn: &Connection,
    digest: &TokenDigest,
    service: &str,
) -> Result<Option<PersonalAccessToken>, StorageError> {
    let id: Option<i64> = conn
        .prepare_cached(
            "SELECT personal_access_token_id FROM user_refresh_tokens WHERE digest = ?1 AND service = ?2",
        )?
        .query_row(params![&digest.0[..], service], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => by_id(conn, id),
        None => Ok(None),
    }
}
