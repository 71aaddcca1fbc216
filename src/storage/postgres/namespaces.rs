//! Groups and projects in PostgreSQL.

use super::{Tx, from_unix, parse_column, to_unix};
use crate::domain::namespace::{Group, Project, ProjectFacts};
use crate::storage::{NamespaceReads, NamespaceWrites, NewGroup, NewProject, StorageError};
use postgres::Row;
use time::OffsetDateTime;

/// `SELECT` of every group column, then the rest of the query.
macro_rules! groups {
    ($rest:literal) => {
        concat!(
            "SELECT id, parent_id, path, name, visibility, created_at FROM groups ",
            $rest
        )
    };
}

/// `SELECT` of every project column, then the rest of the query.
macro_rules! projects {
    ($rest:literal) => {
        concat!(
            "SELECT id, group_id, path, name, visibility, registry, created_at FROM projects ",
            $rest
        )
    };
}

pub(super) fn group_row(r: &Row) -> Result<Group, StorageError> {
    Ok(Group {
        id: r.try_get(0)?,
        parent_id: r.try_get(1)?,
        path: r.try_get(2)?,
        name: r.try_get(3)?,
        visibility: parse_column("groups.visibility", r.try_get(4)?)?,
        created_at: from_unix(r.try_get(5)?)?,
    })
}

pub(super) fn project_row(r: &Row) -> Result<Project, StorageError> {
    Ok(Project {
        id: r.try_get(0)?,
        group_id: r.try_get(1)?,
        path: r.try_get(2)?,
        name: r.try_get(3)?,
        visibility: parse_column("projects.visibility", r.try_get(4)?)?,
        registry: parse_column("projects.registry", r.try_get(5)?)?,
        created_at: from_unix(r.try_get(6)?)?,
    })
}

/// `path` and each of its parents, longest first, capped for hostile input (a repository
/// name has a bounded depth anyway).
fn prefixes(path: &str) -> Vec<&str> {
    let mut all = vec![path];
    all.extend(
        path.char_indices()
            .rev()
            .filter(|(_, c)| *c == '/')
            .map(|(i, _)| &path[..i]),
    );
    all.truncate(32);
    all
}

impl NamespaceReads for Tx<'_> {
    fn group_by_id(&mut self, id: i64) -> Result<Option<Group>, StorageError> {
        self.row(groups!("WHERE id = $1"), &[&id])?
            .as_ref()
            .map(group_row)
            .transpose()
    }

    fn group_by_path(&mut self, path: &str) -> Result<Option<Group>, StorageError> {
        self.row(groups!("WHERE path = $1"), &[&path])?
            .as_ref()
            .map(group_row)
            .transpose()
    }

    fn project_by_id(&mut self, id: i64) -> Result<Option<Project>, StorageError> {
        self.row(projects!("WHERE id = $1"), &[&id])?
            .as_ref()
            .map(project_row)
            .transpose()
    }

    fn project_by_path(&mut self, path: &str) -> Result<Option<Project>, StorageError> {
        self.row(projects!("WHERE path = $1"), &[&path])?
            .as_ref()
            .map(project_row)
            .transpose()
    }

    fn path_taken(&mut self, path: &str) -> Result<bool, StorageError> {
        let row = self.one(
            "SELECT EXISTS (SELECT 1 FROM groups WHERE path = $1) \
             OR EXISTS (SELECT 1 FROM projects WHERE path = $1)",
            &[&path],
        )?;
        Ok(row.try_get(0)?)
    }

    /// One query over every prefix (an index lookup each, `path = ANY`), the longest
    /// owning project first: one round trip, where SQLite prefers a lookup per prefix.
    fn project_for_repository(
        &mut self,
        repository: &str,
    ) -> Result<Option<ProjectFacts>, StorageError> {
        let candidates = prefixes(repository);
        let row = self.row(
            "SELECT id, path, visibility, registry FROM projects WHERE path = ANY($1) \
             ORDER BY length(path) DESC LIMIT 1",
            &[&candidates],
        )?;
        row.map(|r| {
            Ok(ProjectFacts {
                id: r.try_get(0)?,
                path: r.try_get(1)?,
                visibility: parse_column("projects.visibility", r.try_get(2)?)?,
                registry: parse_column("projects.registry", r.try_get(3)?)?,
            })
        })
        .transpose()
    }

    fn group_chain(&mut self, path: &str) -> Result<Vec<Group>, StorageError> {
        let candidates = prefixes(path);
        self.rows(
            groups!("WHERE path = ANY($1) ORDER BY length(path)"),
            &[&candidates],
        )?
        .iter()
        .map(group_row)
        .collect()
    }
}

impl NamespaceWrites for Tx<'_> {
    fn insert_group(
        &mut self,
        new: &NewGroup<'_>,
        now: OffsetDateTime,
    ) -> Result<Group, StorageError> {
        let row = self.one(
            "INSERT INTO groups (parent_id, path, name, visibility, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, parent_id, path, name, visibility, created_at",
            &[
                &new.parent_id,
                &new.path,
                &new.name,
                &new.visibility.as_str(),
                &to_unix(now),
            ],
        )?;
        group_row(&row)
    }

    fn insert_project(
        &mut self,
        new: &NewProject<'_>,
        now: OffsetDateTime,
    ) -> Result<Project, StorageError> {
        let row = self.one(
            "INSERT INTO projects (group_id, path, name, visibility, registry, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id, group_id, path, name, visibility, registry, created_at",
            &[
                &new.group_id,
                &new.path,
                &new.name,
                &new.visibility.as_str(),
                &new.registry.as_str(),
                &to_unix(now),
            ],
        )?;
        project_row(&row)
    }
}
