//! Passwords, blocked users, sessions and the UI's listings in SQLite.

use super::namespaces::{GROUP_COLUMNS, PROJECT_COLUMNS, group_row, project_row};
use super::users::{TOKEN_COLUMNS, USER_COLUMNS, token_row, user_row};
use super::{Tx, from_unix, to_unix};
use crate::domain::namespace::{Group, Project};
use crate::domain::password::PasswordHash;
use crate::domain::role::{AccessLevel, MemberOf};
use crate::domain::session::Session;
use crate::domain::token::TokenDigest;
use crate::domain::user::{PersonalAccessToken, User};
use crate::storage::{AccountReads, AccountWrites, StorageError};
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;

const SESSION_COLUMNS: &str = "id, user_id, created_at, last_seen_at";

fn session_row(r: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: r.get(0)?,
        user_id: r.get(1)?,
        created_at: from_unix(r.get(2)?)?,
        last_seen_at: from_unix(r.get(3)?)?,
    })
}

/// `group_id = ?` or `project_id = ?` and the id, for a membership target.
fn target(of: &MemberOf) -> (&'static str, i64) {
    match of {
        MemberOf::Group { id, .. } => ("group_id", *id),
        MemberOf::Project { id, .. } => ("project_id", *id),
    }
}

fn all<T>(
    tx: &Tx<'_>,
    sql: &str,
    params: impl rusqlite::Params,
    row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StorageError> {
    let mut stmt = tx.0.prepare_cached(sql)?;
    let rows = stmt.query_map(params, row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<T>>>()?)
}

impl AccountReads for Tx<'_> {
    fn password_hash(&mut self, user_id: i64) -> Result<Option<PasswordHash>, StorageError> {
        let hash: Option<Option<String>> = self
            .0
            .prepare_cached("SELECT password_hash FROM users WHERE id = ?1")?
            .query_row([user_id], |r| r.get(0))
            .optional()?;
        Ok(hash.flatten().map(PasswordHash::from_stored))
    }

    fn session_by_digest(&mut self, digest: &TokenDigest) -> Result<Option<Session>, StorageError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE digest = ?1");
        Ok(self
            .0
            .prepare_cached(&sql)?
            .query_row([&digest.0[..]], session_row)
            .optional()?)
    }

    fn users(&mut self) -> Result<Vec<User>, StorageError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
        all(self, &sql, [], user_row)
    }

    fn members_of(&mut self, of: &MemberOf) -> Result<Vec<(User, AccessLevel)>, StorageError> {
        let (column, id) = target(of);
        let columns = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns}, m.access_level FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.{column} = ?1 ORDER BY u.username"
        );
        let rows = all(self, &sql, [id], |r| {
            let level: i64 = r.get(USER_COLUMNS.split(", ").count())?;
            Ok((user_row(r)?, level))
        })?;
        rows.into_iter()
            .map(|(user, level)| {
                AccessLevel::from_value(level)
                    .map(|level| (user, level))
                    .ok_or(StorageError::Corrupt("memberships.access_level"))
            })
            .collect()
    }

    fn groups(&mut self) -> Result<Vec<Group>, StorageError> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM groups ORDER BY path");
        all(self, &sql, [], group_row)
    }

    fn projects(&mut self) -> Result<Vec<Project>, StorageError> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects ORDER BY path");
        all(self, &sql, [], project_row)
    }

    fn personal_tokens_of(
        &mut self,
        user_id: i64,
    ) -> Result<Vec<PersonalAccessToken>, StorageError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM personal_access_tokens WHERE user_id = ?1 ORDER BY id DESC"
        );
        all(self, &sql, [user_id], token_row)
    }
}

impl AccountWrites for Tx<'_> {
    fn set_password_hash(&mut self, user_id: i64, hash: &PasswordHash) -> Result<(), StorageError> {
        self.0.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![user_id, hash.as_stored()],
        )?;
        Ok(())
    }

    fn set_admin(&mut self, user_id: i64, is_admin: bool) -> Result<(), StorageError> {
        self.0.execute(
            "UPDATE users SET is_admin = ?2 WHERE id = ?1",
            params![user_id, is_admin],
        )?;
        Ok(())
    }

    fn set_blocked(
        &mut self,
        user_id: i64,
        at: Option<OffsetDateTime>,
    ) -> Result<(), StorageError> {
        self.0.execute(
            "UPDATE users SET blocked_at = ?2 WHERE id = ?1",
            params![user_id, at.map(to_unix)],
        )?;
        Ok(())
    }

    fn insert_session(
        &mut self,
        digest: &TokenDigest,
        user_id: i64,
        now: OffsetDateTime,
    ) -> Result<Session, StorageError> {
        self.0.execute(
            "INSERT INTO sessions (digest, user_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
            params![&digest.0[..], user_id, to_unix(now)],
        )?;
        Ok(Session {
            id: self.0.last_insert_rowid(),
            user_id,
            created_at: now,
            last_seen_at: now,
        })
    }

    fn touch_session(&mut self, id: i64, now: OffsetDateTime) -> Result<(), StorageError> {
        self.0.execute(
            "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1",
            params![id, to_unix(now)],
        )?;
        Ok(())
    }

    fn delete_session(&mut self, id: i64) -> Result<(), StorageError> {
        self.0.execute("DELETE FROM sessions WHERE id = ?1", [id])?;
        Ok(())
    }

    fn delete_sessions_of(&mut self, user_id: i64) -> Result<(), StorageError> {
        self.0
            .execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
        Ok(())
    }

    fn delete_dead_sessions(
        &mut self,
        started_by: OffsetDateTime,
        seen_by: OffsetDateTime,
    ) -> Result<(), StorageError> {
        self.0.execute(
            "DELETE FROM sessions WHERE created_at <= ?1 OR last_seen_at <= ?2",
            params![to_unix(started_by), to_unix(seen_by)],
        )?;
        Ok(())
    }

    fn remove_membership(&mut self, user_id: i64, of: &MemberOf) -> Result<bool, StorageError> {
        let (column, id) = target(of);
        let removed = self.0.execute(
            &format!("DELETE FROM memberships WHERE user_id = ?1 AND {column} = ?2"),
            params![user_id, id],
        )?;
        Ok(removed > 0)
    }
}
