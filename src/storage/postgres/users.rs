//! Users, memberships, personal access tokens and their refresh tokens in PostgreSQL.

use super::{Tx, from_unix, from_unix_opt, to_unix};
use crate::domain::role::{AccessLevel, MemberOf, Membership, Memberships};
use crate::domain::token::TokenDigest;
use crate::domain::user::{PatScopes, PersonalAccessToken, User};
use crate::storage::{NewPersonalToken, StorageError, UserReads, UserWrites};
use postgres::Row;
use time::OffsetDateTime;

/// `SELECT` of every user column, then the rest of the query.
macro_rules! users {
    ($rest:literal) => {
        concat!(
            "SELECT id, username, is_admin, created_at, blocked_at FROM users ",
            $rest
        )
    };
}

/// `SELECT` of every personal-access-token column, then the rest of the query.
macro_rules! tokens {
    ($rest:literal) => {
        concat!(
            "SELECT id, user_id, name, scopes, expires_at, revoked_at, created_at, \
             last_used_at FROM personal_access_tokens ",
            $rest
        )
    };
}

pub(super) fn user_row(r: &Row) -> Result<User, StorageError> {
    Ok(User {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        is_admin: r.try_get(2)?,
        created_at: from_unix(r.try_get(3)?)?,
        blocked: r.try_get::<_, Option<i64>>(4)?.is_some(),
    })
}

/// Active personal access tokens whose expiry lies in `($1, $2]`, with their user's name.
pub(super) const EXPIRING: &str = "SELECT t.id, t.user_id, t.name, t.scopes, t.expires_at, \
     t.revoked_at, t.created_at, t.last_used_at, u.username FROM personal_access_tokens t \
     JOIN users u ON u.id = t.user_id \
     WHERE t.revoked_at IS NULL AND t.expires_at > $1 AND t.expires_at <= $2 ORDER BY t.id";

pub(super) fn token_row(r: &Row) -> Result<PersonalAccessToken, StorageError> {
    let scopes: String = r.try_get(3)?;
    let scopes = PatScopes::parse(scopes.split(','))
        .map_err(|_| StorageError::Corrupt("personal_access_tokens.scopes"))?;
    Ok(PersonalAccessToken {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        name: r.try_get(2)?,
        scopes,
        expires_at: from_unix_opt(r.try_get(4)?)?,
        revoked: r.try_get::<_, Option<i64>>(5)?.is_some(),
        created_at: from_unix(r.try_get(6)?)?,
        last_used_at: from_unix_opt(r.try_get(7)?)?,
    })
}

/// A membership row: `(access_level, group_id, group path, project_id, project path)`.
fn membership_row(r: &Row) -> Result<Membership, StorageError> {
    let corrupt = StorageError::Corrupt("memberships.access_level");
    let level = AccessLevel::from_value(r.try_get(0)?).ok_or(corrupt)?;
    let of = match (
        r.try_get::<_, Option<i64>>(1)?,
        r.try_get::<_, Option<i64>>(3)?,
    ) {
        (Some(id), _) => MemberOf::Group {
            id,
            path: r.try_get(2)?,
        },
        (None, Some(id)) => MemberOf::Project {
            id,
            path: r.try_get(4)?,
        },
        (None, None) => return Err(StorageError::Corrupt("memberships.group_id")),
    };
    Ok(Membership { of, level })
}

