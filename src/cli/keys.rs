//! `regauth keys …`: thin calls into [`crate::jwt::rotation`]. Each change says what a registry
//! must do next, since 2.8 reads its certificate bundle only at start-up.

use super::{CliResult, print_json};
use crate::app::audit::KeyChange;
use crate::config::Config;
use crate::jwt::Algorithm;
use crate::jwt::manifest::{Entry, REGISTRY_LEEWAY};
use crate::jwt::rotation::{self, KeyInfo, RingDirs, Timing, rfc3339};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

/// `regauth keys …`
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Create the first signing key and its self-signed certificate in the keys directory.
    Generate {
        /// es256 or rs256 (default: the configured signing algorithm).
        #[arg(long)]
        algorithm: Option<Algorithm>,
        /// Replace an existing ring; its files are moved to a backup directory first.
        #[arg(long)]
        force: bool,
    },
    /// Create a new key and publish it (certificate bundle, JWKS) without signing with it yet.
    Rotate {
        /// es256 or rs256 (default: the configured signing algorithm).
        #[arg(long)]
        algorithm: Option<Algorithm>,
        /// Start signing with it this many seconds from now, by itself (default:
        /// REGAUTH_KEY_ACTIVATION_DELAY; unset, wait for `keys activate`).
        #[arg(long, value_name = "SECONDS")]
        activate_after: Option<u64>,
    },
    /// Make a published key the signer, now.
    Activate {
        /// The key id, or a unique prefix of it (colons optional).
        kid: String,
    },
    /// Stop publishing a key once no token it signed can still be valid.
    Retire {
        /// The key id, or a unique prefix of it (colons optional).
        kid: String,
        /// Retire it even though tokens it signed may still be valid (they stop working).
        #[arg(long)]
        force: bool,
    },
    /// List the ring's keys: kid, algorithm, created, state.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Run one `keys` command against the configured keys and public directories.
pub fn run(config: &Config, command: KeysCommand) -> CliResult {
    let public = config.public_keys_dir();
    let dirs = RingDirs {
        keys: &config.keys_dir,
        public: &public,
    };
    let algorithm = config.signing_algorithm;
    // Whole seconds: the manifest and the listing stay readable.
    let now = OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    match command {
        KeysCommand::Generate {
            algorithm: a,
            force,
        } => {
            let (key, backup) = rotation::generate(dirs, a.unwrap_or(algorithm), force, now)?;
            if let Some(backup) = backup {
                println!("moved the previous ring to {}", backup.display());
            }
            let dir = config.keys_dir.display();
            println!(
                "created {} key in {dir} (kid {})",
                key.algorithm(),
                key.kid()
            );
            println!("published in {}", bundle_path(&public).display());
            audit(
                config,
                KeyChange::Rotated,
                key.kid(),
                &key.algorithm().to_string(),
            )?;
        }
        KeysCommand::Rotate {
            algorithm: a,
            activate_after,
        } => {
            let delay = activate_after.or(config.key_ring.activation_delay);
            let delay = delay.map(|s| Duration::seconds(s as i64));
            let entry = rotation::rotate(dirs, a.unwrap_or(algorithm), delay, now)?;
            print_rotated(&entry, &public);
            audit(config, KeyChange::Rotated, &entry.kid, &entry.algorithm)?;
        }
        KeysCommand::Activate { kid } => {
            let (entry, previous) = rotation::activate(dirs, algorithm, &kid, now)?;
            println!("key {} signs from now on", entry.kid);
            audit(config, KeyChange::Activated, &entry.kid, &entry.algorithm)?;
            if let Some(previous) = previous {
                let timing = timing(config);
                let until = now + timing.reload_interval + timing.token_lifetime + REGISTRY_LEEWAY;
                let (kid, until) = (&previous.kid, rfc3339(until));
                println!(
                    "key {kid} stays published; retire it after {until} (regauth keys retire {kid})"
                );
            }
        }
        KeysCommand::Retire { kid, force } => {
            let entry = rotation::retire(dirs, algorithm, &kid, force, timing(config), now)?;
            println!("key {} retired: no longer published", entry.kid);
            println!("next: restart registries so that they stop trusting it");
            audit(config, KeyChange::Retired, &entry.kid, &entry.algorithm)?;
        }
        KeysCommand::List { json } => {
            let keys = rotation::list(dirs, algorithm, timing(config), now)?;
            if json {
                print_json(&serde_json::to_value(&keys)?);
            } else {
                print_table(&keys);
            }
        }
    }
    Ok(())
}

/// Record a ring change in the audit trail. The change itself is done by now: a database
/// that cannot take the event fails the command, naming what was done, so it is not lost
/// unnoticed.
fn audit(config: &Config, change: KeyChange, kid: &str, algorithm: &str) -> CliResult {
    let recorded = crate::server::open_app(config)
        .map_err(crate::app::AppError::from)
        .and_then(|app| app.record_key_event(change, kid, algorithm));
    recorded.map_err(|e| {
        format!("key {kid} was changed, but its audit event was not written: {e}").into()
    })
}

fn print_rotated(entry: &Entry, public: &Path) {
    println!("created {} key {}", entry.algorithm, entry.kid);
    let bundle = bundle_path(public);
    println!(
        "published in {} and /jwt/jwks.json; not signing yet",
        bundle.display()
    );
    println!("next: restart registries that read the bundle or JWKS file at start-up");
    match entry.activate_at {
        Some(at) => println!("it starts signing by itself at {}", rfc3339(at)),
        None => println!("then: regauth keys activate {}", entry.kid),
    }
}

fn timing(config: &Config) -> Timing {
    Timing {
        token_lifetime: Duration::seconds(config.token_lifetime as i64),
        reload_interval: Duration::seconds(config.key_ring.reload_interval as i64),
    }
}

fn bundle_path(public: &Path) -> PathBuf {
    public.join(crate::jwt::public::BUNDLE_FILE)
}

fn print_table(keys: &[KeyInfo]) {
    let time = |at: Option<OffsetDateTime>| at.map(rfc3339).unwrap_or_else(|| "-".into());
    println!(
        "{:<59}  {:<9}  {:<20}  {:<9}  {:<20}  RETIRABLE FROM",
        "KID", "ALGORITHM", "CREATED", "STATE", "ACTIVE FROM"
    );
    for key in keys {
        println!(
            "{:<59}  {:<9}  {:<20}  {:<9}  {:<20}  {}",
            key.kid,
            key.algorithm,
            rfc3339(key.created_at),
            key.state.as_str(),
            time(key.activate_at),
            time(key.retirable_at),
        );
    }
}
