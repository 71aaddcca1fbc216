//! The webhook outbox in SQLite. A write transaction here holds the database's write lock
//! from its start, so selecting due rows and marking them claimed cannot interleave with
//! another worker's claim; the update still re-checks that nobody holds the row.

use super::{Tx, from_unix, to_unix};
use crate::domain::token::DeployToken;
use crate::storage::StorageError;
use crate::storage::webhooks::{
    Delivery, DeliveryState, ExpiringPersonalToken, NewDelivery, Outcome, WebhookReads,
    WebhookWrites,
};
use rusqlite::{Row, params};
use time::OffsetDateTime;

fn state_row(r: &Row<'_>) -> rusqlite::Result<DeliveryState> {
    Ok(DeliveryState {
        id: r.get(0)?,
        webhook: r.get(1)?,
        notice_key: r.get(2)?,
        event: r.get(3)?,
        attempts: r.get(4)?,
        delivered_at: r.get::<_, Option<i64>>(5)?.map(from_unix).transpose()?,
        failed_at: r.get::<_, Option<i64>>(6)?.map(from_unix).transpose()?,
    })
}

impl WebhookReads for Tx<'_> {
    fn deploy_tokens_expiring(
        &mut self,
        after: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<DeployToken>, StorageError> {
        let sql = format!(
            "{} WHERE t.revoked_at IS NULL AND t.expires_at > ?1 AND t.expires_at <= ?2 \
             ORDER BY t.id",
            super::tokens::SELECT
        );
        let mut stmt = self.0.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![to_unix(after), to_unix(until)],
            super::tokens::token_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn personal_tokens_expiring(
        &mut self,
        after: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<ExpiringPersonalToken>, StorageError> {
        let columns = super::users::TOKEN_COLUMNS.replace(", ", ", t.");
        let sql = format!(
            "SELECT t.{columns}, u.username FROM personal_access_tokens t \
             JOIN users u ON u.id = t.user_id \
             WHERE t.revoked_at IS NULL AND t.expires_at > ?1 AND t.expires_at <= ?2 \
             ORDER BY t.id"
        );
        // The username follows the token's columns, however many they are.
        let username_at = super::users::TOKEN_COLUMNS.split(',').count();
        let mut stmt = self.0.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![to_unix(after), to_unix(until)], |r| {
            Ok(ExpiringPersonalToken {
                token: super::users::token_row(r)?,
                username: r.get(username_at)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn webhook_deliveries(&mut self) -> Result<Vec<DeliveryState>, StorageError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT id, webhook, notice_key, event, attempts, delivered_at, failed_at \
             FROM webhook_deliveries ORDER BY id",
        )?;
        let rows = stmt.query_map([], state_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl WebhookWrites for Tx<'_> {
    fn enqueue_delivery(&mut self, new: &NewDelivery<'_>) -> Result<bool, StorageError> {
        let now = to_unix(new.now);
        let inserted = self
            .0
            .prepare_cached(
                "INSERT INTO webhook_deliveries (webhook, notice_key, event, body, \
                 next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) \
                 ON CONFLICT (webhook, notice_key) DO NOTHING",
            )?
            .execute(params![
                new.webhook,
                new.notice_key,
                new.event,
                new.body,
                now
            ])?;
        Ok(inserted == 1)
    }

    fn claim_deliveries(
        &mut self,
        worker: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Delivery>, StorageError> {
        let due: Vec<Delivery> = {
            let mut stmt = self.0.prepare_cached(
                "SELECT id, webhook, event, body, attempts FROM webhook_deliveries \
                 WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?1 \
                 AND (claimed_until IS NULL OR claimed_until < ?1) ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![to_unix(now), limit], |r| {
                Ok(Delivery {
                    id: r.get(0)?,
                    webhook: r.get(1)?,
                    event: r.get(2)?,
                    body: r.get(3)?,
                    attempts: r.get(4)?,
                })
            })?;
            rows.collect::<Result<_, _>>()?
        };
        let mut claimed = Vec::with_capacity(due.len());
        let mut claim = self.0.prepare_cached(
            "UPDATE webhook_deliveries SET claimed_by = ?1, claimed_until = ?2 \
             WHERE id = ?3 AND delivered_at IS NULL AND failed_at IS NULL \
             AND (claimed_until IS NULL OR claimed_until < ?4)",
        )?;
        for delivery in due {
            if claim.execute(params![worker, to_unix(until), delivery.id, to_unix(now)])? == 1 {
                claimed.push(delivery);
            }
        }
        Ok(claimed)
    }

    fn finish_delivery(
        &mut self,
        id: i64,
        worker: &str,
        outcome: &Outcome<'_>,
        now: OffsetDateTime,
    ) -> Result<bool, StorageError> {
        let now = to_unix(now);
        let (status, delivered, failed, next) = match outcome {
            Outcome::Delivered { status } => (*status, Some(now), None, None),
            Outcome::Retry { status, next_at } => (*status, None, None, Some(to_unix(*next_at))),
            Outcome::GaveUp { status } => (*status, None, Some(now), None),
        };
        let changed = self
            .0
            .prepare_cached(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?1, \
                 delivered_at = ?2, failed_at = ?3, \
                 next_attempt_at = COALESCE(?4, next_attempt_at), \
                 claimed_by = NULL, claimed_until = NULL \
                 WHERE id = ?5 AND claimed_by = ?6",
            )?
            .execute(params![status, delivered, failed, next, id, worker])?;
        Ok(changed == 1)
    }
}
