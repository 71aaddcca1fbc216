//! Changing and removing groups, projects and users, and listing every personal access
//! token: what every backend offers for the management API's lifecycle endpoints. A removal
//! takes what hangs off the row with it (deploy tokens and their refresh tokens and sealed
//! secrets, memberships, personal access tokens, sessions), so nothing it leaves behind can
//! still authenticate.

use super::StorageError;
use crate::domain::namespace::{RegistryAccess, Visibility};
use crate::domain::user::PersonalAccessToken;

/// New display name and visibility of a group (`None`: unchanged).
pub struct GroupChanges<'a> {
    /// Display name.
    pub name: Option<&'a str>,
    /// Visibility.
    pub visibility: Option<Visibility>,
}

/// New display name, visibility and registry access of a project (`None`: unchanged).
pub struct ProjectChanges<'a> {
    /// Display name.
    pub name: Option<&'a str>,
    /// Visibility.
    pub visibility: Option<Visibility>,
    /// Container registry access.
    pub registry: Option<RegistryAccess>,
}

/// Listing what the lifecycle endpoints list.
pub trait LifecycleReads {
    /// Every personal access token of the instance, oldest first.
    fn personal_tokens(&mut self) -> Result<Vec<PersonalAccessToken>, StorageError>;
}

/// Changing and removing groups, projects and users.
pub trait LifecycleWrites: LifecycleReads {
    /// Change a group's name and visibility.
    fn update_group(&mut self, id: i64, changes: &GroupChanges<'_>) -> Result<(), StorageError>;
    /// Change a project's name, visibility and registry access.
    fn update_project(&mut self, id: i64, changes: &ProjectChanges<'_>)
    -> Result<(), StorageError>;
    /// Remove a project with its deploy tokens (their refresh tokens and sealed secrets
    /// too) and the memberships on it.
    fn delete_project(&mut self, id: i64) -> Result<(), StorageError>;
    /// Remove a group with its deploy tokens and the memberships on it. The caller has
    /// removed its subgroups and projects first.
    fn delete_group(&mut self, id: i64) -> Result<(), StorageError>;
    /// Remove a user with their personal access tokens (and those tokens' refresh
    /// tokens), memberships and sessions.
    fn delete_user(&mut self, id: i64) -> Result<(), StorageError>;
}
