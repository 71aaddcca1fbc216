//! What an audit event says: an action, the entity it was done to, and details that name
//! things (names, paths, scopes, dates) but never hold a secret or a digest. Each kind of
//! event has one constructor here, so every use case that does the same thing says it the
//! same way.

use crate::domain::namespace::{Group, Project};
use crate::domain::role::{AccessLevel, MemberOf};
use crate::domain::token::{DeployToken, Holder};
use crate::domain::user::{PersonalAccessToken, User};
use crate::domain::webhook::WebhookEvent;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

/// What happened. The text form (`deploy_token.created`) is what is stored and listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A deploy token was created.
    DeployTokenCreated,
    /// A deploy token was revoked.
    DeployTokenRevoked,
    /// A login presented an expired deploy token (right secret, too late).
    DeployTokenExpiredRefused,
    /// A personal access token was created.
    PersonalTokenCreated,
    /// A personal access token was revoked.
    PersonalTokenRevoked,
    /// A personal access token was rotated (revoked, and a new one made).
    PersonalTokenRotated,
    /// A user was created.
    UserCreated,
    /// A user's attributes changed.
    UserChanged,
    /// A user was blocked.
    UserBlocked,
    /// A user was unblocked.
    UserUnblocked,
    /// A user was removed.
    UserRemoved,
    /// A user's password was set.
    UserPasswordSet,
    /// A user got a role on a group or project.
    MemberAdded,
    /// A user's role on a group or project changed.
    MemberChanged,
    /// A user's role on a group or project was taken away.
    MemberRemoved,
    /// A group's name or visibility changed.
    GroupChanged,
    /// A group was removed, with everything in it.
    GroupRemoved,
    /// A project's name, visibility or registry access changed.
    ProjectChanged,
    /// A project was removed with its deploy tokens.
    ProjectRemoved,
    /// A signing key was created and published.
    KeyRotated,
    /// A signing key became the signer.
    KeyActivated,
    /// A signing key stopped being published.
    KeyRetired,
    /// Failed sign-ins from one client in one window, counted.
    SignInFailed,
    /// Events could not be kept (the buffer of a busy server was full), counted.
    EventsLost,
}

impl Action {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::DeployTokenCreated => "deploy_token.created",
            Action::DeployTokenRevoked => "deploy_token.revoked",
            Action::DeployTokenExpiredRefused => "deploy_token.expired_refused",
            Action::PersonalTokenCreated => "personal_access_token.created",
            Action::PersonalTokenRevoked => "personal_access_token.revoked",
            Action::PersonalTokenRotated => "personal_access_token.rotated",
            Action::UserCreated => "user.created",
            Action::UserChanged => "user.changed",
            Action::UserBlocked => "user.blocked",
            Action::UserUnblocked => "user.unblocked",
            Action::UserRemoved => "user.removed",
            Action::UserPasswordSet => "user.password_set",
            Action::MemberAdded => "member.added",
            Action::MemberChanged => "member.changed",
            Action::MemberRemoved => "member.removed",
            Action::GroupChanged => "group.changed",
            Action::GroupRemoved => "group.removed",
            Action::ProjectChanged => "project.changed",
            Action::ProjectRemoved => "project.removed",
            Action::KeyRotated => "key.rotated",
            Action::KeyActivated => "key.activated",
            Action::KeyRetired => "key.retired",
            Action::SignInFailed => "sign_in.failed",
            Action::EventsLost => "audit.events_lost",
        }
    }
}

/// One event, before it is stored with who acted and when.
#[derive(Clone, Debug)]
pub struct Event {
    /// What happened.
    pub action: Action,
    /// `DeployToken`, `PersonalAccessToken`, `User`, `SigningKey`, `Client`.
    pub entity_type: &'static str,
    /// The entity's numeric id, when it has one.
    pub entity_id: Option<i64>,
    /// Its name or path.
    pub entity_path: String,
    /// More about it (no secret).
    pub details: Map<String, Value>,
    /// The webhook notice it brings, if any (a revoked deploy token's).
    pub notice: Option<Notice>,
}

/// A webhook notice: the event, the key that makes it unique, and the token it names.
#[derive(Clone, Debug)]
pub struct Notice {
    /// The event.
    pub event: WebhookEvent,
    /// Unique per webhook: `deploy_token:7:revoked`.
    pub key: String,
    /// The token, as the body names it.
    pub token: Value,
}

