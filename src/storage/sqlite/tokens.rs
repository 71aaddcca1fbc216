//! Deploy tokens, their refresh tokens and sealed CI secrets in SQLite.

use super::{Tx, from_unix, to_unix};
use crate::domain::repository_pattern::RepositoryPatterns;
use crate::domain::token::{DeployToken, Holder, TokenDigest, TokenScopes, default_username};
use crate::domain::user::login_key;
use crate::storage::{
    DeployTokenReads, DeployTokenWrites, NewDeployToken, StorageError, StoredSecret, UserReads,
};
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;

/// Columns of a token joined with its holder's path, reading the tokens as `$tokens` (the
/// table aliased `t`, perhaps with an index hint). A macro so that every query is one
/// `&'static str`, built at compile time rather than on each call.
macro_rules! select {
    ($tokens:literal) => {
        concat!(
            "SELECT t.id, t.name, t.username, t.scopes, t.expires_at, t.revoked_at, \
             t.created_at, t.project_id, p.path, t.group_id, g.path, t.repositories, \
             t.last_used_at FROM ",
            $tokens,
            " LEFT JOIN projects p ON p.id = t.project_id \
             LEFT JOIN groups g ON g.id = t.group_id"
        )
    };
}

/// Columns of a token joined with its holder's path.
pub(super) const SELECT: &str = select!("deploy_tokens t");

pub(super) fn token_row(r: &Row<'_>) -> rusqlite::Result<DeployToken> {
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
        repositories: r
            .get::<_, Option<String>>(11)?
            .map(|text| {
                RepositoryPatterns::from_stored(&text).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        11,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })
            })
            .transpose()?,
        last_used_at: r.get::<_, Option<i64>>(12)?.map(from_unix).transpose()?,
    })
}

impl DeployTokenReads for Tx<'_> {
    fn deploy_token_by_id(&mut self, id: i64) -> Result<Option<DeployToken>, StorageError> {
        let mut stmt = self
            .0
            .prepare_cached(concat!(select!("deploy_tokens t"), " WHERE t.id = ?1"))?;
        Ok(stmt.query_row([id], token_row).optional()?)
    }

    /// Both refusals end in the same index (`deploy_tokens_login`, named so the planner
    /// cannot pick the digest-only one and visit the row), so their timing does not tell
    /// "wrong username" from "no such token".
    fn deploy_token_by_login(
        &mut self,
        digest: &TokenDigest,
        username: &str,
    ) -> Result<Option<DeployToken>, StorageError> {
        let mut stmt = self.0.prepare_cached(concat!(
            select!("deploy_tokens t INDEXED BY deploy_tokens_login"),
            " WHERE t.digest = ?1 AND t.username = ?2"
        ))?;
        Ok(stmt
            .query_row(params![&digest.0[..], username], token_row)
            .optional()?)
    }

    fn deploy_token_login_taken(&mut self, key: &str) -> Result<bool, StorageError> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM deploy_tokens WHERE lower(username) = ?1)",
            )?
            .query_row([key], |r| r.get(0))?)
    }

    fn deploy_tokens(
        &mut self,
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
        let mut stmt = self.0.prepare(&sql)?;
        let rows = stmt.query_map(params![id, to_unix(now)], token_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn deploy_token_for_refresh(
        &mut self,
        digest: &TokenDigest,
        service: &str,
    ) -> Result<Option<DeployToken>, StorageError> {
        let id: Option<i64> = self
            .0
            .prepare_cached(
                "SELECT deploy_token_id FROM refresh_tokens WHERE digest = ?1 AND service = ?2",
            )?
            .query_row(params![&digest.0[..], service], |r| r.get(0))
            .optional()?;
        match id {
            Some(id) => self.deploy_token_by_id(id),
            None => Ok(None),
        }
    }

    fn sealed_secret(&mut self, id: i64) -> Result<Option<StoredSecret>, StorageError> {
        let row = self
            .0
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
        self.0.execute(
            "INSERT INTO deploy_tokens (project_id, group_id, name, username, digest, scopes, expires_at, created_at, repositories) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                project_id,
                group_id,
                new.name,
                new.username.unwrap_or(""),
                &new.digest.0[..],
                new.scopes.to_stored(),
                new.expires_at.map(to_unix),
                to_unix(now),
                new.repositories.map(RepositoryPatterns::to_stored)
            ],
        )?;
        let id = self.0.last_insert_rowid();
        if new.username.is_none() {
            self.0.execute(
                "UPDATE deploy_tokens SET username = ?1 WHERE id = ?2",
                params![default_username(id), id],
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
        self.0.execute(
            "INSERT INTO deploy_token_secrets (deploy_token_id, nonce, ciphertext) VALUES (?1, ?2, ?3)",
            params![id, nonce, ciphertext],
        )?;
        Ok(())
    }

    fn revoke_deploy_token(
        &mut self,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<Option<DeployToken>, StorageError> {
        self.0.execute(
            "UPDATE deploy_tokens SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
            params![to_unix(now), id],
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
        self.0.execute(
            "INSERT INTO refresh_tokens (digest, deploy_token_id, service, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![&digest.0[..], id, service, to_unix(now)],
        )?;
        Ok(())
    }
}
