//! Users, memberships, personal access tokens and their refresh tokens in SQLite.

use super::{Tx, from_unix, to_unix};
use crate::domain::role::{AccessLevel, MemberOf, Membership, Memberships};
use crate::domain::token::TokenDigest;
use crate::domain::user::{PatScopes, PersonalAccessToken, User};
use crate::storage::{NewPersonalToken, StorageError, UserReads, UserWrites};
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;

pub(super) const USER_COLUMNS: &str = "id, username, is_admin, created_at, blocked_at";
pub(super) const TOKEN_COLUMNS: &str =
    "id, user_id, name, scopes, expires_at, revoked_at, created_at, last_used_at";

pub(super) fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        is_admin: r.get(2)?,
        created_at: from_unix(r.get(3)?)?,
        blocked: r.get::<_, Option<i64>>(4)?.is_some(),
    })
}

pub(super) fn token_row(r: &Row<'_>) -> rusqlite::Result<PersonalAccessToken> {
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
        last_used_at: r.get::<_, Option<i64>>(7)?.map(from_unix).transpose()?,
    })
}

/// A membership row: `(access_level, group_id, group path, project_id, project path)`.
fn membership_row(r: &Row<'_>) -> rusqlite::Result<Option<Membership>> {
    let level: i64 = r.get(0)?;
    let of = match (r.get::<_, Option<i64>>(1)?, r.get::<_, Option<i64>>(3)?) {
        (Some(id), _) => MemberOf::Group {
            id,
            path: r.get(2)?,
        },
        (None, Some(id)) => MemberOf::Project {
            id,
            path: r.get(4)?,
        },
        (None, None) => return Ok(None),
    };
    Ok(AccessLevel::from_value(level).map(|level| Membership { of, level }))
}

impl UserReads for Tx<'_> {
    fn user_by_id(&mut self, id: i64) -> Result<Option<User>, StorageError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
        Ok(self
            .0
            .prepare_cached(&sql)?
            .query_row([id], user_row)
            .optional()?)
    }

    fn user_by_username(&mut self, username: &str) -> Result<Option<User>, StorageError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1");
        Ok(self
            .0
            .prepare_cached(&sql)?
            .query_row([username], user_row)
            .optional()?)
    }

    fn memberships(&mut self, user_id: i64) -> Result<Memberships, StorageError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT m.access_level, m.group_id, g.path, m.project_id, p.path FROM memberships m \
             LEFT JOIN groups g ON g.id = m.group_id LEFT JOIN projects p ON p.id = m.project_id \
             WHERE m.user_id = ?1 ORDER BY m.id",
        )?;
        let rows = stmt.query_map([user_id], membership_row)?;
        let mut all = Vec::new();
        for row in rows {
            all.push(row?.ok_or(StorageError::Corrupt("memberships.access_level"))?);
        }
        Ok(Memberships(all))
    }

    /// SQLite's `lower` folds ASCII only, exactly as the key does.
    fn user_login_taken(&mut self, key: &str) -> Result<bool, StorageError> {
        Ok(self
            .0
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = ?1)")?
            .query_row([key], |r| r.get(0))?)
    }

    fn personal_token_by_id(
        &mut self,
        id: i64,
    ) -> Result<Option<PersonalAccessToken>, StorageError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM personal_access_tokens WHERE id = ?1");
        Ok(self
            .0
            .prepare_cached(&sql)?
            .query_row([id], token_row)
            .optional()?)
    }

    fn personal_token_by_digest(
        &mut self,
        digest: &TokenDigest,
    ) -> Result<Option<PersonalAccessToken>, StorageError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM personal_access_tokens WHERE digest = ?1");
        Ok(self
            .0
            .prepare_cached(&sql)?
            .query_row([&digest.0[..]], token_row)
            .optional()?)
    }

    fn personal_token_for_refresh(
        &mut self,
        digest: &TokenDigest,
        service: &str,
    ) -> Result<Option<PersonalAccessToken>, StorageError> {
        let id: Option<i64> = self
            .0
            .prepare_cached(
                "SELECT personal_access_token_id FROM user_refresh_tokens WHERE digest = ?1 AND service = ?2",
            )?
            .query_row(params![&digest.0[..], service], |r| r.get(0))
            .optional()?;
        match id {
            Some(id) => self.personal_token_by_id(id),
            None => Ok(None),
        }
    }
}

impl UserWrites for Tx<'_> {
    fn insert_user(
        &mut self,
        username: &str,
        is_admin: bool,
        now: OffsetDateTime,
    ) -> Result<User, StorageError> {
        self.0.execute(
            "INSERT INTO users (username, is_admin, created_at) VALUES (?1, ?2, ?3)",
            params![username, is_admin, to_unix(now)],
        )?;
        let id = self.0.last_insert_rowid();
        self.user_by_id(id)?
            .ok_or(StorageError::Corrupt("users.id"))
    }

    fn set_membership(
        &mut self,
        user_id: i64,
        of: &MemberOf,
        level: AccessLevel,
        now: OffsetDateTime,
    ) -> Result<bool, StorageError> {
        let (group_id, project_id, filter) = match of {
            MemberOf::Group { id, .. } => (Some(*id), None, "group_id = ?2"),
            MemberOf::Project { id, .. } => (None, Some(*id), "project_id = ?2"),
        };
        let target = group_id.or(project_id);
        let updated = self.0.execute(
            &format!("UPDATE memberships SET access_level = ?3 WHERE user_id = ?1 AND {filter}"),
            params![user_id, target, level.value()],
        )?;
        if updated == 0 {
            self.0.execute(
                "INSERT INTO memberships (user_id, group_id, project_id, access_level, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user_id, group_id, project_id, level.value(), to_unix(now)],
            )?;
        }
        Ok(updated > 0)
    }

    fn insert_personal_token(
        &mut self,
        new: &NewPersonalToken<'_>,
        now: OffsetDateTime,
    ) -> Result<PersonalAccessToken, StorageError> {
        self.0.execute(
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
        let id = self.0.last_insert_rowid();
        self.personal_token_by_id(id)?
            .ok_or(StorageError::Corrupt("personal_access_tokens.id"))
    }

    fn revoke_personal_token(
        &mut self,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<Option<PersonalAccessToken>, StorageError> {
        self.0.execute(
            "UPDATE personal_access_tokens SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
            params![to_unix(now), id],
        )?;
        self.personal_token_by_id(id)
    }

    fn insert_user_refresh(
        &mut self,
        digest: &TokenDigest,
        id: i64,
        service: &str,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        self.0.execute(
            "INSERT INTO user_refresh_tokens (digest, personal_access_token_id, service, created_at) \
             VALUES (?1, ?2, ?3, ?4)",
            params![&digest.0[..], id, service, to_unix(now)],
        )?;
        Ok(())
    }
}
