//! Passwords, blocked users, sessions and the UI's listings in PostgreSQL.

use super::namespaces::{group_row, project_row};
use super::users::{token_row, user_row};
use super::{Tx, from_unix, to_unix};
use crate::domain::namespace::{Group, Project};
use crate::domain::password::PasswordHash;
use crate::domain::role::{AccessLevel, MemberOf};
use crate::domain::session::Session;
use crate::domain::token::TokenDigest;
use crate::domain::user::{PersonalAccessToken, User};
use crate::storage::{AccountReads, AccountWrites, StorageError};
use postgres::Row;
use time::OffsetDateTime;

fn session_row(r: &Row) -> Result<Session, StorageError> {
    Ok(Session {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        created_at: from_unix(r.try_get(2)?)?,
        last_seen_at: from_unix(r.try_get(3)?)?,
    })
}

/// Members of a group or a project: the user's columns, then the access level.
fn member_row(r: &Row) -> Result<(User, AccessLevel), StorageError> {
    let level = AccessLevel::from_value(r.try_get(5)?)
        .ok_or(StorageError::Corrupt("memberships.access_level"))?;
    Ok((user_row(r)?, level))
}

impl AccountReads for Tx<'_> {
    fn password_hash(&mut self, user_id: i64) -> Result<Option<PasswordHash>, StorageError> {
        let row = self.row("SELECT password_hash FROM users WHERE id = $1", &[&user_id])?;
        let hash: Option<String> = row.map(|r| r.try_get(0)).transpose()?.flatten();
        Ok(hash.map(PasswordHash::from_stored))
    }

    fn session_by_digest(&mut self, digest: &TokenDigest) -> Result<Option<Session>, StorageError> {
        self.row(
            "SELECT id, user_id, created_at, last_seen_at FROM sessions WHERE digest = $1",
            &[&&digest.0[..]],
        )?
        .as_ref()
        .map(session_row)
        .transpose()
    }

    fn users(&mut self) -> Result<Vec<User>, StorageError> {
        let rows = self.rows(
            "SELECT id, username, is_admin, created_at, blocked_at FROM users ORDER BY username",
            &[],
        )?;
        rows.iter().map(user_row).collect()
    }

    fn members_of(&mut self, of: &MemberOf) -> Result<Vec<(User, AccessLevel)>, StorageError> {
        let (sql, id) = match of {
            MemberOf::Group { id, .. } => (
                "SELECT u.id, u.username, u.is_admin, u.created_at, u.blocked_at, m.access_level \
                 FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.group_id = $1 ORDER BY u.username",
                id,
            ),
            MemberOf::Project { id, .. } => (
                "SELECT u.id, u.username, u.is_admin, u.created_at, u.blocked_at, m.access_level \
                 FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.project_id = $1 ORDER BY u.username",
                id,
            ),
        };
        self.rows(sql, &[id])?.iter().map(member_row).collect()
    }

    fn groups(&mut self) -> Result<Vec<Group>, StorageError> {
        let rows = self.rows(
            "SELECT id, parent_id, path, name, visibility, created_at FROM groups ORDER BY path",
            &[],
        )?;
        rows.iter().map(group_row).collect()
    }

    fn projects(&mut self) -> Result<Vec<Project>, StorageError> {
        let rows = self.rows(
            "SELECT id, group_id, path, name, visibility, registry, created_at FROM projects \
             ORDER BY path",
            &[],
        )?;
        rows.iter().map(project_row).collect()
    }

    fn personal_tokens_of(
        &mut self,
        user_id: i64,
    ) -> Result<Vec<PersonalAccessToken>, StorageError> {
        let rows = self.rows(
            "SELECT id, user_id, name, scopes, expires_at, revoked_at, created_at, last_used_at \
             FROM personal_access_tokens WHERE user_id = $1 ORDER BY id DESC",
            &[&user_id],
        )?;
        rows.iter().map(token_row).collect()
    }
}

impl AccountWrites for Tx<'_> {
    fn set_password_hash(&mut self, user_id: i64, hash: &PasswordHash) -> Result<(), StorageError> {
        self.run(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            &[&user_id, &hash.as_stored()],
        )?;
        Ok(())
    }

    fn set_admin(&mut self, user_id: i64, is_admin: bool) -> Result<(), StorageError> {
        self.run(
            "UPDATE users SET is_admin = $2 WHERE id = $1",
            &[&user_id, &is_admin],
        )?;
        Ok(())
    }

    fn set_blocked(
        &mut self,
        user_id: i64,
        at: Option<OffsetDateTime>,
    ) -> Result<(), StorageError> {
        self.run(
            "UPDATE users SET blocked_at = $2 WHERE id = $1",
            &[&user_id, &at.map(to_unix)],
        )?;
        Ok(())
    }

    fn insert_session(
        &mut self,
        digest: &TokenDigest,
        user_id: i64,
        now: OffsetDateTime,
    ) -> Result<Session, StorageError> {
        let row = self.one(
            "INSERT INTO sessions (digest, user_id, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $3) RETURNING id, user_id, created_at, last_seen_at",
            &[&&digest.0[..], &user_id, &to_unix(now)],
        )?;
        session_row(&row)
    }

    fn touch_session(&mut self, id: i64, now: OffsetDateTime) -> Result<(), StorageError> {
        self.run(
            "UPDATE sessions SET last_seen_at = $2 WHERE id = $1",
            &[&id, &to_unix(now)],
        )?;
        Ok(())
    }

    fn delete_session(&mut self, id: i64) -> Result<(), StorageError> {
        self.run("DELETE FROM sessions WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn delete_sessions_of(&mut self, user_id: i64) -> Result<(), StorageError> {
        self.run("DELETE FROM sessions WHERE user_id = $1", &[&user_id])?;
        Ok(())
    }

    fn delete_dead_sessions(
        &mut self,
        started_by: OffsetDateTime,
        seen_by: OffsetDateTime,
    ) -> Result<(), StorageError> {
        self.run(
            "DELETE FROM sessions WHERE created_at <= $1 OR last_seen_at <= $2",
            &[&to_unix(started_by), &to_unix(seen_by)],
        )?;
        Ok(())
    }

    fn remove_membership(&mut self, user_id: i64, of: &MemberOf) -> Result<bool, StorageError> {
        let (sql, id) = match of {
            MemberOf::Group { id, .. } => (
                "DELETE FROM memberships WHERE user_id = $1 AND group_id = $2",
                id,
            ),
            MemberOf::Project { id, .. } => (
                "DELETE FROM memberships WHERE user_id = $1 AND project_id = $2",
                id,
            ),
        };
        Ok(self.run(sql, &[&user_id, id])? > 0)
    }
}
