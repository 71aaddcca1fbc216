//! Groups and projects.

use super::{StorageError, from_unix, parse_column, to_unix};
use crate::domain::namespace::{Group, Project, ProjectFacts, RegistryAccess, Visibility};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

const GROUP_COLUMNS: &str = "id, parent_id, path, name, visibility, created_at";
const PROJECT_COLUMNS: &str = "id, group_id, path, name, visibility, registry, created_at";

fn group_row(r: &Row<'_>) -> rusqlite::Result<Group> {
    Ok(Group {
        id: r.get(0)?,
        parent_id: r.get(1)?,
        path: r.get(2)?,
        name: r.get(3)?,
        visibility: parse_column(4, r.get(4)?)?,
        created_at: from_unix(r.get(5)?)?,
    })
}

fn project_row(r: &Row<'_>) -> rusqlite::Result<Project> {
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

/// Insert a group; the caller has checked that the path is free and the parent exists.
pub fn insert_group(
    conn: &Connection,
    parent_id: Option<i64>,
    path: &str,
    name: &str,
    visibility: Visibility,
    now: OffsetDateTime,
) -> Result<Group, StorageError> {
    conn.execute(
        "INSERT INTO groups (parent_id, path, name, visibility, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![parent_id, path, name, visibility.as_str(), to_unix(now)],
    )?;
    group_by_id(conn, conn.last_insert_rowid())?.ok_or(StorageError::Corrupt("groups.id"))
}

/// Insert a project; the caller has checked that the path is free and the group exists.
pub fn insert_project(
    conn: &Connection,
    group_id: i64,
    path: &str,
    name: &str,
    visibility: Visibility,
    registry: RegistryAccess,
    now: OffsetDateTime,
) -> Result<Project, StorageError> {
    conn.execute(
        "INSERT INTO projects (group_id, path, name, visibility, registry, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![group_id, path, name, visibility.as_str(), registry.as_str(), to_unix(now)],
    )?;
    project_by_id(conn, conn.last_insert_rowid())?.ok_or(StorageError::Corrupt("projects.id"))
}

/// The group with this id.
pub fn group_by_id(conn: &Connection, id: i64) -> Result<Option<Group>, StorageError> {
    let sql = format!("SELECT {GROUP_COLUMNS} FROM groups WHERE id = ?1");
    Ok(conn.query_row(&sql, [id], group_row).optional()?)
}

/// The group at this path.
pub fn group_by_path(conn: &Connection, path: &str) -> Result<Option<Group>, StorageError> {
    let sql = format!("SELECT {GROUP_COLUMNS} FROM groups WHERE path = ?1");
    Ok(conn.query_row(&sql, [path], group_row).optional()?)
}

/// The project with this id.
pub fn project_by_id(conn: &Connection, id: i64) -> Result<Option<Project>, StorageError> {
    let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = ?1");
    Ok(conn.query_row(&sql, [id], project_row).optional()?)
}

/// The project at this path.
pub fn project_by_path(conn: &Connection, path: &str) -> Result<Option<Project>, StorageError> {
    let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE path = ?1");
    Ok(conn.query_row(&sql, [path], project_row).optional()?)
}

/// Whether a group or a project already uses `path`.
pub fn path_taken(conn: &Connection, path: &str) -> Result<bool, StorageError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM groups WHERE path = ?1) OR EXISTS (SELECT 1 FROM projects WHERE path = ?1)",
        [path],
        |r| r.get(0),
    )?)
}

/// The project owning `repository`: the project whose path is the longest prefix of it
/// (`g/p` owns `g/p`, `g/p/web`, `g/p/a/b`).
///
/// One indexed point lookup per candidate, longest first, so the usual request (the
/// repository is the project, or one level below it) costs one or two lookups. A single
/// `IN (…) ORDER BY length(path)` query would build two temporary b-trees per call, which
/// cost more than the lookups themselves on the token path (scripts/bench).
pub fn project_for_repository(
    conn: &Connection,
    repository: &str,
) -> Result<Option<ProjectFacts>, StorageError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, path, visibility, registry FROM projects WHERE path = ?1")?;
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

/// The groups at `path` and above it, outermost first (`acme`, `acme/backend`, …).
pub fn group_chain(conn: &Connection, path: &str) -> Result<Vec<Group>, StorageError> {
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
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(prefixes), group_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Store;

    #[test]
    fn repository_belongs_to_the_project_at_its_longest_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let conn = store.conn().unwrap();
        let now = OffsetDateTime::UNIX_EPOCH;
        let g = insert_group(&conn, None, "g", "g", Visibility::Private, now).unwrap();
        let sub =
            insert_group(&conn, Some(g.id), "g/sub", "sub", Visibility::Private, now).unwrap();
        let (private, enabled) = (Visibility::Private, RegistryAccess::Enabled);
        let p = insert_project(&conn, g.id, "g/p", "p", private, enabled, now).unwrap();
        let q = insert_project(&conn, sub.id, "g/sub/q", "q", private, enabled, now).unwrap();
        let owner = |repo: &str| project_for_repository(&conn, repo).unwrap().map(|f| f.id);
        assert_eq!(owner("g/p"), Some(p.id));
        assert_eq!(owner("g/p/web"), Some(p.id));
        assert_eq!(owner("g/p/a/b/c"), Some(p.id));
        assert_eq!(owner("g/sub/q/api"), Some(q.id));
        assert_eq!(owner("g/sub"), None, "a group is not a project");
        assert_eq!(owner("g/px"), None, "prefixes are whole path components");
        assert_eq!(owner("other/p"), None);
        assert_eq!(owner(&"a/".repeat(100)), None);
    }
}
