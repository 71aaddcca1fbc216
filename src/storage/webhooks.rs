//! The webhook outbox and the lookups of the expiry scan: what every backend offers for
//! them. A notice is enqueued at most once per webhook (its key is unique), and a worker
//! claims due rows with a conditional update before sending, so two workers on one
//! database never send the same row; bodies hold names and ids, never a secret.

use super::StorageError;
use crate::domain::token::DeployToken;
use crate::domain::user::PersonalAccessToken;
use time::OffsetDateTime;

/// A notice about to be enqueued for one webhook.
pub struct NewDelivery<'a> {
    /// The webhook's URL (the configuration's key for it).
    pub webhook: &'a str,
    /// What the notice is about, unique per webhook: `deploy_token:7:expiring:7d`.
    pub notice_key: &'a str,
    /// The event name sent (`deploy_token.expiring`, …).
    pub event: &'a str,
    /// The JSON body, exactly as it will be sent and signed.
    pub body: &'a str,
    /// When it was enqueued (and first due).
    pub now: OffsetDateTime,
}

/// A claimed row, to send.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// Its id (sent as `X-Regauth-Delivery`).
    pub id: i64,
    /// The webhook's URL.
    pub webhook: String,
    /// The event name.
    pub event: String,
    /// The JSON body.
    pub body: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// How an attempt ended.
pub enum Outcome<'a> {
    /// The receiver answered 2xx: done.
    Delivered {
        /// What it answered (`200`).
        status: &'a str,
    },
    /// It failed; try again at `next_at`.
    Retry {
        /// What went wrong (`503`, `connection refused`).
        status: &'a str,
        /// When to try again.
        next_at: OffsetDateTime,
    },
    /// It failed for the last time: given up.
    GaveUp {
        /// What went wrong.
        status: &'a str,
    },
}

/// A row of the outbox, as listed.
#[derive(Clone, Debug)]
pub struct DeliveryState {
    /// Its id.
    pub id: i64,
    /// The webhook's URL.
    pub webhook: String,
    /// The notice key.
    pub notice_key: String,
    /// The event name.
    pub event: String,
    /// Attempts made.
    pub attempts: u32,
    /// When it was delivered.
    pub delivered_at: Option<OffsetDateTime>,
    /// When it was given up.
    pub failed_at: Option<OffsetDateTime>,
}

/// A personal access token with its user's name, for a notice.
pub struct ExpiringPersonalToken {
    /// The token.
    pub token: PersonalAccessToken,
    /// Its user's username.
    pub username: String,
}

/// Reading the outbox and the tokens the scan looks at.
pub trait WebhookReads {
    /// Deploy tokens not revoked whose expiry lies in `(after, until]`.
    fn deploy_tokens_expiring(
        &mut self,
        after: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<DeployToken>, StorageError>;
    /// Personal access tokens not revoked whose expiry lies in `(after, until]`.
    fn personal_tokens_expiring(
        &mut self,
        after: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<ExpiringPersonalToken>, StorageError>;
    /// Every outbox row, oldest first.
    fn webhook_deliveries(&mut self) -> Result<Vec<DeliveryState>, StorageError>;
}

/// Changing the outbox.
pub trait WebhookWrites: WebhookReads {
    /// Enqueue a notice unless this webhook already has one with this key; returns whether
    /// it was enqueued.
    fn enqueue_delivery(&mut self, new: &NewDelivery<'_>) -> Result<bool, StorageError>;
    /// Claim up to `limit` rows due at `now` that nobody holds (or whose claim ran out) for
    /// `worker` until `until`, and return them.
    fn claim_deliveries(
        &mut self,
        worker: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Delivery>, StorageError>;
    /// Record how an attempt on row `id` ended and release the claim, if `worker` still
    /// holds it; returns whether it did.
    fn finish_delivery(
        &mut self,
        id: i64,
        worker: &str,
        outcome: &Outcome<'_>,
        now: OffsetDateTime,
    ) -> Result<bool, StorageError>;
}
