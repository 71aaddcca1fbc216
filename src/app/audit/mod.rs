//! The audit trail: every use case that changes something records one [`Event`] in the
//! transaction of the change, with who acted ([`Origin`]), so the change and its record
//! stand or fall together. Events name things and never hold a secret. Refusals seen on the
//! token path are collected in memory and written in batches ([`pending`]), off the request.

pub mod event;
mod listing;
pub mod pending;

pub use event::{Action, Event};
pub use listing::{audit_event_json, parse_since};

use super::access::{AccessError, Brand};
use super::acting::{Acting, Writing};
use super::{App, AppError};
use crate::storage::audit::{AuditEvent, AuditQuery, NewAuditEvent};
use crate::storage::{Reads, StorageError, Writes};
use std::net::IpAddr;
use time::OffsetDateTime;

/// Who acted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A user, through the personal access token `token_id` (none for a web session).
    User {
        /// The user's id.
        id: i64,
        /// Their username.
        username: String,
        /// The token they presented.
        token_id: Option<i64>,
    },
    /// Someone with the database and the configuration: a `regauth` command.
    Cli,
    /// regauth itself (the background worker, the token path).
    System,
    /// Someone who did not sign in (failed sign-ins).
    Anonymous,
}

/// Who acted, and from where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Who.
    pub actor: Actor,
    /// The client's address, when the change came over HTTP.
    pub client: Option<IpAddr>,
}

impl Origin {
    /// A `regauth` command.
    pub fn cli() -> Origin {
        Origin {
            actor: Actor::Cli,
            client: None,
        }
    }

    /// regauth itself, perhaps on behalf of a request from `client`.
    pub fn system(client: Option<IpAddr>) -> Origin {
        Origin {
            actor: Actor::System,
            client,
        }
    }
}

/// Store `event` as done by `origin` at `now`, in the caller's transaction.
pub fn record(
    tx: &mut dyn Writes,
    origin: &Origin,
    event: &Event,
    now: OffsetDateTime,
) -> Result<(), StorageError> {
    let (kind, id, name, token_id) = match &origin.actor {
        Actor::User {
            id,
            username,
            token_id,
        } => ("user", Some(*id), username.as_str(), *token_id),
        Actor::Cli => ("cli", None, "cli", None),
        Actor::System => ("system", None, "regauth", None),
        Actor::Anonymous => ("anonymous", None, "anonymous", None),
    };
    let client = origin.client.map(|c| c.to_string());
    let details = serde_json::Value::Object(event.details.clone()).to_string();
    tx.insert_audit_event(&NewAuditEvent {
        action: event.action.as_str(),
        author_kind: kind,
        author_id: id,
        author_name: name,
        author_token_id: token_id,
        entity_type: event.entity_type,
        entity_id: event.entity_id,
        entity_path: &event.entity_path,
        ip_address: client.as_deref(),
        details: &details,
        created_at: now,
    })?;
    Ok(())
}

/// Reading the whole audit trail: administrators only.
pub struct AuditReader<'t> {
    brand: Brand<'t>,
}

impl<'t, S: Reads + ?Sized> Acting<'t, S> {
    /// The audit trail, if the caller is an administrator.
    pub fn audit_reader(&self) -> Result<AuditReader<'t>, AccessError> {
        if !self.caller().user().is_admin {
            return Err(AccessError::Forbidden);
        }
        Ok(AuditReader {
            brand: self.brand(),
        })
    }

    /// The events `query` selects, newest first, and how many there are in all.
    pub fn audit_events_as(
        &mut self,
        reader: &AuditReader<'t>,
        query: &AuditQuery,
    ) -> Result<(Vec<AuditEvent>, u64), AccessError> {
        let _ = reader.brand;
        Ok((
            self.tx.audit_events(query)?,
            self.tx.count_audit_events(query.since)?,
        ))
    }
}

