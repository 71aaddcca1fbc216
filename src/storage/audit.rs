//! Audit events: what every backend offers for them. An event is written once, in the
//! transaction of the change it describes, and never changed; it holds names and ids,
//! never a secret or a digest.

use super::StorageError;
use time::OffsetDateTime;

/// An event about to be stored.
pub struct NewAuditEvent<'a> {
    /// What happened (`deploy_token.created`, …).
    pub action: &'a str,
    /// `user`, `cli` or `system`.
    pub author_kind: &'a str,
    /// The acting user's id, when a user acted.
    pub author_id: Option<i64>,
    /// The acting user's name, or `cli` / `regauth`.
    pub author_name: &'a str,
    /// The token the acting user presented, if any.
    pub author_token_id: Option<i64>,
    /// What kind of thing was acted on (`DeployToken`, `User`, `SigningKey`, …).
    pub entity_type: &'a str,
    /// Its id, when it has a numeric one.
    pub entity_id: Option<i64>,
    /// Its name or path (a token's name, a username, a key id, a client address).
    pub entity_path: &'a str,
    /// The client's address, when the change came over HTTP.
    pub ip_address: Option<&'a str>,
    /// More about the event, a JSON object as text.
    pub details: &'a str,
    /// When it happened.
    pub created_at: OffsetDateTime,
}

/// A stored event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// Its id, in the order events were written.
    pub id: i64,
    /// What happened.
    pub action: String,
    /// `user`, `cli` or `system`.
    pub author_kind: String,
    /// The acting user's id.
    pub author_id: Option<i64>,
    /// The acting user's name, or `cli` / `regauth`.
    pub author_name: String,
    /// The token the acting user presented.
    pub author_token_id: Option<i64>,
    /// What kind of thing was acted on.
    pub entity_type: String,
    /// Its numeric id.
    pub entity_id: Option<i64>,
    /// Its name or path.
    pub entity_path: String,
    /// The client's address.
    pub ip_address: Option<String>,
    /// More about the event, a JSON object as text.
    pub details: String,
    /// When it happened.
    pub created_at: OffsetDateTime,
}

/// Which events a listing wants: from `since` on (all when `None`), newest first, skipping
/// `offset` and returning at most `limit`.
#[derive(Clone, Copy, Debug)]
pub struct AuditQuery {
    /// The earliest instant wanted.
    pub since: Option<OffsetDateTime>,
    /// Events to skip.
    pub offset: u64,
    /// Events to return at most.
    pub limit: u64,
}

/// Reading the audit trail.
pub trait AuditReads {
    /// The events `query` selects, newest first.
    fn audit_events(&mut self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StorageError>;
    /// How many events there are from `since` on (all when `None`).
    fn count_audit_events(&mut self, since: Option<OffsetDateTime>) -> Result<u64, StorageError>;
}

/// Writing the audit trail.
pub trait AuditWrites: AuditReads {
    /// Store one event; returns its id.
    fn insert_audit_event(&mut self, event: &NewAuditEvent<'_>) -> Result<i64, StorageError>;
}
