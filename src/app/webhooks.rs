//! Webhook notices: the expiry scan and revocations enqueue them in the database's outbox
//! (at most once per webhook and notice, by its unique key), and a worker claims due rows,
//! signs and sends them, and retries failures with backoff. Claims are conditional updates,
//! so workers of several replicas on one database never send the same row; a row is sent
//! again only if its worker died holding it, and receivers can tell a repeat by
//! `X-Regauth-Delivery`.

use super::App;
use super::audit::event::{Event, Notice, deploy_token_body, personal_token_body};
use super::deploy_tokens::rfc3339;
use crate::domain::webhook::{
    EXPIRED_WINDOW, ExpiryStage, LOOKAHEAD, MAX_ATTEMPTS, Webhook, WebhookEvent, backoff,
};
use crate::storage::webhooks::{Delivery, NewDelivery, Outcome};
use crate::storage::{StorageError, Writes};
use serde_json::json;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// How a webhook is reached: a POST of `body` with `headers`, answering the status code
/// or why there was none. The server's is an HTTP client; tests may use their own.
pub trait Transport: Send + Sync {
    /// Send one request.
    fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: &str,
    ) -> Result<u16, String>;
}

/// Rows one claim takes; with the transport's timeout, bounds how long a claim is held.
const BATCH: u32 = 20;
/// How long a claim holds a row: longer than a batch of sends can take.
const LEASE: Duration = Duration::minutes(10);

/// What one round of the worker did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Round {
    /// Notices the scan enqueued.
    pub enqueued: usize,
    /// Deliveries that succeeded.
    pub delivered: usize,
    /// Deliveries that failed (to be retried, or given up).
    pub failed: usize,
}

/// One worker: scans, claims and sends as `worker` (a name unique per process).
pub struct Notifier {
    app: App,
    worker: String,
    transport: Arc<dyn Transport>,
}

impl App {
    /// Enqueue the notice `event` brings for every webhook that wants it, in `tx`.
    pub(crate) fn notify(
        &self,
        tx: &mut dyn Writes,
        event: &Event,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        match &event.notice {
            Some(notice) => enqueue(tx, self.webhooks(), notice, now).map(|_| ()),
            None => Ok(()),
        }
    }
}

/// Enqueue `notice` for the webhooks that want it; one that has it already is skipped.
/// Returns how many were enqueued.
fn enqueue(
    tx: &mut dyn Writes,
    webhooks: &[Webhook],
    notice: &Notice,
    now: OffsetDateTime,
) -> Result<usize, StorageError> {
    let body = json!({
        "event": notice.event.as_str(),
        "occurred_at": rfc3339(now),
        "token": notice.token,
    })
    .to_string();
    let mut enqueued = 0;
    for webhook in webhooks.iter().filter(|w| w.wants(notice.event)) {
        enqueued += usize::from(tx.enqueue_delivery(&NewDelivery {
            webhook: &webhook.url,
            notice_key: &notice.key,
            event: notice.event.as_str(),
            body: &body,
            now,
        })?);
    }
    Ok(enqueued)
}

