//! Deploy tokens: rows hold the digest, never the secret.

use super::{StorageError, from_unix, to_unix, users};
use crate::domain::token::{DeployToken, Holder, TokenDigest, TokenScopes, default_username};
use crate::domain::user::login_key;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
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
}

/// Columns of a token joined with its holder's path, reading the tokens as `$tokens` (the
/// table aliased `t`, perhaps with an index hint). A macro so that every query is one
/// `&'static str`, built at compile time rather than on each call.
macro_rules! select {
    ($tokens:literal) => {
        concat!(
            "SELECT t.id, t.name, t.username, t.scopes, t.expires_at, t.revoked_at, \
             t.created_at, t.project_id, p.path, t.group_id, g.path FROM ",
            $tokens,
            " LEFT JOIN projects p ON p.id = t.project_id \
             LEFT JOIN groups g ON g.id = t.group_id"
        )
    };
}

/// Columns of a token joined with its holder's path.
const SELECT: &str = select!("deploy_tokens t");

fn token_row(r: &Row<'_>) -> rusqlite::Result<DeployToken> {
    let scopes: String = r.get(3)?;
    let scopes = TokenScopes::parse(scopes.split(',')).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let holder = match (r.get::<_, Option<i64>>(7)?, r.get::<_, Option<i64>>(9)?) {
        (Some(id), _) => Holder::Project {
            id,
            path: r.get(8)?,
        },
        (None, Some(id)) => Holder::Group {
            id,
            path: r.get(10)?,
        },
        (None, None) => {
            return Err(rusqlite::Error::InvalidColumnType(
                7,
                "holder".into(),
                rusqlite::types::Type::Null,
            ));
        }
    };
    Ok(DeployToken {
        id: r.get(0)?,
        name: r.get(1)?,
        username: r.get(2)?,
        holder,
        scopes,
        expires_at: r.get::<_, Option<i64>>(4)?.map(from_unix).transpose()?,
        revoked: r.get::<_, Option<i64>>(5)?.is_some(),
        created_at: from_unix(r.get(6)?)?,
    })
}

/// Store a new token; a missing username becomes `gitlab+deploy-token-{id}`.
pub fn insert(
    conn: &mut Connection,
    new: &NewDeployToken<'_>,
    now: OffsetDateTime,
) -> Result<DeployToken, StorageError> {
    // Immediate: the username check in `insert_row` and the insert run under one write lock.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let id = insert_row(&tx, new, now)?;
    tx.commit()?;
    by_id(conn, id)?.ok_or(StorageError::Corrupt("deploy_tokens.id"))
}

/// Insert the row (and its default username) inside the caller's transaction; the id.
/// A custom username that is a user's, ignoring case, is refused with
/// [`StorageError::UsernameTaken`]: the caller's transaction must be an immediate one, so
/// that no user can be created between this check and the insert.
pub(crate) fn insert_row(
    tx: &Connection,
    new: &NewDeployToken<'_>,
    now: OffsetDateTime,
) -> Result<i64, StorageError> {
    if let Some(name) = new.username
        && users::login_key_taken(tx, &login_key(name))?
    {
        return Err(StorageError::UsernameTaken);
    }
    let (project_id, group_id) = match new.holder {
        Holder::Project { id, .. } => (Some(*id), None),
        Holder::Group { id, .. } => (None, Some(*id)),
    };
    tx.execute(
        "INSERT INTO deploy_tokens (project_id, group_id, name, username, digest, scopes, expires_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            project_id,
            group_id,
            new.name,
            new.username.unwrap_or(""),
            &new.digest.0[..],
            new.scopes.to_stored(),
            new.expires_at.map(to_unix),
            to_unix(now)
        ],
    )?;
    let id = tx.last_insert_rowid();
    if new.username.is_none() {
        tx.execute(
            "UPDATE deploy_tokens SET username = ?1 WHERE id = ?2",
            params![default_username(id), id],
        )?;
    }
    Ok(id)
}

/// Whether some deploy token's username (revoked and expired ones included) has this
/// [`crate::domain::user::login_key`].
pub fn login_key_taken(conn: &Connection, key: &str) -> Result<bool, StorageError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM deploy_tokens WHERE lower(username) = ?1)")?
        .query_row([key], |r| r.get(0))?)
}

