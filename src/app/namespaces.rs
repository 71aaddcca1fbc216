//! Creating and finding groups and projects.

use super::{App, AppError};
use crate::domain::namespace::{Group, NamespacePath, Project, RegistryAccess, Visibility};
use crate::domain::token::{Holder, validate_name};
use crate::storage::StorageError;
use crate::storage::namespaces as db;
use rusqlite::Connection;

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
        self.create_group_then(path, name, visibility, |_, _| Ok(()))
    }

    /// Create a group and, in the same transaction, run `then` on it (e.g. make its creator
    /// the owner), so that either both happen or neither.
    pub(crate) fn create_group_then(
        &self,
        path: &str,
        name: Option<&str>,
        visibility: Visibility,
        then: impl FnOnce(&Connection, &Group) -> Result<(), AppError>,
    ) -> Result<Group, AppError> {
        let path = NamespacePath::parse(path).map_err(|e| AppError::invalid("path", e))?;
        let name = display_name(name, &path)?;
        let mut conn = self.conn()?;
        let tx = conn
            .transaction()
            .map_err(crate::storage::StorageError::from)?;
        ensure_free(&tx, &path)?;
        let parent_id = match path.parent() {
            Some(parent) => Some(require_group(&tx, parent.as_str())?.id),
            None => None,
        };
        let group = db::insert_group(&tx, parent_id, path.as_str(), &name, visibility, self.now())?;
        then(&tx, &group)?;
        tx.commit().map_err(crate::storage::StorageError::from)?;
        Ok(group)
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
        let path = NamespacePath::parse(path).map_err(|e| AppError::invalid("path", e))?;
        let name = display_name(name, &path)?;
        let Some(parent) = path.parent() else {
            return Err(AppError::invalid(
                "path",
                "a project lives in a group: use GROUP/PROJECT",
            ));
        };
        let conn = self.conn()?;
        ensure_free(&conn, &path)?;
        let group = require_group(&conn, parent.as_str())?;
        Ok(db::insert_project(
            &conn,
            group.id,
            path.as_str(),
            &name,
            visibility,
            registry,
            self.now(),
        )?)
    }

    /// Resolve a holder reference to a token holder.
    pub fn resolve_holder(&self, holder: HolderRef<'_>) -> Result<Holder, AppError> {
        resolve_holder(&*self.conn()?, holder)
    }
}

/// Resolve a holder reference on an open connection.
pub fn resolve_holder(conn: &Connection, holder: HolderRef<'_>) -> Result<Holder, AppError> {
    match holder {
        HolderRef::Project(key) => {
            let p = project_by_key(conn, key)?
                .ok_or_else(|| AppError::NotFound(format!("project {key} not found")))?;
            Ok(p.holder())
        }
        HolderRef::Group(key) => {
            let g = group_by_key(conn, key)?
                .ok_or_else(|| AppError::NotFound(format!("group {key} not found")))?;
            Ok(g.holder())
        }
    }
}

/// A project by GitLab's `:id`: a numeric id, or else a full path.
pub(super) fn project_by_key(
    conn: &Connection,
    key: &str,
) -> Result<Option<Project>, StorageError> {
    match key.parse::<i64>() {
        Ok(id) => db::project_by_id(conn, id),
        Err(_) => db::project_by_path(conn, key),
    }
}

/// A group by GitLab's `:id`: a numeric id, or else a full path.
pub(super) fn group_by_key(conn: &Connection, key: &str) -> Result<Option<Group>, StorageError> {
    match key.parse::<i64>() {
        Ok(id) => db::group_by_id(conn, id),
        Err(_) => db::group_by_path(conn, key),
    }
}

/// The given display name (validated), or the last path component.
fn display_name(name: Option<&str>, path: &NamespacePath) -> Result<String, AppError> {
    match name {
        Some(name) => {
            validate_name(name).map_err(|e| AppError::invalid("name", e))?;
            Ok(name.to_owned())
        }
        None => Ok(path.last_component().to_owned()),
    }
}

fn ensure_free(conn: &Connection, path: &NamespacePath) -> Result<(), AppError> {
    if db::path_taken(conn, path.as_str())? {
        return Err(AppError::Conflict(format!("path {path} is already taken")));
    }
    Ok(())
}

fn require_group(conn: &Connection, path: &str) -> Result<Group, AppError> {
    db::group_by_path(conn, path)?
        .ok_or_else(|| AppError::NotFound(format!("group {path} not found: create it first")))
}
