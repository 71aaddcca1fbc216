//! `regauth user …` and `regauth member …`: thin calls into [`crate::app::users`]. A new
//! secret is printed once, to its creator, and never again.

use super::{CliResult, HolderArgs, lists, print_json};
use crate::app::App;
use crate::app::deploy_tokens::rfc3339;
use crate::app::users::{CreatePersonalToken, CreatedPersonalToken};
use crate::domain::role::{AccessLevel, MemberOf};
use crate::domain::user::User;
use clap::Subcommand;
use serde_json::json;

/// `regauth user …`
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; their first personal access token (scope api) is printed once.
    Create {
        /// Username.
        name: String,
        /// Make the user an administrator (every role everywhere, registry catalog).
        #[arg(long)]
        admin: bool,
        /// Read a password for the web UI's sign-in from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set a user's web UI password, read from standard input (one line); their sessions end.
    Password {
        /// Username.
        name: String,
    },
    /// List users: id, username, administrator or not, state, created.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Block a user: their tokens stop working at once, their web sessions end.
    Block {
        /// Username.
        name: String,
    },
    /// Unblock a blocked user: their tokens work again.
    Unblock {
        /// Username.
        name: String,
    },
    /// Delete a user with their personal access tokens, roles and web sessions.
    Delete {
        /// Username.
        name: String,
    },
    /// Manage a user's personal access tokens.
    #[command(subcommand)]
    Token(UserTokenCommand),
}

