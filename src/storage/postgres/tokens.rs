//! Deploy tokens, their refresh tokens and sealed CI secrets in PostgreSQL.

use super::{Tx, from_unix, from_unix_opt, to_unix};
use crate::domain::repository_pattern::RepositoryPatterns;
use crate::domain::token::{DeployToken, Holder, TokenDigest, TokenScopes, default_username};
use crate::domain::user::login_key;
use crate::storage::{
    DeployTokenReads, DeployTokenWrites, NewDeployToken, StorageError, StoredSecret, UserReads,
};
use postgres::Row;
use time::OffsetDateTime;

/// Columns of a token joined with its holder's path, then the rest of the query. A macro so
/// that every query is one `&'static str` (the statement cache's key).
macro_rules! select {
    ($($rest:literal),+) => {
        concat!(
            "SELECT t.id, t.name, t.username, t.scopes, t.expires_at, t.revoked_at, \
             t.created_at, t.project_id, p.path, t.group_id, g.path, t.repositories, \
             t.last_used_at FROM deploy_tokens t \
             LEFT JOIN projects p ON p.id = t.project_id \
             LEFT JOIN groups g ON g.id = t.group_id ",
            $($rest),+
        )
    };
}

/// A listing of the tokens `$holder` selects: all of them when `$2` is true, else those
/// neither revoked nor expired at `$3`.
macro_rules! listing {
    ($holder:literal) => {
        select!(
            $holder,
            " AND ($2 OR (t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $3))) \
             ORDER BY t.id"
        )
    };
}

/// The deploy-token login lookup. Public so that a test can read its plan: both refusals
/// (an unknown secret, a known secret with another username) must end inside the index
/// `deploy_tokens_login`, never visiting a row, so that they cost the same.
pub const LOGIN_QUERY: &str = select!("WHERE t.digest = $1 AND t.username = $2");

/// Active tokens whose expiry lies in `($1, $2]` (the expiry notices' scan).
pub(super) const EXPIRING: &str = select!(
    "WHERE t.revoked_at IS NULL AND t.expires_at > $1 AND t.expires_at <= $2 ORDER BY t.id"
);

pub(super) fn token_row(r: &Row) -> Result<DeployToken, StorageError> {
    let scopes: String = r.try_get(3)?;
    let scopes = TokenScopes::parse(scopes.split(','))
        .map_err(|_| StorageError::Corrupt("deploy_tokens.scopes"))?;
    let holder = match (
        r.try_get::<_, Option<i64>>(7)?,
        r.try_get::<_, Option<i64>>(9)?,
    ) {
        (Some(id), _) => Holder::Project {
            id,
            path: r.try_get(8)?,
        },
        (None, Some(id)) => Holder::Group {
            id,
            path: r.try_get(10)?,
        },
        (None, None) => return Err(StorageError::Corrupt("deploy_tokens.project_id")),
    };
    Ok(DeployToken {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        username: r.try_get(2)?,
        holder,
        scopes,
        expires_at: from_unix_opt(r.try_get(4)?)?,
        revoked: r.try_get::<_, Option<i64>>(5)?.is_some(),
        created_at: from_unix(r.try_get(6)?)?,
        repositories: r
            .try_get::<_, Option<String>>(11)?
            .map(|text| RepositoryPatterns::from_stored(&text))
            .transpose()
            .map_err(|_| StorageError::Corrupt("deploy_tokens.repositories"))?,
        last_used_at: from_unix_opt(r.try_get(12)?)?,
    })
}

