//! `regauth group …`, `regauth project …` and `regauth token …`: thin calls into
//! [`crate::app`]. A new deploy-token secret is printed once, to its creator, and never again.

use super::lists::{self, TokenState};
use super::{CliResult, print_json};
use crate::app::App;
use crate::app::deploy_tokens::{CreateDeployToken, deploy_token_json};
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
    /// List every group: id, path, name, visibility, created.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a group and its deploy tokens (refused if it holds subgroups or projects,
    /// unless --recursive).
    Delete {
        /// Full path (or id).
        path: String,
        /// Delete its subgroups and projects, and all their deploy tokens, too.
        #[arg(long)]
        recursive: bool,
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
    /// List projects (every one, or those below a group).
    List {
        /// Only projects below this group (path).
        #[arg(long)]
        group: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a project: its deploy tokens stop working at once.
    Delete {
        /// Full path (or id).
        path: String,
    },
}

/// At most one of `--project` / `--group` (neither: the whole instance).
#[derive(Args, Debug)]
#[group(required = false, multiple = false)]
pub struct OptionalHolder {
    /// Only this project's tokens (path or id).
    #[arg(long)]
    pub project: Option<String>,
    /// Only this group's own tokens (path or id).
    #[arg(long)]
    pub group: Option<String>,
}

/// At most one state filter of `token list`.
#[derive(Args, Debug)]
#[group(required = false, multiple = false)]
pub struct StateFilter {
    /// Only tokens that are neither revoked nor expired.
    #[arg(long)]
    pub active: bool,
    /// Only expired tokens (not revoked).
    #[arg(long)]
    pub expired: bool,
    /// Only revoked tokens.
    #[arg(long)]
    pub revoked: bool,
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
    /// List deploy tokens: the instance's, or a project's or group's.
    List {
        #[command(flatten)]
        holder: OptionalHolder,
        #[command(flatten)]
        state: StateFilter,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a deploy token by id (it stops working at once; one revoked already fails).
    Revoke {
        /// Token id.
        id: i64,
    },
}

pub(super) fn group(app: &App, cmd: GroupCommand) -> CliResult {
    let (path, visibility, json) = match cmd {
        GroupCommand::Create {
            path,
            visibility,
            json,
        } => (path, visibility, json),
        GroupCommand::List { json } => return lists::groups(app, json),
        GroupCommand::Delete { path, recursive } => {
            let (g, removed) = app.delete_group(&path, recursive)?;
            println!(
                "deleted group {} with {} subgroup(s) and {} project(s), and their deploy tokens",
                g.path,
                removed.groups - 1,
                removed.projects
            );
            return Ok(());
        }
    };
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
    let (path, visibility, registry, json) = match cmd {
        ProjectCommand::Create {
            path,
            visibility,
            registry,
            json,
        } => (path, visibility, registry, json),
        ProjectCommand::List { group, json } => {
            return lists::projects(app, group.as_deref(), json);
        }
        ProjectCommand::Delete { path } => {
            let p = app.delete_project(&path)?;
            println!("deleted project {} and its deploy tokens", p.path);
            return Ok(());
        }
    };
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
            state,
            json,
        } => list_tokens(app, &holder, &state, json)?,
        TokenCommand::Revoke { id } => {
            let t = app.revoke_deploy_token(id)?;
            println!("revoked deploy token {} ({})", t.id, t.username);
        }
    }
    Ok(())
}

/// `token list`: the instance's tokens, or one holder's, in one state or any.
fn list_tokens(app: &App, holder: &OptionalHolder, state: &StateFilter, json: bool) -> CliResult {
    let only = match (state.active, state.expired, state.revoked) {
        (true, _, _) => TokenState::Active,
        (_, true, _) => TokenState::Expired,
        (_, _, true) => TokenState::Revoked,
        _ => TokenState::Any,
    };
    let holder = match (&holder.project, &holder.group) {
        (Some(p), _) => Some(HolderRef::Project(p)),
        (None, Some(g)) => Some(HolderRef::Group(g)),
        (None, None) => None,
    };
    lists::deploy_tokens(app, holder, only, json)
}
