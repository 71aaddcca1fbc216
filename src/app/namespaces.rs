//! Creating and finding groups and projects.

use super::{App, AppError};
use crate::domain::namespace::{Group, NamespacePath, Project, RegistryAccess, Visibility};
use crate::domain::token::{Holder, validate_name};
use crate::storage::{NewGroup, NewProject, Reads, StorageError, Writes};

/// Names a token holder by path, or by numeric id as GitLab's `:id` does.
#[derive(Clone, Copy, Debug)]
pub enum HolderRef<'a> {
    /// A project path or id.
    Project(&'a str),
    /// A group path or id.
    Group(&'a str),
}

impl App {
    /// Create a group; its parent (if the path has one) must exist.
    pub fn create_group(&self, path: &str, visibility: Visibility) -> Result<Group, AppError> {
        self.create_group_named(path, None, visibility)
    }

    /// Create a group with a display name (default: the last path component).
    pub fn create_group_named(
        &self,
        path: &str,
        name: Option<&str>,
        visibility: Visibility,
    ) -> Result<Group, AppError> {
        let (path, name) = path_and_name(path, name)?;
        let now = self.now();
        self.store()
            .write(|tx| insert_group(tx, &path, &name, visibility, now))
    }

    /// Create a project inside an existing group.
    pub fn create_project(
        &self,
        path: &str,
        visibility: Visibility,
        registry: RegistryAccess,
    ) -> Result<Project, AppError> {
        self.create_project_named(path, None, visibility, registry)
    }

    /// Create a project with a display name (default: the last path component).
    pub fn create_project_named(
        &self,
        path: &str,
        name: Option<&str>,
        visibility: Visibility,
        registry: RegistryAccess,
    ) -> Result<Project, AppError> {
        let (path, name) = path_and_name(path, name)?;
        let now = self.now();
        self.store()
            .write(|tx| insert_project(tx, &path, &name, visibility, registry, now))
    }

    /// Resolve a holder reference to a token holder.
    pub fn resolve_holder(&self, holder: HolderRef<'_>) -> Result<Holder, AppError> {
        self.store().read(|tx| resolve_holder(tx, holder))
    }
}

/// A parsed path and the display name (given and validated, or its last component).
pub(super) fn path_and_name(
    path: &str,
    name: Option<&str>,
) -> Result<(NamespacePath, String), AppError> {
    let path = NamespacePath::parse(path).map_err(|e| AppError::invalid("path", e))?;
    let name = match name {
        Some(name) => {
            validate_name(name).map_err(|e| AppError::invalid("name", e))?;
            name.to_owned()
        }
        None => path.last_component().to_owned(),
    };
    Ok((path, name))
}

/// Insert a group whose path is free and whose parent (if any) exists.
pub(super) fn insert_group(
    tx: &mut dyn Writes,
    path: &NamespacePath,
    name: &str,
    visibility: Visibility,
    now: time::OffsetDateTime,
) -> Result<Group, AppError> {
    ensure_free(tx, path)?;
    let parent_id = match path.parent() {
        Some(parent) => Some(require_group(tx, parent.as_str())?.id),
        None => None,
    };
    let new = NewGroup {
        parent_id,
        path: path.as_str(),
        name,
        visibility,
    };
    Ok(tx.insert_group(&new, now)?)
}

/// Insert a project whose path is free, in its existing group.
pub(super) fn insert_project(
    tx: &mut dyn Writes,
    path: &NamespacePath,
    name: &str,
    visibility: Visibility,
    registry: RegistryAccess,
    now: time::OffsetDateTime,
) -> Result<Project, AppError> {
    let Some(parent) = path.parent() else {
        return Err(AppError::invalid(
            "path",
            "a project lives in a group: use GROUP/PROJECT",
        ));
    };
    ensure_free(tx, path)?;
    let group = require_group(tx, parent.as_str())?;
    let new = NewProject {
        group_id: group.id,
        path: path.as_str(),
        name,
        visibility,
        registry,
    };
    Ok(tx.insert_project(&new, now)?)
}

/// Resolve a holder reference inside a transaction.
pub fn resolve_holder<S: Reads + ?Sized>(
    tx: &mut S,
    holder: HolderRef<'_>,
) -> Result<Holder, AppError> {
    match holder {
        HolderRef::Project(key) => {
            let p = project_by_key(tx, key)?
                .ok_or_else(|| AppError::NotFound(format!("project {key} not found")))?;
            Ok(p.holder())
        }
        HolderRef::Group(key) => {
            let g = group_by_key(tx, key)?
                .ok_or_else(|| AppError::NotFound(format!("group {key} not found")))?;
            Ok(g.holder())
        }
    }
}

/// A project by GitLab's `:id`: a numeric id, or else a full path.
pub(super) fn project_by_key<S: Reads + ?Sized>(
    tx: &mut S,
    key: &str,
) -> Result<Option<Project>, StorageError> {
    match key.parse::<i64>() {
        Ok(id) => tx.project_by_id(id),
        Err(_) => tx.project_by_path(key),
    }
}

/// A group by GitLab's `:id`: a numeric id, or else a full path.
pub(super) fn group_by_key<S: Reads + ?Sized>(
    tx: &mut S,
    key: &str,
) -> Result<Option<Group>, StorageError> {
    match key.parse::<i64>() {
        Ok(id) => tx.group_by_id(id),
        Err(_) => tx.group_by_path(key),
    }
}

fn ensure_free(tx: &mut dyn Writes, path: &NamespacePath) -> Result<(), AppError> {
    if tx.path_taken(path.as_str())? {
        return Err(AppError::Conflict(format!("path {path} is already taken")));
    }
    Ok(())
}

fn require_group(tx: &mut dyn Writes, path: &str) -> Result<Group, AppError> {
    tx.group_by_path(path)?
        .ok_or_else(|| AppError::NotFound(format!("group {path} not found: create it first")))
}
