//! Changing and removing groups, projects and users in SQLite. The statements are plain
//! SQL (PostgreSQL runs the same, with `$1` for `?1`); each removal deletes the rows that
//! reference the removed one first, so the foreign keys hold at every step.

use super::Tx;
use super::users::{TOKEN_COLUMNS, token_row};
use crate::domain::user::PersonalAccessToken;
use crate::storage::{GroupChanges, LifecycleReads, LifecycleWrites, ProjectChanges, StorageError};
use rusqlite::params;

/// Removing project `?1`: its deploy tokens (with their refresh tokens and sealed
/// secrets), the memberships on it, then the project.
const PROJECT_REMOVAL: [&str; 5] = [
    "DELETE FROM refresh_tokens WHERE deploy_token_id IN (SELECT id FROM deploy_tokens WHERE project_id = ?1)",
    "DELETE FROM deploy_token_secrets WHERE deploy_token_id IN (SELECT id FROM deploy_tokens WHERE project_id = ?1)",
    "DELETE FROM deploy_tokens WHERE project_id = ?1",
    "DELETE FROM memberships WHERE project_id = ?1",
    "DELETE FROM projects WHERE id = ?1",
];

/// Removing group `?1` (its subgroups and projects are gone already).
const GROUP_REMOVAL: [&str; 5] = [
    "DELETE FROM refresh_tokens WHERE deploy_token_id IN (SELECT id FROM deploy_tokens WHERE group_id = ?1)",
    "DELETE FROM deploy_token_secrets WHERE deploy_token_id IN (SELECT id FROM deploy_tokens WHERE group_id = ?1)",
    "DELETE FROM deploy_tokens WHERE group_id = ?1",
    "DELETE FROM memberships WHERE group_id = ?1",
    "DELETE FROM groups WHERE id = ?1",
];

/// Removing user `?1`: their tokens' refresh tokens, tokens, roles, sessions, then them.
const USER_REMOVAL: [&str; 5] = [
    "DELETE FROM user_refresh_tokens WHERE personal_access_token_id IN \
     (SELECT id FROM personal_access_tokens WHERE user_id = ?1)",
    "DELETE FROM personal_access_tokens WHERE user_id = ?1",
    "DELETE FROM memberships WHERE user_id = ?1",
    "DELETE FROM sessions WHERE user_id = ?1",
    "DELETE FROM users WHERE id = ?1",
];

impl Tx<'_> {
    fn run_all(&self, statements: &[&str], id: i64) -> Result<(), StorageError> {
        for sql in statements {
            self.0.execute(sql, [id])?;
        }
        Ok(())
    }
}

impl LifecycleReads for Tx<'_> {
    fn personal_tokens(&mut self) -> Result<Vec<PersonalAccessToken>, StorageError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM personal_access_tokens ORDER BY id");
        let mut stmt = self.0.prepare(&sql)?;
        let rows = stmt.query_map([], token_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl LifecycleWrites for Tx<'_> {
    fn update_group(&mut self, id: i64, changes: &GroupChanges<'_>) -> Result<(), StorageError> {
        let visibility = changes.visibility.map(|v| v.as_str());
        self.0.execute(
            "UPDATE groups SET name = COALESCE(?2, name), visibility = COALESCE(?3, visibility) WHERE id = ?1",
            params![id, changes.name, visibility],
        )?;
        Ok(())
    }

    fn update_project(
        &mut self,
        id: i64,
        changes: &ProjectChanges<'_>,
    ) -> Result<(), StorageError> {
        let visibility = changes.visibility.map(|v| v.as_str());
        let registry = changes.registry.map(|r| r.as_str());
        self.0.execute(
            "UPDATE projects SET name = COALESCE(?2, name), visibility = COALESCE(?3, visibility), \
             registry = COALESCE(?4, registry) WHERE id = ?1",
            params![id, changes.name, visibility, registry],
        )?;
        Ok(())
    }

    fn delete_project(&mut self, id: i64) -> Result<(), StorageError> {
        self.run_all(&PROJECT_REMOVAL, id)
    }

    fn delete_group(&mut self, id: i64) -> Result<(), StorageError> {
        self.run_all(&GROUP_REMOVAL, id)
    }

    fn delete_user(&mut self, id: i64) -> Result<(), StorageError> {
        self.run_all(&USER_REMOVAL, id)
    }
}
