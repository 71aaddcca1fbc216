//! `regauth audit list` and `regauth webhook test`: reading the audit trail, and sending a
//! configured webhook a signed test event to see that it arrives.

use super::{CliResult, print_json};
use crate::app::App;
use crate::app::audit::{audit_event_json, parse_since};
use crate::app::deploy_tokens::rfc3339;
use crate::app::webhooks::send_test;
use crate::config::Config;
use crate::http::webhook_client::HttpTransport;
use crate::storage::audit::AuditQuery;
use clap::Subcommand;

/// `regauth audit …`
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// List audit events, newest first.
    List {
        /// Only events from this instant on: YYYY-MM-DD (midnight UTC) or RFC 3339.
        #[arg(long)]
        since: Option<String>,
        /// Print JSON (GitLab's audit-event entities).
        #[arg(long)]
        json: bool,
    },
}

/// `regauth webhook …`
#[derive(Subcommand, Debug)]
pub enum WebhookCommand {
    /// Send a signed `webhook.test` event to a configured webhook (all of them without a
    /// URL) and print what each receiver answered.
    Test {
        /// The `url` of a `[[webhook]]` table.
        url: Option<String>,
    },
}

/// Run `regauth audit …`.
pub fn audit(app: &App, cmd: AuditCommand) -> CliResult {
    let AuditCommand::List { since, json } = cmd;
    let since = since.as_deref().map(parse_since).transpose()?;
    let query = AuditQuery {
        since,
        offset: 0,
        limit: u64::MAX,
    };
    let (events, _) = app.audit_events(&query)?;
    if json {
        print_json(&events.iter().map(audit_event_json).collect());
        return Ok(());
    }
    for e in &events {
        let target = match e.entity_id {
            Some(id) => format!("{} {id} {}", e.entity_type, e.entity_path),
            None => format!("{} {}", e.entity_type, e.entity_path),
        };
        let author = match e.author_token_id {
            Some(token) => format!("{} (token {token})", e.author_name),
            None => e.author_name.clone(),
        };
        let from = e.ip_address.as_deref().unwrap_or("-");
        println!(
            "{}\t{}\t{}\t{author}\t{from}\t{target}\t{}",
            e.id,
            rfc3339(e.created_at),
            e.action,
            e.details
        );
    }
    Ok(())
}

/// Run `regauth webhook …`: exit status 1 unless every receiver answered 2xx.
pub fn webhook(config: &Config, cmd: WebhookCommand) -> CliResult {
    let WebhookCommand::Test { url } = cmd;
    let chosen: Vec<_> = config
        .webhooks
        .iter()
        .filter(|w| url.as_deref().is_none_or(|u| u == w.url))
        .collect();
    if chosen.is_empty() {
        return Err(match url {
            Some(url) => format!("no [[webhook]] with url {url:?} in the configuration").into(),
            None => "no [[webhook]] in the configuration".into(),
        });
    }
    let transport = HttpTransport::new()?;
    let now = time::OffsetDateTime::now_utc();
    let mut failed = 0;
    for webhook in chosen {
        match send_test(&transport, webhook, now) {
            Ok(status) if (200..300).contains(&status) => println!("{} {status}", webhook.url),
            Ok(status) => {
                failed += 1;
                println!("{} {status}", webhook.url);
            }
            Err(why) => {
                failed += 1;
                println!("{} failed: {why}", webhook.url);
            }
        }
    }
    match failed {
        0 => Ok(()),
        n => Err(format!("{n} webhook(s) did not answer 2xx").into()),
    }
}
