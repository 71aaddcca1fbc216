//! Audit events in PostgreSQL: appended, listed newest first.

use super::{Tx, from_unix, to_unix};
use crate::storage::StorageError;
use crate::storage::audit::{AuditEvent, AuditQuery, AuditReads, AuditWrites, NewAuditEvent};
use postgres::Row;
use time::OffsetDateTime;

fn event_row(r: &Row) -> Result<AuditEvent, StorageError> {
    Ok(AuditEvent {
        id: r.try_get(0)?,
        action: r.try_get(1)?,
        author_kind: r.try_get(2)?,
        author_id: r.try_get(3)?,
        author_name: r.try_get(4)?,
        author_token_id: r.try_get(5)?,
        entity_type: r.try_get(6)?,
        entity_id: r.try_get(7)?,
        entity_path: r.try_get(8)?,
        ip_address: r.try_get(9)?,
        details: r.try_get(10)?,
        created_at: from_unix(r.try_get(11)?)?,
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
        let rows = self.rows(
            "SELECT id, action, author_kind, author_id, author_name, author_token_id, \
             entity_type, entity_id, entity_path, ip_address, details, created_at \
             FROM audit_events WHERE created_at >= $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
            &[
                &lower_bound(query.since),
                &clamp(query.limit),
                &clamp(query.offset),
            ],
        )?;
        rows.iter().map(event_row).collect()
    }

    fn count_audit_events(&mut self, since: Option<OffsetDateTime>) -> Result<u64, StorageError> {
        let row = self.one(
            "SELECT COUNT(*) FROM audit_events WHERE created_at >= $1",
            &[&lower_bound(since)],
        )?;
        Ok(u64::try_from(row.try_get::<_, i64>(0)?).unwrap_or_default())
    }
}

impl AuditWrites for Tx<'_> {
    fn insert_audit_event(&mut self, e: &NewAuditEvent<'_>) -> Result<i64, StorageError> {
        let row = self.one(
            "INSERT INTO audit_events (action, author_kind, author_id, author_name, \
             author_token_id, entity_type, entity_id, entity_path, ip_address, details, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            &[
                &e.action,
                &e.author_kind,
                &e.author_id,
                &e.author_name,
                &e.author_token_id,
                &e.entity_type,
                &e.entity_id,
                &e.entity_path,
                &e.ip_address,
                &e.details,
                &to_unix(e.created_at),
            ],
        )?;
        Ok(row.try_get(0)?)
    }
}