impl UserReads for Tx<'_> {
    fn user_by_id(&mut self, id: i64) -> Result<Option<User>, StorageError> {
        self.row(users!("WHERE id = $1"), &[&id])?
            .as_ref()
            .map(user_row)
            .transpose()
    }

    fn user_by_username(&mut self, username: &str) -> Result<Option<User>, StorageError> {
        self.row(users!("WHERE username = $1"), &[&username])?
            .as_ref()
            .map(user_row)
            .transpose()
    }

    fn memberships(&mut self, user_id: i64) -> Result<Memberships, StorageError> {
        let rows = self.rows(
            "SELECT m.access_level, m.group_id, g.path, m.project_id, p.path FROM memberships m \
             LEFT JOIN groups g ON g.id = m.group_id LEFT JOIN projects p ON p.id = m.project_id \
             WHERE m.user_id = $1 ORDER BY m.id",
            &[&user_id],
        )?;
        Ok(Memberships(
            rows.iter().map(membership_row).collect::<Result<_, _>>()?,
        ))
    }

    /// Usernames are ASCII (both grammars), so `lower` folds exactly as the key does.
    fn user_login_taken(&mut self, key: &str) -> Result<bool, StorageError> {
        let row = self.one(
            "SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = $1)",
            &[&key],
        )?;
        Ok(row.try_get(0)?)
    }

    fn personal_token_by_id(
        &mut self,
        id: i64,
    ) -> Result<Option<PersonalAccessToken>, StorageError> {
        self.row(tokens!("WHERE id = $1"), &[&id])?
            .as_ref()
            .map(token_row)
            .transpose()
    }

    fn personal_token_by_digest(
        &mut self,
        digest: &TokenDigest,
    ) -> Result<Option<PersonalAccessToken>, StorageError> {
        self.row(tokens!("WHERE digest = $1"), &[&&digest.0[..]])?
            .as_ref()
            .map(token_row)
            .transpose()
    }

    fn personal_token_for_refresh(
        &mut self,
        digest: &TokenDigest,
        service: &str,
    ) -> Result<Option<PersonalAccessToken>, StorageError> {
        self.row(
            tokens!(
                "WHERE id = (SELECT personal_access_token_id FROM user_refresh_tokens \
                 WHERE digest = $1 AND service = $2)"
            ),
            &[&&digest.0[..], &service],
        )?
        .as_ref()
        .map(token_row)
        .transpose()
    }
}

impl UserWrites for Tx<'_> {
    fn insert_user(
        &mut self,
        username: &str,
        is_admin: bool,
        now: OffsetDateTime,
    ) -> Result<User, StorageError> {
        let row = self.one(
            "INSERT INTO users (username, is_admin, created_at) VALUES ($1, $2, $3) \
             RETURNING id, username, is_admin, created_at, blocked_at",
            &[&username, &is_admin, &to_unix(now)],
        )?;
        user_row(&row)
    }

    fn set_membership(
        &mut self,
        user_id: i64,
        of: &MemberOf,
        level: AccessLevel,
        now: OffsetDateTime,
    ) -> Result<bool, StorageError> {
        let (group_id, project_id, update) = match of {
            MemberOf::Group { id, .. } => (
                Some(*id),
                None,
                "UPDATE memberships SET access_level = $3 WHERE user_id = $1 AND group_id = $2",
            ),
            MemberOf::Project { id, .. } => (
                None,
                Some(*id),
                "UPDATE memberships SET access_level = $3 WHERE user_id = $1 AND project_id = $2",
            ),
        };
        let target = group_id.or(project_id);
        let level = level.value();
        let updated = self.run(update, &[&user_id, &target, &level])?;
        if updated == 0 {
            self.run(
                "INSERT INTO memberships (user_id, group_id, project_id, access_level, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[&user_id, &group_id, &project_id, &level, &to_unix(now)],
            )?;
        }
        Ok(updated > 0)
    }

    fn insert_personal_token(
        &mut self,
        new: &NewPersonalToken<'_>,
        now: OffsetDateTime,
    ) -> Result<PersonalAccessToken, StorageError> {
        let row = self.one(
            "INSERT INTO personal_access_tokens \
             (user_id, name, digest, scopes, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id, user_id, name, scopes, expires_at, revoked_at, created_at, last_used_at",
            &[
                &new.user_id,
                &new.name,
                &&new.digest.0[..],
                &new.scopes.to_stored(),
                &new.expires_at.map(to_unix),
                &to_unix(now),
            ],
        )?;
        token_row(&row)
    }

    fn revoke_personal_token(
        &mut self,
        id: i64,
        now: OffsetDateTime,
    ) -> Result<Option<PersonalAccessToken>, StorageError> {
        self.run(
            "UPDATE personal_access_tokens SET revoked_at = COALESCE(revoked_at, $1) \
             WHERE id = $2",
            &[&to_unix(now), &id],
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
        self.run(
            "INSERT INTO user_refresh_tokens \
             (digest, personal_access_token_id, service, created_at) VALUES ($1, $2, $3, $4)",
            &[&&digest.0[..], &id, &service, &to_unix(now)],
        )?;
        Ok(())
    }
}
