//! The list commands: `group list`, `project list`, `user list`, `user token list`,
//! `member list` and `token list`, each as an aligned table or, with `--json`, a JSON array
//! (the same fields for every entry, secrets never).

use super::table::{self, expires, last_used, state, when};
use super::{CliResult, print_json};
use crate::app::App;
use crate::app::deploy_tokens::{deploy_token_json, rfc3339};
use crate::app::members::Member;
use crate::app::namespaces::HolderRef;
use crate::domain::namespace::{Group, Project};
use crate::domain::token::{DeployToken, Holder};
use crate::domain::user::{PersonalAccessToken, User};
use serde_json::{Value, json};

/// Which deploy tokens `token list` shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenState {
    /// Every token.
    #[default]
    Any,
    /// Neither revoked nor expired.
    Active,
    /// Expired (and not revoked).
    Expired,
    /// Revoked.
    Revoked,
}

/// `group list`.
pub fn groups(app: &App, json: bool) -> CliResult {
    let groups = app.all_groups()?;
    if json {
        return array(groups.iter().map(group_json));
    }
    let rows = groups.iter().map(|g| {
        let v = g.visibility.as_str().to_owned();
        vec![
            g.id.to_string(),
            g.path.clone(),
            g.name.clone(),
            v,
            when(g.created_at),
        ]
    });
    table::print(
        &["ID", "PATH", "NAME", "VISIBILITY", "CREATED"],
        rows.collect(),
        "no groups",
    );
    Ok(())
}

/// `project list [--group G]`.
pub fn projects(app: &App, group: Option<&str>, json: bool) -> CliResult {
    let projects = app.all_projects(group)?;
    if json {
        return array(projects.iter().map(project_json));
    }
    let rows = projects.iter().map(|p| {
        let (v, r) = (p.visibility.as_str(), p.registry.as_str());
        vec![
            p.id.to_string(),
            p.path.clone(),
            p.name.clone(),
            v.into(),
            r.into(),
            when(p.created_at),
        ]
    });
    let headers = ["ID", "PATH", "NAME", "VISIBILITY", "REGISTRY", "CREATED"];
    table::print(&headers, rows.collect(), "no projects");
    Ok(())
}

/// `user list`.
pub fn users(app: &App, json: bool) -> CliResult {
    let users = app.all_users()?;
    if json {
        return array(users.iter().map(user_json));
    }
    let rows = users.iter().map(|u| {
        let admin = if u.is_admin { "yes" } else { "no" };
        vec![
            u.id.to_string(),
            u.username.clone(),
            admin.into(),
            user_state(u).into(),
            when(u.created_at),
        ]
    });
    table::print(
        &["ID", "USERNAME", "ADMIN", "STATE", "CREATED"],
        rows.collect(),
        "no users",
    );
    Ok(())
}

/// `user token list [USER]`.
pub fn personal_tokens(app: &App, username: Option<&str>, json: bool) -> CliResult {
    let now = app.now();
    let tokens = app.all_personal_tokens(username)?;
    if json {
        return array(
            tokens
                .iter()
                .map(|(t, owner)| personal_token_json(t, owner, now)),
        );
    }
    let rows = tokens.iter().map(|(t, owner)| {
        let s = state(t.revoked, t.is_expired(now));
        vec![
            t.id.to_string(),
            owner.clone(),
            t.name.clone(),
            t.scopes.to_stored(),
            s.into(),
            when(t.created_at),
            expires(t.expires_at),
            last_used(t.last_used_at),
        ]
    });
    let headers = [
        "ID",
        "USER",
        "NAME",
        "SCOPES",
        "STATE",
        "CREATED",
        "EXPIRES",
        "LAST USED",
    ];
    table::print(&headers, rows.collect(), "no personal access tokens");
    Ok(())
}

