//! Users and their memberships on groups and projects.

use super::{StorageError, from_unix, to_unix};
use crate::domain::role::{AccessLevel, MemberOf, Membership, Memberships};
use crate::domain::user::User;
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

const USER_COLUMNS: &str = "id, username, is_admin, created_at";

fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        is_admin: r.get(2)?,
        created_at: from_unix(r.get(3)?)?,
    })
}

/// Insert a user; the caller has checked that the username is free.
pub fn insert(
    conn: &Connection,
    username: &str,
    is_admin: bool,
    now: OffsetDateTime,
) -> Result<User, StorageError> {
    conn.execute(
        "INSERT INTO users (username, is_admin, created_at) VALUES (?1, ?2, ?3)",
        params![username, is_admin, to_unix(now)],
    )?;
    by_id(conn, conn.last_insert_rowid())?.ok_or(StorageError::Corrupt("users.id"))
}

/// The user with this id.
pub fn by_id(conn: &Connection, id: i64) -> Result<Option<User>, StorageError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], user_row)
        .optional()?)
}

/// The user with this username (exact, case-sensitive).
pub fn by_username(conn: &Connection, username: &str) -> Result<Option<User>, StorageError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([username], user_row)
        .optional()?)
}

/// Whether some user's username has this [`crate::domain::user::login_key`] (SQLite's
/// `lower` folds ASCII only, exactly as the key does).
pub fn login_key_taken(conn: &Connection, key: &str) -> Result<bool, StorageError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE lower(username) = ?1)")?
        .query_row([key], |r| r.get(0))?)
}

/// Give `user_id` the role `level` on a group or project, replacing any role it had there.
/// Returns whether a role was replaced.
pub fn set_membership(
    conn: &Connection,
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
    let updated = conn.execute(
        &format!("UPDATE memberships SET access_level = ?3 WHERE user_id = ?1 AND {filter}"),
        params![user_id, target, level.value()],
    )?;
    if updated == 0 {
        conn.execute(
            "INSERT INTO memberships (user_id, group_id, project_id, access_level, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![user_id, group_id, project_id, level.value(), to_unix(now)],
        )?;
    }
    Ok(updated > 0)
}

/// Every membership of `user_id`, with the paths of the groups and projects.
pub fn memberships(conn: &Connection, user_id: i64) -> Result<Memberships, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.access_level, m.group_id, g.path, m.project_id, p.path FROM memberships m \
         LEFT JOIN groups g ON g.id = m.group_id LEFT JOIN projects p ON p.id = m.project_id \
         WHERE m.user_id = ?1 ORDER BY m.id",
    )?;
    let rows = stmt.query_map([user_id], |r| {
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
    })?;
    let mut all = Vec::new();
    for row in rows {
        all.push(row?.ok_or(StorageError::Corrupt("memberships.access_level"))?);
    }
    Ok(Memberships(all))
}
