//! What the operator's CLI lists: every group, project, user and personal access token of
//! the instance, read in one transaction. The CLI runs with the database's own rights, so
//! there is no caller to judge (the API's lists are in [`super::listing`]).

use super::{App, AppError};
use crate::domain::namespace::{Group, Project};
use crate::domain::user::{PersonalAccessToken, User};
use crate::storage::StorageError;

impl App {
    /// Every group, by path.
    pub fn all_groups(&self) -> Result<Vec<Group>, AppError> {
        Ok(self.store().read(|tx| tx.groups())?)
    }

    /// Every project (or those below the group at `within`), by path.
    pub fn all_projects(&self, within: Option<&str>) -> Result<Vec<Project>, AppError> {
        self.store().read(|tx| {
            if let Some(path) = within
                && tx.group_by_path(path)?.is_none()
            {
                return Err(AppError::NotFound(format!("group {path} not found")));
            }
            let below = |p: &Project| {
                within.is_none_or(|g| crate::domain::namespace::repository_in(&p.path, g))
            };
            Ok(tx.projects()?.into_iter().filter(below).collect())
        })
    }

    /// Every user, by username.
    pub fn all_users(&self) -> Result<Vec<User>, AppError> {
        Ok(self.store().read(|tx| tx.users())?)
    }

    /// Every personal access token (or those of `username`), oldest first, each with its
    /// user's name.
    pub fn all_personal_tokens(
        &self,
        username: Option<&str>,
    ) -> Result<Vec<(PersonalAccessToken, String)>, AppError> {
        self.store().read(|tx| {
            let users = tx.users()?;
            let only = match username {
                Some(name) => Some(
                    users
                        .iter()
                        .find(|u| u.username == name)
                        .map(|u| u.id)
                        .ok_or_else(|| AppError::NotFound(format!("user {name} not found")))?,
                ),
                None => None,
            };
            let name_of = |id: i64| {
                users
                    .iter()
                    .find(|u| u.id == id)
                    .map(|u| u.username.clone())
            };
            let mut listed = Vec::new();
            for token in tx.personal_tokens()? {
                if only.is_some_and(|id| id != token.user_id) {
                    continue;
                }
                let owner = name_of(token.user_id)
                    .ok_or(StorageError::Corrupt("personal_access_tokens.user_id"))?;
                listed.push((token, owner));
            }
            Ok(listed)
        })
    }
}