/// `member list --project P | --group G [--all]`.
pub fn members(app: &App, holder: HolderRef<'_>, inherited: bool, json: bool) -> CliResult {
    let members = app.members(holder, inherited)?;
    if json {
        return array(members.iter().map(member_json));
    }
    let rows = members.iter().map(|m| {
        vec![
            m.user.username.clone(),
            m.level.name().into(),
            m.level.value().to_string(),
            m.of.path().into(),
        ]
    });
    table::print(
        &["USERNAME", "ROLE", "LEVEL", "HELD ON"],
        rows.collect(),
        "no members",
    );
    Ok(())
}

/// `token list [--project P | --group G] [--active | --expired | --revoked]`.
pub fn deploy_tokens(
    app: &App,
    holder: Option<HolderRef<'_>>,
    only: TokenState,
    json: bool,
) -> CliResult {
    let now = app.now();
    let shown = |t: &DeployToken| {
        let s = state(t.revoked, t.is_expired(now));
        match only {
            TokenState::Any => true,
            TokenState::Active => s == "active",
            TokenState::Expired => s == "expired",
            TokenState::Revoked => s == "revoked",
        }
    };
    let tokens: Vec<DeployToken> = app
        .list_deploy_tokens(holder, false)?
        .into_iter()
        .filter(shown)
        .collect();
    if json {
        return array(tokens.iter().map(|t| {
            let mut value = deploy_token_json(t, now, None);
            value["holder"] = holder_json(&t.holder);
            value["created_at"] = json!(rfc3339(t.created_at));
            value
        }));
    }
    let rows = tokens.iter().map(|t| {
        let s = state(t.revoked, t.is_expired(now));
        vec![
            t.id.to_string(),
            t.holder.path().into(),
            t.name.clone(),
            t.username.clone(),
            t.scopes.to_stored(),
            s.into(),
            when(t.created_at),
            expires(t.expires_at),
            last_used(t.last_used_at),
        ]
    });
    let headers = [
        "ID",
        "HOLDER",
        "NAME",
        "USERNAME",
        "SCOPES",
        "STATE",
        "CREATED",
        "EXPIRES",
        "LAST USED",
    ];
    table::print(&headers, rows.collect(), "no deploy tokens");
    Ok(())
}

fn array(items: impl Iterator<Item = Value>) -> CliResult {
    print_json(&Value::Array(items.collect()));
    Ok(())
}

fn user_state(user: &User) -> &'static str {
    if user.blocked { "blocked" } else { "active" }
}

/// A group as the CLI prints it in JSON.
pub fn group_json(g: &Group) -> Value {
    json!({"id": g.id, "full_path": g.path, "name": g.name, "parent_id": g.parent_id,
        "visibility": g.visibility.as_str(), "created_at": rfc3339(g.created_at)})
}

/// A project as the CLI prints it in JSON.
pub fn project_json(p: &Project) -> Value {
    json!({"id": p.id, "path_with_namespace": p.path, "name": p.name,
        "visibility": p.visibility.as_str(), "container_registry_access_level": p.registry.as_str(),
        "created_at": rfc3339(p.created_at)})
}

/// A user as the CLI prints it in JSON.
pub fn user_json(u: &User) -> Value {
    json!({"id": u.id, "username": u.username, "is_admin": u.is_admin, "state": user_state(u),
        "created_at": rfc3339(u.created_at)})
}

fn personal_token_json(t: &PersonalAccessToken, owner: &str, now: time::OffsetDateTime) -> Value {
    json!({"id": t.id, "user": owner, "user_id": t.user_id, "name": t.name, "scopes": t.scopes.names(),
        "revoked": t.revoked, "active": t.is_active(now), "created_at": rfc3339(t.created_at),
        "expires_at": t.expires_at.map(rfc3339), "last_used_at": t.last_used_at.map(rfc3339)})
}

fn member_json(m: &Member) -> Value {
    json!({"id": m.user.id, "username": m.user.username, "access_level": m.level.value(),
        "role": m.level.name(), "held_on": m.of.path()})
}

fn holder_json(holder: &Holder) -> Value {
    match holder {
        Holder::Project { id, path } => json!({"kind": "project", "id": id, "path": path}),
        Holder::Group { id, path } => json!({"kind": "group", "id": id, "path": path}),
    }
}
