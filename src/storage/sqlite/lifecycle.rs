//! Changing and removing groups, projects and users in SQLite. The statements are plain
//! SQL that PostgreSQL runs as written; each removal deletes the rows that reference the
//! removed one first, so the foreign keys hold at every step.

use super::Tx;
use super::users::{TOKEN_COLUMNS, token_row};
use crate::domain::user::PersonalAccessToken;
use crate::storage::{GroupChanges, LifecycleReads, LifecycleWrites, ProjectChanges, StorageError};
use rusqlite::params;

/// Removes the deploy tokens held where `{holder}` (`project_id = ?1` or `group_id = ?1`),
/// with their refresh tokens and sealed secrets.
const HOLDER_TOKENS: [&str; 3] = [
    "DELETE FROM refresh_tokens WHERE deploy_token_id IN (SELECT id FROM deploy_tokens WHERE {holder})",
    "DELETE FROM deploy_token_secrets WHERE deploy_token_id IN (SELECT id FROM deploy_tokens WHERE {holder})",
    "DELETE FROM deploy_tokens WHERE {holder}",
];

impl Tx<'_> {
    /// Run each statement with `id` as `?1`, `{holder}` replaced by `holder`.
    fn delete_all(&self, statements: &[&str], holder: &str, id: i64) -> Result<(), StorageError> {
        for sql in statements {
            self.0.execute(&sql.replace("{holder}", holder), [id])?;
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
        self.0.execute(
            "UPDATE groups SET name = COALESCE(?2, name), visibility = COALESCE(?3, visibility) WHERE id = ?1",
            params![id, changes.name, changes.visibility.map(|v| v.as_str())],
        )?;
        Ok(())
    }

    fn update_project(
        &mut self,
        id: i64,
        changes: &ProjectChanges<'_>,
    ) -> Result<(), StorageError> {
        self.0.execute(
            "UPDATE projects SET name = COALESCE(?2, name), visibility = COALESCE(?3, visibility), \
             registry = COALESCE(?4, registry) WHERE id = ?1",
            params![
                id,
                changes.name,
                changes.visibility.map(|v| v.as_str()),
                changes.registry.map(|r| r.as_str())
            ],
        )?;
        Ok(())
    }

    fn delete_project(&mut self, id: i64) -> Result<(), StorageError> {
        self.delete_all(&HOLDER_TOKENS, "project_id = ?1", id)?;
        self.delete_all(
            &[
                "DELETE FROM memberships WHERE {holder}",
                "DELETE FROM projects WHERE id = ?1",
            ],
            "project_id = ?1",
            id,
        )
    }

    fn delete_group(&mut self, id: i64) -> Result<(), StorageError> {
        self.delete_all(&HOLDER_TOKENS, "group_id = ?1", id)?;
        self.delete_all(
            &[
                "DELETE FROM memberships WHERE {holder}",
                "DELETE FROM groups WHERE id = ?1",
            ],
            "group_id = ?1",
            id,
        )
    }

    fn delete_user(&mut self, id: i64) -> Result<(), StorageError> {
        self.delete_all(
            &[
                "DELETE FROM user_refresh_tokens WHERE personal_access_token_id IN \
                 (SELECT id FROM personal_access_tokens WHERE {holder})",
                "DELETE FROM personal_access_tokens WHERE {holder}",
                "DELETE FROM memberships WHERE {holder}",
                "DELETE FROM sessions WHERE {holder}",
                "DELETE FROM users WHERE id = ?1",
            ],
            "user_id = ?1",
            id,
        )
    }
}
