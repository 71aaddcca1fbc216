//! The command line: one function per command, each a thin call into [`crate::app`].

pub mod users;

use crate::app::App;
use crate::app::ci_variables::CiSettings;
use crate::app::deploy_tokens::{CreateDeployToken, deploy_token_json};
use crate::app::forward_auth::ForwardAuth;
use crate::app::namespaces::HolderRef;
use crate::app::registry_auth::TokenService;
use crate::app::sealing::SealingKey;
use crate::config::Config;
use crate::domain::namespace::{RegistryAccess, Visibility};
use crate::jwt::issuer::Issuer;
use crate::jwt::{Algorithm, SigningKey};
use crate::storage::Store;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{Read, Write};
use std::path::PathBuf;

/// regauth: registry token authentication with GitLab-style deploy tokens.
#[derive(Parser, Debug)]
#[command(name = "regauth", version, about)]
pub struct Cli {
    /// Optional TOML configuration file (REGAUTH_* environment variables override it).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the token service (creates the database and signing keys on first start).
    Serve,
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage groups.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Manage projects.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Manage deploy tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Exit 0 if the running service answers GET /healthz with 200 (for container health checks).
    Healthcheck,
    /// Manage users and their personal access tokens.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Manage roles of users on groups and projects.
    #[command(subcommand)]
    Member(users::MemberCommand),
    /// Print a project's CI variables: CI_DEPLOY_USER and CI_DEPLOY_PASSWORD from its active
    /// token named gitlab-deploy-token (else its parent group's), CI_REGISTRY and
    /// CI_REGISTRY_IMAGE from the ci_registry setting.
    CiVariables {
        /// Project path (or id).
        #[arg(long)]
        project: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = VariablesFormat::Dotenv)]
        format: VariablesFormat,
    },
}

/// How `ci-variables` prints.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariablesFormat {
    /// `KEY=value` lines.
    Dotenv,
    /// A JSON array of `{"key","value","public","masked"}`, as GitLab gives runners.
    Json,
}

/// `regauth keys …`
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Create a signing key and self-signed certificate in the keys directory.
    Generate {
        /// es256 or rs256 (default: the configured signing algorithm).
        #[arg(long)]
        algorithm: Option<Algorithm>,
        /// Replace existing key files.
        #[arg(long)]
        force: bool,
    },
}

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
    fn holder(&self) -> HolderRef<'_> {
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

/// A command failure: printed to stderr, exit status 1.
pub type CliResult = Result<(), Box<dyn std::error::Error>>;

/// Run one command.
pub fn run(cli: Cli) -> CliResult {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => serve(config),
        Command::Keys(KeysCommand::Generate { algorithm, force }) => {
            let algorithm = algorithm.unwrap_or(config.signing_algorithm);
            let key = SigningKey::generate(&config.keys_dir, algorithm, force)?;
            println!(
                "created {} key in {} (kid {})",
                key.algorithm(),
                config.keys_dir.display(),
                key.kid()
            );
            Ok(())
        }
        Command::Group(cmd) => group(&open_app(&config)?, cmd),
        Command::Project(cmd) => project(&open_app(&config)?, cmd),
        Command::Token(cmd) => token(&open_app(&config)?, cmd),
        Command::Healthcheck => healthcheck(&config),
        Command::User(cmd) => users::user(&open_app(&config)?, cmd),
        Command::Member(cmd) => users::member(&open_app(&config)?, cmd),
        Command::CiVariables { project, format } => {
            let app = open_app(&config)?;
            let vars = app.ci_variables(&project, config.ci_registry.as_deref())?;
            match format {
                VariablesFormat::Dotenv => {
                    print!("{}", crate::domain::ci_variables::dotenv(&vars))
                }
                VariablesFormat::Json => print_json(&serde_json::to_value(&vars)?),
            }
            Ok(())
        }
    }
}

fn open_app(config: &Config) -> Result<App, Box<dyn std::error::Error>> {
    let app = App::new(Store::open(&config.database)?);
    Ok(app.with_sealing_key(SealingKey::in_dir(&config.keys_dir)))
}

/// `serve`: open the database, load or create keys, bind, print the address, run.
fn serve(config: Config) -> CliResult {
    let app = open_app(&config)?;
    let (key, created) = SigningKey::load_or_generate(&config.keys_dir, config.signing_algorithm)?;
    if created {
        tracing::info!(dir = %config.keys_dir.display(), kid = key.kid(), "created signing key and certificate");
    }
    let issuer = Issuer::new(
        key,
        config.issuer.clone(),
        config.token_lifetime,
        config.x5c,
    );
    let service = TokenService::new(app.clone(), issuer, config.registry_service.clone())
        .with_dependency_proxies(config.dependency_proxies.clone())
        .with_external_authorization(config.external_authorization);
    if config.external_authorization {
        tracing::info!(
            "external authorization is on: deploy tokens are refused for Git, packages, the registry and dependency proxies"
        );
    }
    let forward = ForwardAuth::new(
        app,
        config.forward_auth_routes.clone(),
        config.external_authorization,
    );
    let ci = CiSettings {
        registry: config.ci_registry.clone(),
    };
    let listener = std::net::TcpListener::bind(config.listen)?;
    let addr = listener.local_addr()?;
    actix_web::rt::System::new().block_on(async move {
        let server = crate::http::server_with(listener, service, forward, ci)?;
        println!("regauth listening on http://{addr}");
        std::io::stdout().flush()?;
        server.await
    })?;
    Ok(())
}

fn group(app: &App, cmd: GroupCommand) -> CliResult {
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

fn project(app: &App, cmd: ProjectCommand) -> CliResult {
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

fn token(app: &App, cmd: TokenCommand) -> CliResult {
    match cmd {
        TokenCommand::Create {
            holder,
            name,
            scopes,
            username,
            expires_at,
            json,
        } => {
            let created = app.create_deploy_token(&CreateDeployToken {
                holder: holder.holder(),
                name: &name,
                scopes: scopes.iter().map(String::as_str).collect(),
                username: username.as_deref(),
                expires_at: expires_at.as_deref(),
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
                println!("token:    {}", created.secret.expose());
                println!("The token is shown only this once; store it now.");
            }
        }
        TokenCommand::List {
            holder,
            active,
            json,
        } => {
            let now = app.now();
            let tokens = app.list_deploy_tokens(Some(holder.holder()), active)?;
            if json {
                let all: Vec<_> = tokens
                    .iter()
                    .map(|t| deploy_token_json(t, now, None))
                    .collect();
                print_json(&serde_json::Value::Array(all));
            } else {
                for t in &tokens {
                    let state = if t.revoked {
                        "revoked"
                    } else if t.is_expired(now) {
                        "expired"
                    } else {
                        "active"
                    };
                    let expires = t
                        .expires_at
                        .map_or("never".into(), crate::app::deploy_tokens::rfc3339);
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
            }
        }
        TokenCommand::Revoke { id } => {
            let t = app.revoke_deploy_token(id)?;
            println!("revoked deploy token {} ({})", t.id, t.username);
        }
    }
    Ok(())
}

fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// GET /healthz on the configured address with a minimal HTTP/1.0 request.
fn healthcheck(config: &Config) -> CliResult {
    let mut addr = config.listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let timeout = std::time::Duration::from_secs(3);
    let mut stream = std::net::TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) == Some("200") {
        println!("ok");
        Ok(())
    } else {
        Err(format!("unhealthy: {status}").into())
    }
}
