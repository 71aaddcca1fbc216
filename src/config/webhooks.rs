//! `[[webhook]]` tables: `url` (http or https), `secret` (signs every body), and `events`
//! (names from [`WebhookEvent`]; all of them when left out). URLs are distinct: the outbox
//! names a webhook by its URL.

use crate::domain::webhook::{Webhook, WebhookEvent, WebhookSecret};
use serde::Deserialize;

/// One `[[webhook]]` table of the file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookEntry {
    url: String,
    secret: String,
    events: Option<Vec<String>>,
}

/// The `[[webhook]]` tables.
pub(super) fn webhooks_from_toml(value: toml::Value) -> Result<Vec<Webhook>, String> {
    let entries: Vec<WebhookEntry> = value.try_into().map_err(|e: toml::de::Error| {
        format!(
            "expected [[webhook]] tables with url, secret and events: {}",
            e.message()
        )
    })?;
    let mut webhooks: Vec<Webhook> = Vec::new();
    for entry in entries {
        let webhook = webhook(entry)?;
        if webhooks.iter().any(|w| w.url == webhook.url) {
            return Err(format!("url {:?} is configured twice", webhook.url));
        }
        webhooks.push(webhook);
    }
    Ok(webhooks)
}

fn webhook(entry: WebhookEntry) -> Result<Webhook, String> {
    let url = entry.url.trim();
    let scheme_ok = ["http://", "https://"]
        .iter()
        .any(|s| url.len() > s.len() && url[..s.len()].eq_ignore_ascii_case(s));
    if !scheme_ok {
        return Err(format!("url {url:?} must start with http:// or https://"));
    }
    let secret = WebhookSecret::parse(&entry.secret).map_err(|e| format!("{url}: {e}"))?;
    let events = match entry.events {
        None => WebhookEvent::ALL.to_vec(),
        Some(names) if names.is_empty() => {
            return Err(format!("{url}: events must name at least one event"));
        }
        Some(names) => names
            .iter()
            .map(|n| n.parse())
            .collect::<Result<Vec<WebhookEvent>, String>>()
            .map_err(|e| format!("{url}: {e}"))?,
    };
    Ok(Webhook {
        url: url.to_owned(),
        secret,
        events,
    })
}

/// `webhook_interval`: seconds between two rounds of the webhook worker, 1 to 86400.
pub(super) fn interval(value: &str) -> Result<u64, String> {
    value
        .parse()
        .ok()
        .filter(|s| (1..=86_400).contains(s))
        .ok_or_else(|| format!("{value:?} is not a number of seconds from 1 to 86400"))
}