impl DeployTokenReads for Tx<'_> {
    fn deploy_token_by_id(&mut self, id: i64) -> Result<Option<DeployToken>, StorageError> {
        self.row(select!("WHERE t.id = $1"), &[&id])?
            .as_ref()
            .map(token_row)
            .transpose()
    }

    /// [`LOGIN_QUERY`]: the index on `(digest, username)` is the only one starting with
    /// the digest (migration 4), so both refusals end inside it.
    fn deploy_token_by_login(
        &mut self,
        digest: &TokenDigest,
        username: &str,
    ) -> Result<Option<DeployToken>, StorageError> {
        self.row(LOGIN_QUERY, &[&&digest.0[..], &username])?
            .as_ref()
            .map(token_row)
            .transpose()
    }

    fn deploy_token_login_taken(&mut self, key: &str) -> Result<bool, StorageError> {
        let row = self.one(
            "SELECT EXISTS (SELECT 1 FROM deploy_tokens WHERE lower(username) = $1)",
            &[&key],
        )?;
        Ok(row.try_get(0)?)
    }

    fn deploy_tokens(
        &mut self,
        holder: Option<&Holder>,
        active_only: bool,
        now: OffsetDateTime,
    ) -> Result<Vec<DeployToken>, StorageError> {
        let (sql, id) = match holder {
            Some(Holder::Project { id, .. }) => (listing!("WHERE t.project_id = $1"), *id),
            Some(Holder::Group { id, .. }) => (listing!("WHERE t.group_id = $1"), *id),
            None => (listing!("WHERE $1::BIGINT IS NOT NULL"), 0),
        };
        let all = !active_only;
        self.rows(sql, &[&id, &all, &to_unix(now)])?
            .iter()
            .map(token_row)
            .collect()
    }

    fn deploy_token_for_refresh(
        &mut self,
        digest: &TokenDigest,
        service: &str,
    ) -> Result<Option<DeployToken>, StorageError> {
        self.row(
            select!(
                "WHERE t.id = (SELECT deploy_token_id FROM refresh_tokens \
                 WHERE digest = $1 AND service = $2)"
            ),
            &[&&digest.0[..], &service],
        )?
        .as_ref()
        .map(token_row)
        .transpose()
    }

    fn sealed_secret(&mut self, id: i64) -> Result<Option<StoredSecret>, StorageError> {
        let Some(row) = self.row(
            "SELECT s.nonce, s.ciphertext, t.digest FROM deploy_token_secrets s \
             JOIN deploy_tokens t ON t.id = s.deploy_token_id WHERE s.deploy_token_id = $1",
            &[&id],
        )?
        else {
            return Ok(None);
        };
        let digest: Vec<u8> = row.try_get(2)?;
        let digest: [u8; 32] = digest
            .try_into()
            .map_err(|_| StorageError::Corrupt("deploy_tokens.digest"))?;
        Ok(Some(StoredSecret {
            nonce: row.try_get(0)?,
            ciphertext: row.try_get(1)?,
            digest: TokenDigest(digest),
        }))
    }
}

impl DeployTokenWrites for Tx<'_> {
    fn insert_deploy_token(
        &mut self,
        new: &NewDeployToken<'_>,
        now: OffsetDateTime,
    ) -> Result<DeployToken, StorageError> {
        if let Some(name) = new.username
            && self.user_login_taken(&login_key(name))?
        {
            return Err(StorageError::UsernameTaken);
        }
        let (project_id, group_id) = match new.holder {
            Holder::Project { id, .. } => (Some(*id), None),
            Holder::Group { id, .. } => (None, Some(*id)),
        };
        let row = self.one(
            "INSERT INTO deploy_tokens \
             (project_id, group_id, name, username, digest, scopes, expires_at, created_at, \
             repositories) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            &[
                &project_id,
                &group_id,
                &new.name,
                &new.username.unwrap_or(""),
                &&new.digest.0[..],
                &new.scopes.to_stored(),
                &new.expires_at.map(to_unix),
                &to_unix(now),
                &new.repositories.map(RepositoryPatterns::to_stored),
            ],
        )?;
        let id: i64 = row.try_get(0)?;
        if new.username.is_none() {
            self.run(
                "UPDATE deploy_tokens SET username = $1 WHERE id = $2",
                &[&default_username(id), &id],
            )?;
        }
        self.deploy_token_by_id(id)?
            .ok_or(StorageError::Corrupt("deploy_tokens.id"))
    }

    fn insert_sealed_secret(
        &mut self,
        id: i64,
        nonce: &[u8],
        ciphertext: &[u8],
    ) -> Result<(), StorageError> {
        self.run(
            "INSERT INTO deploy_token_secrets (deploy_token_id, nonce, ciphertext) \
             VALUES ($1, $2, $3)",
            &[&id, &nonce, &ciphertext],
        )?;
        Ok(())
    }

    fn revoke_deploy_token(
        &mut self,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<Option<DeployToken>, StorageError> {
        self.run(
            "UPDATE deploy_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2",
            &[&to_unix(now), &id],
        )?;
        self.deploy_token_by_id(id)
    }

    fn insert_deploy_refresh(
        &mut self,
        digest: &TokenDigest,
        id: i64,
        service: &str,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        self.run(
            "INSERT INTO refresh_tokens (digest, deploy_token_id, service, created_at) \
             VALUES ($1, $2, $3, $4)",
            &[&&digest.0[..], &id, &service, &to_unix(now)],
        )?;
        Ok(())
    }
}