/// The notice a token expiring at `expires_at` is due at `now`, if any.
fn expiry_notice(
    kind: &str,
    id: i64,
    expires_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Option<(ExpiryStage, String)> {
    let stage = ExpiryStage::at(expires_at?, now)?;
    let key = match stage {
        ExpiryStage::Expired => format!("{kind}:{id}:expired"),
        _ => format!("{kind}:{id}:expiring:{}", stage.as_str()),
    };
    Some((stage, key))
}

impl Notifier {
    /// A worker named `worker` for `app`'s webhooks.
    pub fn new(app: App, worker: impl Into<String>, transport: Arc<dyn Transport>) -> Notifier {
        Notifier {
            app,
            worker: worker.into(),
            transport,
        }
    }

    /// Scan, then deliver what is due.
    pub fn run_once(&self) -> Result<Round, StorageError> {
        let enqueued = self.scan()?;
        let (delivered, failed) = self.deliver()?;
        Ok(Round {
            enqueued,
            delivered,
            failed,
        })
    }

    /// Enqueue the expiry notices due now (in one transaction); returns how many were new.
    pub fn scan(&self) -> Result<usize, StorageError> {
        let now = self.app.now();
        let webhooks = self.app.webhooks();
        if webhooks.is_empty() {
            return Ok(0);
        }
        let (after, until) = (now - EXPIRED_WINDOW, now + LOOKAHEAD);
        self.app.store().write(|tx| {
            let mut notices = Vec::new();
            for token in tx.deploy_tokens_expiring(after, until)? {
                if let Some((stage, key)) =
                    expiry_notice("deploy_token", token.id, token.expires_at, now)
                {
                    let event = match stage {
                        ExpiryStage::Expired => WebhookEvent::DeployTokenExpired,
                        _ => WebhookEvent::DeployTokenExpiring,
                    };
                    notices.push((
                        stage,
                        Notice {
                            event,
                            key,
                            token: deploy_token_body(&token),
                        },
                    ));
                }
            }
            for found in tx.personal_tokens_expiring(after, until)? {
                let t = &found.token;
                if let Some((stage, key)) =
                    expiry_notice("personal_access_token", t.id, t.expires_at, now)
                {
                    let event = match stage {
                        ExpiryStage::Expired => WebhookEvent::PersonalTokenExpired,
                        _ => WebhookEvent::PersonalTokenExpiring,
                    };
                    let token = personal_token_body(t, &found.username);
                    notices.push((stage, Notice { event, key, token }));
                }
            }
            let mut enqueued = 0;
            for (_, notice) in &notices {
                enqueued += enqueue(tx, webhooks, notice, now)?;
            }
            Ok(enqueued)
        })
    }

    /// Claim the rows due now and send them; returns (delivered, failed).
    pub fn deliver(&self) -> Result<(usize, usize), StorageError> {
        let (mut delivered, mut failed) = (0, 0);
        loop {
            let now = self.app.now();
            let claimed = self
                .app
                .store()
                .write(|tx| tx.claim_deliveries(&self.worker, now, now + LEASE, BATCH))?;
            if claimed.is_empty() {
                return Ok((delivered, failed));
            }
            for delivery in &claimed {
                if self.attempt(delivery)? {
                    delivered += 1;
                } else {
                    failed += 1;
                }
            }
        }
    }

    /// Send one claimed row and record the outcome; returns whether it was delivered.
    fn attempt(&self, delivery: &Delivery) -> Result<bool, StorageError> {
        let webhook = self
            .app
            .webhooks()
            .iter()
            .find(|w| w.url == delivery.webhook);
        let answer = match webhook {
            Some(webhook) => send(self.transport.as_ref(), webhook, delivery),
            None => Err("no longer configured".to_owned()),
        };
        let status = match &answer {
            Ok(code) => code.to_string(),
            Err(why) => why.clone(),
        };
        let ok = matches!(answer, Ok(code) if (200..300).contains(&code));
        let attempts = delivery.attempts + 1;
        let now = self.app.now();
        let outcome = if ok {
            Outcome::Delivered { status: &status }
        } else if attempts >= MAX_ATTEMPTS || webhook.is_none() {
            tracing::warn!(delivery = delivery.id, url = %delivery.webhook, status = %status, "webhook delivery given up");
            Outcome::GaveUp { status: &status }
        } else {
            tracing::info!(delivery = delivery.id, url = %delivery.webhook, status = %status, attempts, "webhook delivery failed; will retry");
            Outcome::Retry {
                status: &status,
                next_at: now + backoff(attempts),
            }
        };
        self.app
            .store()
            .write(|tx| tx.finish_delivery(delivery.id, &self.worker, &outcome, now))?;
        Ok(ok)
    }
}

/// POST a delivery, signed.
fn send(transport: &dyn Transport, webhook: &Webhook, delivery: &Delivery) -> Result<u16, String> {
    let headers = [
        ("X-Regauth-Event", delivery.event.clone()),
        ("X-Regauth-Delivery", delivery.id.to_string()),
        (
            "X-Regauth-Signature",
            webhook.secret.sign(delivery.body.as_bytes()),
        ),
    ];
    transport.post(&webhook.url, &headers, &delivery.body)
}

/// Send `webhook` a signed `webhook.test` event now (not through the outbox, not retried);
/// returns the receiver's status code.
pub fn send_test(
    transport: &dyn Transport,
    webhook: &Webhook,
    now: OffsetDateTime,
) -> Result<u16, String> {
    let body = json!({"event": "webhook.test", "occurred_at": rfc3339(now)}).to_string();
    let headers = [
        ("X-Regauth-Event", "webhook.test".to_owned()),
        ("X-Regauth-Delivery", "test".to_owned()),
        ("X-Regauth-Signature", webhook.secret.sign(body.as_bytes())),
    ];
    transport.post(&webhook.url, &headers, &body)
}
