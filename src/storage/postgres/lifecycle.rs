//! Changing and removing groups, projects and users in PostgreSQL: the statements of the
//! SQLite backend with `$1` for `?1`. Each removal deletes the rows that reference the
//! removed one first, so the foreign keys hold at every step; the caller's write
//! transaction holds the write lock, so no token can be added to what is being removed.

use super::Tx;
use super::users::token_row;
use crate::domain::user::PersonalAccessToken;
use crate::storage::{GroupChanges, LifecycleReads, LifecycleWrites, ProjectChanges, StorageError};

/// Removing project `$1`: its deploy tokens (with their refresh tokens and sealed
/// secrets), the memberships on it, then the project.
const PROJECT_REMOVAL: [&str; 5] = [
    "DELETE FROM refresh_tokens WHERE deploy_token_id IN \
     (SELECT id FROM deploy_tokens WHERE project_id = $1)",
    "DELETE FROM deploy_token_secrets WHERE deploy_token_id IN \
     (SELECT id FROM deploy_tokens WHERE project_id = $1)",
    "DELETE FROM deploy_tokens WHERE project_id = $1",
    "DELETE FROM memberships WHERE project_id = $1",
    "DELETE FROM projects WHERE id = $1",
];

/// Removing group `$1` (its subgroups and projects are gone already).
const GROUP_REMOVAL: [&str; 5] = [
    "DELETE FROM refresh_tokens WHERE deploy_token_id IN \
     (SELECT id FROM deploy_tokens WHERE group_id = $1)",
    "DELETE FROM deploy_token_secrets WHERE deploy_token_id IN \
     (SELECT id FROM deploy_tokens WHERE group_id = $1)",
    "DELETE FROM deploy_tokens WHERE group_id = $1",
    "DELETE FROM memberships WHERE group_id = $1",
    "DELETE FROM groups WHERE id = $1",
];

/// Removing user `$1`: their tokens' refresh tokens, tokens, roles, sessions, then them.
const USER_REMOVAL: [&str; 5] = [
    "DELETE FROM user_refresh_tokens WHERE personal_access_token_id IN \
     (SELECT id FROM personal_access_tokens WHERE user_id = $1)",
    "DELETE FROM personal_access_tokens WHERE user_id = $1",
    "DELETE FROM memberships WHERE user_id = $1",
    "DELETE FROM sessions WHERE user_id = $1",
    "DELETE FROM users WHERE id = $1",
];

impl Tx<'_> {
    /// Run each of `statements` with `id` as `$1`, in order.
    fn run_all(&mut self, statements: &[&'static str], id: i64) -> Result<(), StorageError> {
        for sql in statements {
            self.run(sql, &[&id])?;
        }
        Ok(())
    }
}

impl LifecycleReads for Tx<'_> {
    fn personal_tokens(&mut self) -> Result<Vec<PersonalAccessToken>, StorageError> {
        self.rows(
            "SELECT id, user_id, name, scopes, expires_at, revoked_at, created_at, \
             last_used_at FROM personal_access_tokens ORDER BY id",
            &[],
        )?
        .iter()
        .map(token_row)
        .collect()
    }
}

impl LifecycleWrites for Tx<'_> {
    fn update_group(&mut self, id: i64, changes: &GroupChanges<'_>) -> Result<(), StorageError> {
        let visibility = changes.visibility.map(|v| v.as_str());
        self.run(
            "UPDATE groups SET name = COALESCE($2, name), \
             visibility = COALESCE($3, visibility) WHERE id = $1",
            &[&id, &changes.name, &visibility],
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
        self.run(
            "UPDATE projects SET name = COALESCE($2, name), \
             visibility = COALESCE($3, visibility), registry = COALESCE($4, registry) \
             WHERE id = $1",
            &[&id, &changes.name, &visibility, &registry],
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