/// The token with this id.
pub fn by_id(conn: &Connection, id: i64) -> Result<Option<DeployToken>, StorageError> {
    let mut stmt = conn.prepare_cached(concat!(select!("deploy_tokens t"), " WHERE t.id = ?1"))?;
    Ok(stmt.query_row([id], token_row).optional()?)
}

/// The token with this secret digest and this username. A known secret given with another
/// username finds nothing, like an unknown secret: both refusals end in the same index
/// (`deploy_tokens_login`, named so the planner cannot pick the digest-only one and visit
/// the row), so their timing does not tell "wrong username" from "no such token".
/// Revoked and expired tokens are returned too: the caller decides, so that every refusal
/// looks the same.
pub fn by_login(
    conn: &Connection,
    digest: &TokenDigest,
    username: &str,
) -> Result<Option<DeployToken>, StorageError> {
    let mut stmt = conn.prepare_cached(concat!(
        select!("deploy_tokens t INDEXED BY deploy_tokens_login"),
        " WHERE t.digest = ?1 AND t.username = ?2"
    ))?;
    Ok(stmt
        .query_row(params![&digest.0[..], username], token_row)
        .optional()?)
}

/// Tokens held by `holder` (or all tokens when `None`), newest last; `active_only` drops
/// revoked and expired ones as of `now`.
pub fn list(
    conn: &Connection,
    holder: Option<&Holder>,
    active_only: bool,
    now: OffsetDateTime,
) -> Result<Vec<DeployToken>, StorageError> {
    let (filter, id) = match holder {
        Some(Holder::Project { id, .. }) => ("t.project_id = ?1", *id),
        Some(Holder::Group { id, .. }) => ("t.group_id = ?1", *id),
        None => ("?1 = 0", 0),
    };
    let active = if active_only {
        " AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?2)"
    } else {
        " AND ?2 = ?2"
    };
    let sql = format!("{SELECT} WHERE {filter}{active} ORDER BY t.id");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![id, to_unix(now)], token_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Mark a token revoked (keeping the row); returns it, or `None` if there is no such token.
/// Revoking twice keeps the first revocation time.
pub fn revoke(
    conn: &Connection,
    id: i64,
    now: OffsetDateTime,
) -> Result<Option<DeployToken>, StorageError> {
    conn.execute(
        "UPDATE deploy_tokens SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
        params![to_unix(now), id],
    )?;
    by_id(conn, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::namespace::{RegistryAccess, Visibility};
    use crate::domain::token::{DEPLOY_TOKEN_PREFIX, PlainToken};
    use crate::storage::{Store, namespaces};

    #[test]
    fn login_needs_the_secret_and_its_own_username() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let mut conn = store.conn().unwrap();
        let now = OffsetDateTime::UNIX_EPOCH;
        let g = namespaces::insert_group(&conn, None, "g", "g", Visibility::Private, now).unwrap();
        let (private, enabled) = (Visibility::Private, RegistryAccess::Enabled);
        let p = namespaces::insert_project(&conn, g.id, "g/p", "p", private, enabled, now).unwrap();
        let holder = Holder::Project {
            id: p.id,
            path: p.path,
        };
        let scopes = TokenScopes::parse(["read_registry"]).unwrap();
        let mut add = |secret: &PlainToken| {
            let new = NewDeployToken {
                holder: &holder,
                name: "ci",
                username: None,
                digest: &secret.digest(),
                scopes: &scopes,
                expires_at: None,
            };
            insert(&mut conn, &new, now).unwrap()
        };
        let (a, b) = (
            PlainToken::generate(DEPLOY_TOKEN_PREFIX),
            PlainToken::generate(DEPLOY_TOKEN_PREFIX),
        );
        let (token_a, token_b) = (add(&a), add(&b));
        let conn = store.conn().unwrap();
        let login =
            |secret: &PlainToken, user: &str| by_login(&conn, &secret.digest(), user).unwrap();
        assert_eq!(login(&a, &token_a.username), Some(token_a.clone()));
        assert_eq!(
            login(&a, &token_b.username),
            None,
            "another token's username"
        );
        let unknown = PlainToken::generate(DEPLOY_TOKEN_PREFIX);
        assert_eq!(login(&unknown, &token_a.username), None);
        assert_eq!(login(&b, &token_b.username), Some(token_b));
    }
}
