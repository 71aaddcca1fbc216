//! Groups and projects: what every backend offers for them.

use super::StorageError;
use crate::domain::namespace::{Group, Project, ProjectFacts, RegistryAccess, Visibility};
use time::OffsetDateTime;

/// A group about to be stored; the caller has checked that the path is free and the parent
/// exists.
pub struct NewGroup<'a> {
    /// The parent group, if any.
    pub parent_id: Option<i64>,
    /// Full path.
    pub path: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Visibility.
    pub visibility: Visibility,
}

/// A project about to be stored; the caller has checked that the path is free and the
/// group exists.
pub struct NewProject<'a> {
    /// Its group.
    pub group_id: i64,
    /// Full path.
    pub path: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Visibility.
    pub visibility: Visibility,
    /// Container registry access.
    pub registry: RegistryAccess,
}

/// Looking groups and projects up.
pub trait NamespaceReads {
    /// The group with this id.
    fn group_by_id(&mut self, id: i64) -> Result<Option<Group>, StorageError>;
    /// The group at this path.
    fn group_by_path(&mut self, path: &str) -> Result<Option<Group>, StorageError>;
    /// The project with this id.
    fn project_by_id(&mut self, id: i64) -> Result<Option<Project>, StorageError>;
    /// The project at this path.
    fn project_by_path(&mut self, path: &str) -> Result<Option<Project>, StorageError>;
    /// Whether a group or a project already uses `path`.
    fn path_taken(&mut self, path: &str) -> Result<bool, StorageError>;
    /// The project owning `repository`: the project whose path is the longest prefix of it
    /// made of whole components (`g/p` owns `g/p`, `g/p/web`, `g/p/a/b`). On the token path.
    fn project_for_repository(
        &mut self,
        repository: &str,
    ) -> Result<Option<ProjectFacts>, StorageError>;
    /// The groups at `path` and above it, outermost first (`acme`, `acme/backend`, …).
    fn group_chain(&mut self, path: &str) -> Result<Vec<Group>, StorageError>;
}

/// Creating groups and projects.
pub trait NamespaceWrites: NamespaceReads {
    /// Insert a group.
    fn insert_group(
        &mut self,
        new: &NewGroup<'_>,
        now: OffsetDateTime,
    ) -> Result<Group, StorageError>;
    /// Insert a project.
    fn insert_project(
        &mut self,
        new: &NewProject<'_>,
        now: OffsetDateTime,
    ) -> Result<Project, StorageError>;
}