impl Writing<'_> {
    /// Record `event` as done by this caller, from their client, in this transaction.
    pub(crate) fn record(&mut self, event: &Event) -> Result<(), StorageError> {
        let origin = self.origin();
        let now = self.now();
        self.app.record(self.tx, &origin, event, now)
    }
}

/// A signing-key change made on the key ring (files, not the database).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyChange {
    /// A new key was created and published.
    Rotated,
    /// A key became the signer.
    Activated,
    /// A key stopped being published.
    Retired,
}

/// Failed sign-ins from one client in one window, as the login throttle counts them.
pub struct SignInFailures<'a> {
    /// The client's address.
    pub client: IpAddr,
    /// Where (`/jwt/auth`, `/auth/forward`, `/api/v4`, `/users/sign_in`), or `*` for a
    /// window counted across surfaces (the login throttle's).
    pub surface: &'a str,
    /// Failures in the window.
    pub failures: u64,
    /// How many of them were answered 429.
    pub throttled: u64,
    /// When the window opened, if known.
    pub window_start: Option<OffsetDateTime>,
}

impl App {
    /// Store `event` as done by `origin` at `now` in `tx` (and enqueue the webhook notices
    /// it brings, in the same transaction).
    pub(crate) fn record(
        &self,
        tx: &mut dyn Writes,
        origin: &Origin,
        event: &Event,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        record(tx, origin, event, now)?;
        self.notify(tx, event, now)
    }

    /// Record a change of the key ring done by a `regauth keys` command.
    pub fn record_key_event(
        &self,
        change: KeyChange,
        kid: &str,
        algorithm: &str,
    ) -> Result<(), AppError> {
        let action = match change {
            KeyChange::Rotated => Action::KeyRotated,
            KeyChange::Activated => Action::KeyActivated,
            KeyChange::Retired => Action::KeyRetired,
        };
        let event = Event::new(action, "SigningKey", None, kid).with("algorithm", algorithm);
        let now = self.now();
        self.store()
            .write(|tx| self.record(tx, &Origin::cli(), &event, now))?;
        Ok(())
    }

    /// Record one summary of failed sign-ins (the throttle calls this once per client and
    /// window, off the request path).
    pub fn record_sign_in_failures(&self, failures: &SignInFailures<'_>) -> Result<(), AppError> {
        let event = Event::new(
            Action::SignInFailed,
            "Client",
            None,
            failures.client.to_string(),
        )
        .with("surface", failures.surface)
        .with("failures", failures.failures)
        .with("throttled", failures.throttled)
        .with(
            "window_start",
            failures.window_start.map(super::deploy_tokens::rfc3339),
        );
        let origin = Origin {
            actor: Actor::Anonymous,
            client: Some(failures.client),
        };
        let now = self.now();
        self.store()
            .write(|tx| self.record(tx, &origin, &event, now))?;
        Ok(())
    }

    /// The audit trail for `regauth audit list`: events from `since` on, newest first (the
    /// refusals still waiting in memory are written first, so they are listed too).
    pub fn audit_events(&self, query: &AuditQuery) -> Result<(Vec<AuditEvent>, u64), AppError> {
        self.flush_audit()?;
        Ok(self.store().read(|tx| {
            Ok::<_, StorageError>((tx.audit_events(query)?, tx.count_audit_events(query.since)?))
        })?)
    }
}

/// What an application keeps for its records: refusals waiting to be written, and the
/// webhooks notices go to.
#[derive(Default)]
pub struct Records {
    pending: pending::Pending,
    webhooks: Vec<crate::domain::webhook::Webhook>,
}

impl App {
    /// The same application sending notices to `webhooks`.
    pub fn with_webhooks(mut self, webhooks: Vec<crate::domain::webhook::Webhook>) -> App {
        self.records = std::sync::Arc::new(Records {
            pending: pending::Pending::default(),
            webhooks,
        });
        self
    }

    /// The webhooks notices go to.
    pub fn webhooks(&self) -> &[crate::domain::webhook::Webhook] {
        &self.records.webhooks
    }

    fn pending_audit(&self) -> &pending::Pending {
        &self.records.pending
    }
}
