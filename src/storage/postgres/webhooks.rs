//! The webhook outbox in PostgreSQL. A write transaction here holds the database's write
//! lock (the module `postgres` says why), so selecting due rows and marking them claimed
//! cannot interleave with another worker's claim on any replica; the update still
//! re-checks that nobody holds the row.

use super::{Tx, from_unix_opt, to_unix};
use crate::domain::token::DeployToken;
use crate::storage::StorageError;
use crate::storage::webhooks::{
    Delivery, DeliveryState, ExpiringPersonalToken, NewDelivery, Outcome, WebhookReads,
    WebhookWrites,
};
use postgres::Row;
use time::OffsetDateTime;

/// A stored attempt count (`INTEGER`) as the count type.
fn attempts(r: &Row, idx: usize) -> Result<u32, StorageError> {
    u32::try_from(r.try_get::<_, i32>(idx)?)
        .map_err(|_| StorageError::Corrupt("webhook_deliveries.attempts"))
}

fn state_row(r: &Row) -> Result<DeliveryState, StorageError> {
    Ok(DeliveryState {
        id: r.try_get(0)?,
        webhook: r.try_get(1)?,
        notice_key: r.try_get(2)?,
        event: r.try_get(3)?,
        attempts: attempts(r, 4)?,
        delivered_at: from_unix_opt(r.try_get(5)?)?,
        failed_at: from_unix_opt(r.try_get(6)?)?,
    })
}

impl WebhookReads for Tx<'_> {
    fn deploy_tokens_expiring(
        &mut self,
        after: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<DeployToken>, StorageError> {
        let rows = self.rows(super::tokens::EXPIRING, &[&to_unix(after), &to_unix(until)])?;
        rows.iter().map(super::tokens::token_row).collect()
    }

    fn personal_tokens_expiring(
        &mut self,
        after: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<ExpiringPersonalToken>, StorageError> {
        let rows = self.rows(super::users::EXPIRING, &[&to_unix(after), &to_unix(until)])?;
        rows.iter()
            .map(|r| {
                Ok(ExpiringPersonalToken {
                    token: super::users::token_row(r)?,
                    username: r.try_get(8)?,
                })
            })
            .collect()
    }

    fn webhook_deliveries(&mut self) -> Result<Vec<DeliveryState>, StorageError> {
        let rows = self.rows(
            "SELECT id, webhook, notice_key, event, attempts, delivered_at, failed_at \
             FROM webhook_deliveries ORDER BY id",
            &[],
        )?;
        rows.iter().map(state_row).collect()
    }
}

impl WebhookWrites for Tx<'_> {
    fn enqueue_delivery(&mut self, new: &NewDelivery<'_>) -> Result<bool, StorageError> {
        let inserted = self.run(
            "INSERT INTO webhook_deliveries (webhook, notice_key, event, body, \
             next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (webhook, notice_key) DO NOTHING",
            &[
                &new.webhook,
                &new.notice_key,
                &new.event,
                &new.body,
                &to_unix(new.now),
            ],
        )?;
        Ok(inserted == 1)
    }

    fn claim_deliveries(
        &mut self,
        worker: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Delivery>, StorageError> {
        let rows = self.rows(
            "UPDATE webhook_deliveries SET claimed_by = $1, claimed_until = $2 \
             WHERE id IN (SELECT id FROM webhook_deliveries \
                 WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $3 \
                 AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY id LIMIT $4) \
             RETURNING id, webhook, event, body, attempts",
            &[&worker, &to_unix(until), &to_unix(now), &i64::from(limit)],
        )?;
        let mut claimed = rows
            .iter()
            .map(|r| {
                Ok(Delivery {
                    id: r.try_get(0)?,
                    webhook: r.try_get(1)?,
                    event: r.try_get(2)?,
                    body: r.try_get(3)?,
                    attempts: attempts(r, 4)?,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        claimed.sort_by_key(|d| d.id);
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
        let changed = self.run(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $1, \
             delivered_at = $2, failed_at = $3, \
             next_attempt_at = COALESCE($4, next_attempt_at), \
             claimed_by = NULL, claimed_until = NULL \
             WHERE id = $5 AND claimed_by = $6",
            &[&status, &delivered, &failed, &next, &id, &worker],
        )?;
        Ok(changed == 1)
    }
}
