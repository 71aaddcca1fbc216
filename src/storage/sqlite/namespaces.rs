//! Groups and projects in SQLite.

use super::{Tx, from_unix, parse_column, to_unix};
use crate::domain::namespace::{Group, Project, ProjectFacts};
use crate::storage::{NamespaceReads, NamespaceWrites, NewGroup, NewProject, StorageError};
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;

pub(super) const GROUP_COLUMNS: &str = "id, parent_id, path, name, visibility, created_at";
pub(super) const PROJECT_COLUMNS: &str =
    "id, group_id, path, name, visibility, registry, created_at";

pub(super) fn group_row(r: &Row<'_>) -> rusqlite::Result<Group> {
    Ok(Group {
        id: r.get(0)?,
        parent_id: r.get(1)?,
        path: r.get(2)?,
        name: r.get(3)?,
        visibility: parse_column(4, r.get(4)?)?,
        created_at: from_unix(r.get(5)?)?,
    })
}

pub(super) fn project_row(r: &Row<'_>) -> rusqlite::Result<Project> {
    Ok(Project {
        id: r.get(0)?,
        group_id: r.get(1)?,
        path: r.get(2)?,
        name: r.get(3)?,
        visibility: parse_column(4, r.get(4)?)?,
        registry: parse_column(5, r.get(5)?)?,
        created_at: from_unix(r.get(6)?)?,
    })
}

impl NamespaceReads for Tx<'_> {
    fn group_by_id(&mut self, id: i64) -> Result<Option<Group>, StorageError> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM groups WHERE id = ?1");
        Ok(self.0.query_row(&sql, [id], group_row).optional()?)
    }

    fn group_by_path(&mut self, path: &str) -> Result<Option<Group>, StorageError> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM groups WHERE path = ?1");
        Ok(self.0.query_row(&sql, [path], group_row).optional()?)
    }

    fn project_by_id(&mut self, id: i64) -> Result<Option<Project>, StorageError> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = ?1");
        Ok(self.0.query_row(&sql, [id], project_row).optional()?)
    }

    fn project_by_path(&mut self, path: &str) -> Result<Option<Project>, StorageError> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE path = ?1");
        Ok(self.0.query_row(&sql, [path], project_row).optional()?)
    }

    fn path_taken(&mut self, path: &str) -> Result<bool, StorageError> {
        Ok(self.0.query_row(
            "SELECT EXISTS (SELECT 1 FROM groups WHERE path = ?1) OR EXISTS (SELECT 1 FROM projects WHERE path = ?1)",
            [path],
            |r| r.get(0),
        )?)
    }

    /// One indexed point lookup per candidate, longest first, so the usual request (the
    /// repository is the project, or one level below it) costs one or two lookups. A single
    /// `IN (…) ORDER BY length(path)` query would build two temporary b-trees per call, which
    /// cost more than the lookups themselves on the token path (scripts/bench).
    fn project_for_repository(
        &mut self,
        repository: &str,
    ) -> Result<Option<ProjectFacts>, StorageError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT id, path, visibility, registry FROM projects WHERE path = ?1",
        )?;
        let mut candidates: Vec<&str> = vec![repository];
        candidates.extend(
            repository
                .char_indices()
                .rev()
                .filter(|(_, c)| *c == '/')
                .map(|(i, _)| &repository[..i]),
        );
        // A repository name has a bounded depth; cap the work for hostile input anyway.
        for candidate in candidates.into_iter().take(32) {
            let facts = stmt
                .query_row([candidate], |r| {
                    Ok(ProjectFacts {
                        id: r.get(0)?,
                        path: r.get(1)?,
                        visibility: parse_column(2, r.get(2)?)?,
                        registry: parse_column(3, r.get(3)?)?,
                    })
                })
                .optional()?;
            if facts.is_some() {
                return Ok(facts);
            }
        }
        Ok(None)
    }

    fn group_chain(&mut self, path: &str) -> Result<Vec<Group>, StorageError> {
        let mut prefixes: Vec<&str> = vec![path];
        prefixes.extend(
            path.char_indices()
                .filter(|(_, c)| *c == '/')
                .map(|(i, _)| &path[..i]),
        );
        // A path has a bounded depth; cap the query size for hostile input anyway.
        prefixes.truncate(32);
        let placeholders = vec!["?"; prefixes.len()].join(",");
        let sql = format!(
            "SELECT {GROUP_COLUMNS} FROM groups WHERE path IN ({placeholders}) ORDER BY length(path)"
        );
        let mut stmt = self.0.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(prefixes), group_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl NamespaceWrites for Tx<'_> {
    fn insert_group(
        &mut self,
        new: &NewGroup<'_>,
        now: OffsetDateTime,
    ) -> Result<Group, StorageError> {
        self.0.execute(
            "INSERT INTO groups (parent_id, path, name, visibility, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![new.parent_id, new.path, new.name, new.visibility.as_str(), to_unix(now)],
        )?;
        let id = self.0.last_insert_rowid();
        self.group_by_id(id)?
            .ok_or(StorageError::Corrupt("groups.id"))
    }

    fn insert_project(
        &mut self,
        new: &NewProject<'_>,
        now: OffsetDateTime,
    ) -> Result<Project, StorageError> {
        self.0.execute(
            "INSERT INTO projects (group_id, path, name, visibility, registry, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                new.group_id,
                new.path,
                new.name,
                new.visibility.as_str(),
                new.registry.as_str(),
                to_unix(now)
            ],
        )?;
        let id = self.0.last_insert_rowid();
        self.project_by_id(id)?
            .ok_or(StorageError::Corrupt("projects.id"))
    }
}
