//! Audit events in SQLite: appended, listed newest first.

use super::{Tx, from_unix, to_unix};
use crate::storage::StorageError;
use crate::storage::audit::{AuditEvent, AuditQuery, AuditReads, AuditWrites, NewAuditEvent};
use rusqlite::{Row, params};
use time::OffsetDateTime;

const COLUMNS: &str = "id, action, author_kind, author_id, author_name, author_token_id, \
     entity_type, entity_id, entity_path, ip_address, details, created_at";

fn event_row(r: &Row<'_>) -> rusqlite::Result<AuditEvent> {
    Ok(AuditEvent {
        id: r.get(0)?,
        action: r.get(1)?,
        author_kind: r.get(2)?,
        author_id: r.get(3)?,
        author_name: r.get(4)?,
        author_token_id: r.get(5)?,
        entity_type: r.get(6)?,
        entity_id: r.get(7)?,
        entity_path: r.get(8)?,
        ip_address: r.get(9)?,
        details: r.get(10)?,
        created_at: from_unix(r.get(11)?)?,
    })
}

/// `since` as a bound that lets every event through when it is `None`.
fn lower_bound(since: Option<OffsetDateTime>) -> i64 {
    since.map_or(i64::MIN, to_unix)
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl AuditReads for Tx<'_> {
    fn audit_events(&mut self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StorageError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_events WHERE created_at >= ?1 \
             ORDER BY id DESC LIMIT ?2 OFFSET ?3"
        );
        let mut stmt = self.0.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![
                lower_bound(query.since),
                clamp(query.limit),
                clamp(query.offset)
            ],
            event_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn count_audit_events(&mut self, since: Option<OffsetDateTime>) -> Result<u64, StorageError> {
        let n: i64 = self
            .0
            .prepare_cached("SELECT COUNT(*) FROM audit_events WHERE created_at >= ?1")?
            .query_row([lower_bound(since)], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or_default())
    }
}

impl AuditWrites for Tx<'_> {
    fn insert_audit_event(&mut self, e: &NewAuditEvent<'_>) -> Result<i64, StorageError> {
        self.0
            .prepare_cached(
                "INSERT INTO audit_events (action, author_kind, author_id, author_name, \
                 author_token_id, entity_type, entity_id, entity_path, ip_address, details, \
                 created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                e.action,
                e.author_kind,
                e.author_id,
                e.author_name,
                e.author_token_id,
                e.entity_type,
                e.entity_id,
                e.entity_path,
                e.ip_address,
                e.details,
                to_unix(e.created_at),
            ])?;
        Ok(self.0.last_insert_rowid())
    }
}
