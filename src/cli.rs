//! The command line: one function per command, each a thin call into [`crate::app`].

pub mod audit;
pub mod events;
pub mod keys;
pub mod lists;
pub mod namespaces;
pub mod table;
pub mod users;

use crate::app::App;
use crate::config::Config;
use crate::config::settings;
use clap::{Arg, ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
pub use keys::KeysCommand;
pub use namespaces::HolderArgs;
use namespaces::{GroupCommand, ProjectCommand, TokenCommand};
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
    /// Settings given as flags or in the environment, by variable name (filled by
    /// [`Cli::from_matches`] from the options [`Cli::command_with_settings`] adds).
    #[arg(skip)]
    pub settings: Vec<(String, String)>,
}

impl Cli {
    /// The command line: the derived commands plus a global `--KEY` option for every
    /// setting, each showing its `REGAUTH_*` variable in `--help`.
    pub fn command_with_settings() -> clap::Command {
        let mut command = Cli::command();
        for key in settings::setting_keys() {
            command = command.arg(
                Arg::new(key)
                    .long(settings::flag_name(key))
                    .env(settings::env_name(key))
                    .hide_env_values(true)
                    .value_name("VALUE")
                    .global(true)
                    .help_heading("Settings (flag > environment > config file > default)")
                    .help(settings::help(key)),
            );
        }
        command
    }

    /// The command in `matches` (parsed by [`Cli::command_with_settings`]), with the
    /// settings given as flags or in the environment.
    pub fn from_matches(matches: &ArgMatches) -> Cli {
        let mut cli = Cli::from_arg_matches(matches).unwrap_or_else(|e| e.exit());
        for key in settings::setting_keys() {
            if let Some(value) = matches.get_one::<String>(key) {
                cli.settings.push((settings::env_name(key), value.clone()));
            }
        }
        cli
    }

    /// The configuration: file < environment < flags.
    pub fn load_config(&self) -> Result<Config, crate::config::ConfigError> {
        Config::load_with(self.config.as_deref(), |var| {
            let given = self.settings.iter().find(|(name, _)| name == var);
            given
                .map(|(_, value)| value.clone())
                .or_else(|| std::env::var(var).ok())
        })
    }
}

/// Warn about every `REGAUTH_*` variable that is no setting (a typo would otherwise be
/// silently ignored).
fn warn_unknown_variables() {
    let names = std::env::vars_os().filter_map(|(name, _)| name.into_string().ok());
    for (name, closest) in settings::unknown_variables(names) {
        match closest {
            Some(setting) => {
                tracing::warn!(variable = %name, "unknown setting variable ignored; did you mean {setting}?")
            }
            None => {
                tracing::warn!(variable = %name, "unknown setting variable ignored (see regauth --help)")
            }
        }
    }
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
    /// Copy the SQLite database to FILE as one consistent snapshot while the service keeps
    /// running (SQLite's online backup; a PostgreSQL database is backed up with pg_dump).
    Backup {
        /// The copy to write (a new file unless --force).
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Exit 0 if the running service answers GET /healthz with 200 (for container health checks).
    Healthcheck,
    /// Manage users and their personal access tokens.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Manage roles of users on groups and projects.
    #[command(subcommand)]
    Member(users::MemberCommand),
    /// Read the audit trail.
    #[command(subcommand)]
    Audit(events::AuditCommand),
    /// Check webhooks.
    #[command(subcommand)]
    Webhook(events::WebhookCommand),
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

/// A command failure: printed to stderr, exit status 1.
pub type CliResult = Result<(), Box<dyn std::error::Error>>;

/// Run one command.
pub fn run(cli: Cli) -> CliResult {
    let config = cli.load_config()?;
    run_with(cli, config)
}

/// Run one command with the configuration already loaded (`main` loads it first, to know
/// the log format).
pub fn run_with(cli: Cli, config: Config) -> CliResult {
    warn_unknown_variables();
    match cli.command {
        Command::Serve => serve(config),
        Command::Keys(cmd) => keys::run(&config, cmd),
        Command::Group(cmd) => namespaces::group(&open_app(&config)?, cmd),
        Command::Project(cmd) => namespaces::project(&open_app(&config)?, cmd),
        Command::Token(cmd) => namespaces::token(&open_app(&config)?, cmd),
        Command::Backup { file, force } => {
            // Said before connecting: a PostgreSQL database is never copied here.
            crate::storage::backup::supported(&config.database)?;
            open_app(&config)?.store().backup(&file, force)?;
            println!("backed up {} to {}", config.database, file.display());
            Ok(())
        }
        Command::Healthcheck => healthcheck(&config),
        Command::User(cmd) => users::user(&open_app(&config)?, cmd),
        Command::Member(cmd) => users::member(&open_app(&config)?, cmd),
        Command::Audit(cmd) => events::audit(&open_app(&config)?, cmd),
        Command::Webhook(cmd) => events::webhook(&config, cmd),
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
    Ok(crate::server::open_app(config)?)
}

/// `serve`: build the server (database, keys, listener), print the address, run.
fn serve(config: Config) -> CliResult {
    let application = crate::server::build(&config)?;
    // The listener is bound already: clients that connect now wait in its backlog.
    println!(
        "regauth listening on {}://{}",
        application.scheme(),
        application.addr()
    );
    std::io::stdout().flush()?;
    application.run()?;
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