/// `regauth user token …`
#[derive(Subcommand, Debug)]
pub enum UserTokenCommand {
    /// Create a personal access token for a user; its secret is printed once.
    Create {
        /// Username.
        name: String,
        /// Comma-separated scopes: api, read_api, read_registry, write_registry.
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// Token name.
        #[arg(long = "name", default_value = "cli")]
        token_name: String,
        /// Expiry: YYYY-MM-DD (midnight UTC) or RFC 3339.
        #[arg(long)]
        expires_at: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a personal access token by id (it and its refresh tokens stop working at once).
    Revoke {
        /// Token id.
        id: i64,
    },
    /// List personal access tokens: a user's, or every user's.
    List {
        /// Username (default: every user).
        name: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `regauth member …`
#[derive(Subcommand, Debug)]
pub enum MemberCommand {
    /// Give a user a role on a group (and everything below it) or a project.
    Add {
        #[command(flatten)]
        holder: HolderArgs,
        /// Username.
        user: String,
        /// guest, reporter, developer, maintainer, owner (or 10, 20, 30, 40, 50).
        role: AccessLevel,
    },
    /// List the members of a group or project.
    List {
        #[command(flatten)]
        holder: HolderArgs,
        /// Everyone whose role reaches it, from the groups above too (default: direct
        /// members only).
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Take a user's own role on a group or project away.
    Remove {
        #[command(flatten)]
        holder: HolderArgs,
        /// Username.
        user: String,
    },
}

/// Run `regauth user …`.
pub fn user(app: &App, cmd: UserCommand) -> CliResult {
    match cmd {
        UserCommand::Create {
            name,
            admin,
            password_stdin,
            json,
        } => create(app, &name, admin, password_stdin, json)?,
        UserCommand::Password { name } => {
            let user = app.set_password(&name, &read_password()?)?;
            println!(
                "set the password of {}; their web sessions have ended",
                user.username
            );
        }
        UserCommand::Token(UserTokenCommand::Create {
            name,
            scopes,
            token_name,
            expires_at,
            json,
        }) => {
            let request = CreatePersonalToken {
                name: &token_name,
                scopes: scopes.iter().map(String::as_str).collect(),
                expires_at: expires_at.as_deref(),
            };
            create_token(app, &name, &request, json)?
        }
        UserCommand::List { json } => lists::users(app, json)?,
        UserCommand::Block { name } => block(app, &name, true)?,
        UserCommand::Unblock { name } => block(app, &name, false)?,
        UserCommand::Delete { name } => {
            let user = app.delete_user(&name)?;
            println!(
                "deleted user {} (id {}); their tokens no longer work",
                user.username, user.id
            );
        }
        UserCommand::Token(UserTokenCommand::List { name, json }) => {
            lists::personal_tokens(app, name.as_deref(), json)?
        }
        UserCommand::Token(UserTokenCommand::Revoke { id }) => {
            let t = app.revoke_personal_token(id)?;
            println!("revoked personal access token {} ({:?})", t.id, t.name);
        }
    }
    Ok(())
}

/// Run `regauth member …`.
pub fn member(app: &App, cmd: MemberCommand) -> CliResult {
    let (holder, user, role) = match cmd {
        MemberCommand::Add { holder, user, role } => (holder, user, role),
        MemberCommand::List { holder, all, json } => {
            return lists::members(app, holder.holder(), all, json);
        }
        MemberCommand::Remove { holder, user } => {
            let of = app.remove_member(holder.holder(), &user)?;
            println!("removed {user} from {} {}", kind_of(&of), of.path());
            return Ok(());
        }
    };
    let added = app.add_member(holder.holder(), &user, role)?;
    let (kind, path) = (kind_of(&added.of), added.of.path());
    let verb = if added.replaced { "is now" } else { "added as" };
    println!(
        "{} {verb} {} of {kind} {path}",
        added.user.username, added.level
    );
    Ok(())
}

/// `user create`: the user and their first token, whose secret is printed once.
fn create(app: &App, name: &str, admin: bool, password_stdin: bool, json: bool) -> CliResult {
    let password = password_stdin.then(read_password).transpose()?;
    let created = app.create_user_with_password(name, admin, password.as_deref())?;
    if json {
        let mut value = user_json(&created.user);
        value["token"] = token_json(app, &created.first_token);
        print_json(&value);
    } else {
        let kind = if admin { "administrator" } else { "user" };
        println!(
            "created {kind} {} (id {})",
            created.user.username, created.user.id
        );
        print_secret(&created.first_token);
    }
    Ok(())
}

/// `user token create`: the secret is printed once.
fn create_token(app: &App, name: &str, request: &CreatePersonalToken<'_>, json: bool) -> CliResult {
    let created = app.create_personal_token(name, request)?;
    if json {
        print_json(&token_json(app, &created));
    } else {
        println!(
            "created personal access token {} {:?} for {name}",
            created.token.id, created.token.name
        );
        print_secret(&created);
    }
    Ok(())
}

fn kind_of(of: &MemberOf) -> &'static str {
    match of {
        MemberOf::Group { .. } => "group",
        MemberOf::Project { .. } => "project",
    }
}

fn block(app: &App, name: &str, blocked: bool) -> CliResult {
    let user = app.set_blocked(name, blocked)?;
    if blocked {
        println!("blocked {}: their tokens no longer work", user.username);
    } else {
        println!("unblocked {}", user.username);
    }
    Ok(())
}

fn user_json(user: &User) -> serde_json::Value {
    json!({
        "id": user.id,
        "username": user.username,
        "is_admin": user.is_admin,
        "created_at": rfc3339(user.created_at),
    })
}

fn token_json(app: &App, created: &CreatedPersonalToken) -> serde_json::Value {
    let t = &created.token;
    json!({
        "id": t.id,
        "name": t.name,
        "scopes": t.scopes.names(),
        "expires_at": t.expires_at.map(rfc3339),
        "revoked": t.revoked,
        "active": t.is_active(app.now()),
        "token": created.secret.expose(),
    })
}

fn print_secret(created: &CreatedPersonalToken) {
    println!("scopes: {}", created.token.scopes.to_stored());
    println!("token:  {}", created.secret.expose());
    println!("The token is shown only this once; store it now.");
}

/// A password from standard input: everything up to the first line end (so `echo` and a
/// password manager's pipe both work), never echoed.
fn read_password() -> Result<String, Box<dyn std::error::Error>> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err("no password on standard input".into());
    }
    Ok(line.to_owned())
}
