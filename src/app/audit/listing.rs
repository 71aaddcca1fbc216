//! How the audit trail is shown: GitLab's audit-event entity (the CLI's `--json` and the
//! API), and the `since` / `created_after` instant a listing starts at.

use super::AppError;
use crate::storage::audit::AuditEvent;
use time::OffsetDateTime;

/// An instant a listing starts at: `YYYY-MM-DD` (midnight UTC) or RFC 3339.
pub fn parse_since(text: &str) -> Result<OffsetDateTime, AppError> {
    let invalid = || AppError::invalid("since", format!("{text:?} is not YYYY-MM-DD or RFC 3339"));
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(date) = time::Date::parse(text, date_format) {
        return Ok(date.with_time(time::Time::MIDNIGHT).assume_utc());
    }
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| invalid())
}

/// GitLab's audit-event entity: `id`, `author_id`, `entity_id`, `entity_type`, `event_name`,
/// `details` (who, what, from where, and the event's own details) and `created_at`.
pub fn audit_event_json(event: &AuditEvent) -> serde_json::Value {
    let mut details = match serde_json::from_str(&event.details) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let extra = serde_json::json!({
        "action": event.action,
        "author_name": event.author_name,
        "author_class": event.author_kind,
        "author_token_id": event.author_token_id,
        "target_id": event.entity_id,
        "target_type": event.entity_type,
        "target_details": event.entity_path,
        "entity_path": event.entity_path,
        "ip_address": event.ip_address,
    });
    if let serde_json::Value::Object(extra) = extra {
        details.extend(extra);
    }
    serde_json::json!({
        "id": event.id,
        "author_id": event.author_id,
        "entity_id": event.entity_id,
        "entity_type": event.entity_type,
        "event_name": event.action,
        "details": details,
        "created_at": crate::app::deploy_tokens::rfc3339(event.created_at),
    })
}