impl Event {
    /// An event about `entity`, with no details yet.
    pub fn new(
        action: Action,
        entity_type: &'static str,
        entity_id: Option<i64>,
        entity_path: impl Into<String>,
    ) -> Event {
        Event {
            action,
            entity_type,
            entity_id,
            entity_path: entity_path.into(),
            details: Map::new(),
            notice: None,
        }
    }

    /// The same event with one more detail.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Event {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// A deploy token event (`created`, `revoked`): its name, username, holder, scopes,
    /// expiry and repository patterns.
    pub fn deploy_token(action: Action, token: &DeployToken) -> Event {
        let (kind, holder_id) = match &token.holder {
            Holder::Project { id, .. } => ("project", id),
            Holder::Group { id, .. } => ("group", id),
        };
        let mut event = Event::new(action, "DeployToken", Some(token.id), token.name.as_str())
            .with("username", token.username.as_str())
            .with(
                "holder",
                json!({"type": kind, "id": holder_id, "path": token.holder.path()}),
            )
            .with("scopes", token.scopes.names())
            .with("expires_at", token.expires_at.map(rfc3339))
            .with(
                "repositories",
                token.repositories.as_ref().map(|r| r.names()),
            );
        if action == Action::DeployTokenRevoked {
            event.notice = Some(Notice {
                event: WebhookEvent::DeployTokenRevoked,
                key: format!("deploy_token:{}:revoked", token.id),
                token: deploy_token_body(token),
            });
        }
        event
    }

    /// A personal access token event: its name, its user, scopes and expiry.
    pub fn personal_token(action: Action, token: &PersonalAccessToken, user: &User) -> Event {
        Event::new(
            action,
            "PersonalAccessToken",
            Some(token.id),
            token.name.as_str(),
        )
        .with("user_id", user.id)
        .with("username", user.username.as_str())
        .with("scopes", token.scopes.names())
        .with("expires_at", token.expires_at.map(rfc3339))
    }

    /// A user event: the username and whether they are an administrator.
    pub fn user(action: Action, user: &User) -> Event {
        Event::new(action, "User", Some(user.id), user.username.as_str())
            .with("is_admin", user.is_admin)
    }

    /// A group event: its path, name and visibility.
    pub fn group(action: Action, group: &Group) -> Event {
        Event::new(action, "Group", Some(group.id), group.path.as_str())
            .with("name", group.name.as_str())
            .with("visibility", group.visibility.as_str())
    }

    /// A project event: its path, name, visibility and registry access.
    pub fn project(action: Action, project: &Project) -> Event {
        Event::new(action, "Project", Some(project.id), project.path.as_str())
            .with("name", project.name.as_str())
            .with("visibility", project.visibility.as_str())
            .with("container_registry_access_level", project.registry.as_str())
    }

    /// A membership event: the user, where, and the role (none when it was taken away).
    pub fn member(action: Action, user: &User, of: &MemberOf, level: Option<AccessLevel>) -> Event {
        let (kind, id) = match of {
            MemberOf::Group { id, .. } => ("group", id),
            MemberOf::Project { id, .. } => ("project", id),
        };
        Event::new(action, "User", Some(user.id), user.username.as_str())
            .with("of", json!({"type": kind, "id": id, "path": of.path()}))
            .with("access_level", level.map(AccessLevel::value))
            .with("role", level.map(AccessLevel::name))
    }
}

/// How a notice names a deploy token: id, name, username, holder, expiry (never a secret).
pub fn deploy_token_body(token: &DeployToken) -> Value {
    let (kind, id) = match &token.holder {
        Holder::Project { id, .. } => ("project", id),
        Holder::Group { id, .. } => ("group", id),
    };
    json!({
        "type": "deploy_token",
        "id": token.id,
        "name": token.name,
        "username": token.username,
        "holder": {"type": kind, "id": id, "path": token.holder.path()},
        "expires_at": token.expires_at.map(rfc3339),
    })
}

/// How a notice names a personal access token: its holder is its user.
pub fn personal_token_body(token: &PersonalAccessToken, username: &str) -> Value {
    json!({
        "type": "personal_access_token",
        "id": token.id,
        "name": token.name,
        "username": username,
        "holder": {"type": "user", "id": token.user_id, "path": username},
        "expires_at": token.expires_at.map(rfc3339),
    })
}

/// RFC 3339 text of an instant.
fn rfc3339(t: OffsetDateTime) -> String {
    crate::app::deploy_tokens::rfc3339(t)
}
