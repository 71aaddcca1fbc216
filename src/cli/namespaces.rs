//! `regauth group …`, `regauth project …` and `regauth token …`: thin calls into
//! [`crate::app`]. A new deploy-token secret is printed once, to its creator, and never again.

use super::{CliResult, print_json};
use crate::app::App;
use crate::app::deploy_tokens::{CreateDeployToken, deploy_token_json, rfc3339};
use crate::app::namespaces::HolderRef;
use crate::domain::namespace::{RegistryAccess, Visibility};
use clap::{Args, Subcommand};

/// `regauth group …`
#[derive(Subcommand, Debug)]
pub enum GroupCommand {
    /// Create a group (its parent must exist).
    Create {
        /// Full path, e.g. acme/backend.
        path: String,
        /// private, internal or public.
        #[arg(long, default_value = "private")]
        visibility: Visibility,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `regauth project …`
#[derive(Subcommand, Debug)]
pub enum ProjectCommand {
    /// Create a project inside an existing group.
    Create {
        /// Full path, e.g. acme/backend/api.
        path: String,
        /// private, internal or public.
        #[arg(long, default_value = "private")]
        visibility: Visibility,
        /// Container registry access: enabled, private or disabled.
        #[arg(long, default_value = "enabled")]
        registry: RegistryAccess,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Exactly one of `--project` / `--group`.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct HolderArgs {
    /// Project path (or id).
    #[arg(long)]
    pub project: Option<String>,
    /// Group path (or id).
    #[arg(long)]
    pub group: Option<String>,
}

impl HolderArgs {
    pub(super) fn holder(&self) -> HolderRef<'_> {
        match (&self.project, &self.group) {
            (Some(p), _) => HolderRef::Project(p),
            (None, Some(g)) => HolderRef::Group(g),
            (None, None) => unreachable!("clap requires --project or --group"),
        }
    }
}

/// `regauth token …`
#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a deploy token; its secret is printed once.
    Create {
        #[command(flatten)]
        holder: HolderArgs,
        /// Token name.
        #[arg(long)]
        name: String,
        /// Comma-separated scopes: read_repository, read_registry, write_registry,
        /// read_package_registry, write_package_registry.
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// Custom username (default gitlab+deploy-token-{id}).
        #[arg(long)]
        username: Option<String>,
        /// Expiry: YYYY-MM-DD (midnight UTC) or RFC 3339.
        #[arg(long)]
        expires_at: Option<String>,
        /// Restrict the token to these images (comma-separated): an image path such as
        /// acme/app/web, or a path followed by /* for every image below it.
        #[arg(long, value_delimiter = ',')]
        repositories: Option<Vec<String>>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List deploy tokens of a project or group.
    List {
        #[command(flatten)]
        holder: HolderArgs,
        /// Only tokens that are neither revoked nor expired.
        #[arg(long)]
        active: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a deploy token by id (it stops working at once).
    Revoke {
        /// Token id.
        id: i64,
    },
}

pub(super) fn group(app: &App, cmd: GroupCommand) -> CliResult {
    let GroupCommand::Create {
        path,
        visibility,
        json,
    } = cmd;
    let g = app.create_group(&path, visibility)?;
    if json {
        print_json(
            &serde_json::json!({"id": g.id, "full_path": g.path, "visibility": g.visibility.as_str()}),
        );
    } else {
        println!("created group {} (id {}, {})", g.path, g.id, g.visibility);
    }
    Ok(())
}

pub(super) fn project(app: &App, cmd: ProjectCommand) -> CliResult {
    let ProjectCommand::Create {
        path,
        visibility,
        registry,
        json,
    } = cmd;
    let p = app.create_project(&path, visibility, registry)?;
    if json {
        print_json(&serde_json::json!({
            "id": p.id, "path_with_namespace": p.path,
            "visibility": p.visibility.as_str(), "container_registry_access_level": p.registry.as_str(),
        }));
    } else {
        println!(
            "created project {} (id {}, {}, registry {})",
            p.path, p.id, p.visibility, p.registry
        );
    }
    Ok(())
}

pub(super) fn token(app: &App, cmd: TokenCommand) -> CliResult {
    match cmd {
        TokenCommand::Create {
            holder,
            name,
            scopes,
            username,
            expires_at,
            repositories,
            json,
        } => {
            let created = app.create_deploy_token(&CreateDeployToken {
                holder: holder.holder(),
                name: &name,
                scopes: scopes.iter().map(String::as_str).collect(),
                username: username.as_deref(),
                expires_at: expires_at.as_deref(),
                repositories: repositories
                    .as_ref()
                    .map(|r| r.iter().map(String::as_str).collect()),
            })?;
            let t = &created.token;
            if json {
                print_json(&deploy_token_json(t, app.now(), Some(&created.secret)));
            } else {
                println!(
                    "created deploy token {} {:?} for {}",
                    t.id,
                    t.name,
                    t.holder.path()
                );
                println!("username: {}", t.username);
                if let Some(patterns) = &t.repositories {
                    println!("images:   {}", patterns.to_stored());
                }
                println!("token:    {}", created.secret.expose());
                println!("The token is shown only this once; store it now.");
            }
        }
        TokenCommand::List {
            holder,
            active,
            json,
        } => list_tokens(app, &holder, active, json)?,
        TokenCommand::Revoke { id } => {
            let t = app.revoke_deploy_token(id)?;
            println!("revoked deploy token {} ({})", t.id, t.username);
        }
    }
    Ok(())
}

/// `token list`: JSON entities, or one tab-separated line a token with its state.
fn list_tokens(app: &App, holder: &HolderArgs, active: bool, json: bool) -> CliResult {
    let now = app.now();
    let tokens = app.list_deploy_tokens(Some(holder.holder()), active)?;
    if json {
        let all: Vec<_> = tokens
            .iter()
            .map(|t| deploy_token_json(t, now, None))
            .collect();
        print_json(&serde_json::Value::Array(all));
        return Ok(());
    }
    for t in &tokens {
        let state = if t.revoked {
            "revoked"
        } else if t.is_expired(now) {
            "expired"
        } else {
            "active"
        };
        let expires = t.expires_at.map_or("never".into(), rfc3339);
        println!(
            "{}\t{}\t{}\t{}\texpires {}\t{}",
            t.id,
            t.name,
            t.username,
            t.scopes.to_stored(),
            expires,
            state
        );
    }
    Ok(())
}
