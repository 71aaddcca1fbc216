//! Authorization: turn what a client asked for into what it may have. The result is always a
//! subset of the request, and a [`Granted`] can only be made here, so nothing downstream can
//! sign access that was not checked.

use super::coverage::{Target, covers};
use super::namespace::{ProjectFacts, RegistryAccess, Visibility};
use super::role::AccessLevel;
use super::scope::{Action, Actions, ResourceScope};
use super::token::{DeployToken, TokenScope};
use super::user::UserCredential;
use serde::Serialize;
use time::OffsetDateTime;

pub use super::credential::{AuthType, Credential};

/// One granted resource, as it appears in the JWT `access` claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Access {
    /// Resource type (`repository`, `registry`, possibly with a class).
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Resource name.
    pub name: String,
    /// Granted actions.
    pub actions: Vec<&'static str>,
}

/// An authorized grant: the only input the JWT issuer accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Granted {
    subject: String,
    auth_type: AuthType,
    token_id: Option<i64>,
    expires_at: Option<OffsetDateTime>,
    access: Vec<Access>,
}

impl Granted {
    /// Merge per-scope grants for `credential`: one entry per `(type, name)` in order of first
    /// request, actions united, empty entries dropped. Only the domain's rules may build a grant.
    pub(in crate::domain) fn new<'a>(
        credential: Credential<'_>,
        entries: impl Iterator<Item = (&'a ResourceScope, Actions)>,
    ) -> Granted {
        let mut merged: Vec<(&'a ResourceScope, Actions)> = Vec::new();
        for (scope, actions) in entries {
            let same = |(s, _): &&mut (&ResourceScope, Actions)| {
                s.resource_type == scope.resource_type && s.name == scope.name
            };
            match merged.iter_mut().find(same) {
                Some(entry) => entry.1 = entry.1.union(actions),
                None => merged.push((scope, actions)),
            }
        }
        let access = merged
            .into_iter()
            .filter(|(_, actions)| !actions.is_empty())
            .map(|(scope, actions)| Access {
                resource_type: scope.resource_type.clone(),
                name: scope.name.clone(),
                // The registry asks for `registry:catalog:*` and checks for `*` literally.
                actions: if scope.base_type() == "registry" && actions == Actions::ALL {
                    vec!["*"]
                } else {
                    actions.names()
                },
            })
            .collect();
        Granted {
            subject: credential.subject().to_owned(),
            auth_type: credential.auth_type(),
            token_id: credential.token_id(),
            expires_at: credential.expires_at(),
            access,
        }
    }

    /// The `sub` claim: the deploy-token username or the user's name, `""` when anonymous.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// How the subject authenticated.
    pub fn auth_type(&self) -> AuthType {
        self.auth_type
    }

    /// The id of the deploy token or personal access token it was granted to.
    pub fn token_id(&self) -> Option<i64> {
        self.token_id
    }

    /// When the credential it was granted to stops working: the JWT must not live longer.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.expires_at
    }

    /// Granted resources, merged per `(type, name)`, none of them empty.
    pub fn access(&self) -> &[Access] {
        &self.access
    }

    /// Granted scopes in request syntax, space-separated (the OAuth2 `scope` answer).
    pub fn scope_string(&self) -> String {
        self.access
            .iter()
            .map(|a| format!("{}:{}:{}", a.resource_type, a.name, a.actions.join(",")))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Why nothing may be issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Credentials missing (and needed) or not valid: 401.
    Unauthorized(&'static str),
    /// Valid credentials that can never be used here: 403.
    Denied(String),
}

/// Message for every kind of bad credentials; deliberately the same for unknown, revoked,
/// expired and wrong-username tokens.
pub const BAD_CREDENTIALS: &str = "invalid username or token";
/// Message for an anonymous caller that was granted nothing.
pub const AUTHENTICATION_REQUIRED: &str = "authentication required";

/// Decide what `credential` gets out of `requested` on the container registry.
/// `project_of` maps a repository name to the project that owns it (longest path prefix).
pub fn grant<'p>(
    requested: &[ResourceScope],
    credential: Credential<'_>,
    project_of: impl Fn(&str) -> Option<&'p ProjectFacts>,
    now: OffsetDateTime,
) -> Result<Granted, Refusal> {
    match credential {
        Credential::Anonymous => {}
        Credential::DeployToken(token) => {
            if !token.is_active(now) {
                return Err(Refusal::Unauthorized(BAD_CREDENTIALS));
            }
            if !token.scopes.has(TokenScope::ReadRegistry)
                && !token.scopes.has(TokenScope::WriteRegistry)
            {
                return Err(Refusal::Denied(
                    "this deploy token has neither read_registry nor write_registry scope".into(),
                ));
            }
        }
        Credential::User(user) => {
            if !user.token.is_active(now) {
                return Err(Refusal::Unauthorized(BAD_CREDENTIALS));
            }
            if !user.token.scopes.reads_registry() {
                return Err(Refusal::Denied(
                    "this personal access token has none of the scopes read_registry, write_registry or api".into(),
                ));
            }
        }
    }
    let entries = requested.iter().map(|scope| {
        let allowed = match scope.base_type() {
            "repository" => repository_actions(credential, &scope.name, project_of(&scope.name)),
            "registry" => registry_actions(credential, scope),
            _ => Actions::NONE,
        };
        (scope, scope.actions.intersect(allowed))
    });
    let granted = Granted::new(credential, entries);
    if granted.access.is_empty() && matches!(credential, Credential::Anonymous) {
        return Err(Refusal::Unauthorized(AUTHENTICATION_REQUIRED));
    }
    Ok(granted)
}

/// What `credential` may do on `repository`, owned by `project`.
fn repository_actions(
    credential: Credential<'_>,
    repository: &str,
    project: Option<&ProjectFacts>,
) -> Actions {
    let Some(project) = project else {
        return Actions::NONE;
    };
    if project.registry == RegistryAccess::Disabled {
        return Actions::NONE;
    }
    let mut allowed = Actions::NONE;
    if project.visibility == Visibility::Public && project.registry == RegistryAccess::Enabled {
        allowed = allowed.with(Action::Pull);
    }
    if let Credential::DeployToken(token) = credential
        && covers(
            token,
            Target::Image {
                project,
                repository,
            },
        )
    {
        if token.scopes.has(TokenScope::ReadRegistry) {
            allowed = allowed.with(Action::Pull);
        }
        if token.scopes.has(TokenScope::WriteRegistry) {
            allowed = allowed.with(Action::Push);
        }
    }
    if let Credential::User(user) = credential {
        allowed = allowed.union(user_actions(user, project));
    }
    allowed
}

/// What a user may do on `project`: pull as Reporter+ (or on any public or internal
/// project), push as Developer+, delete as Maintainer+; writing needs a writing scope.
fn user_actions(user: &UserCredential, project: &ProjectFacts) -> Actions {
    let role = user.role_on_project(project);
    let at_least = |level: AccessLevel| role.is_some_and(|r| r >= level);
    let scopes = &user.token.scopes;
    let visible_to_users =
        project.visibility != Visibility::Private && project.registry == RegistryAccess::Enabled;
    let mut allowed = Actions::NONE;
    if scopes.reads_registry() && (at_least(AccessLevel::Reporter) || visible_to_users) {
        allowed = allowed.with(Action::Pull);
    }
    if scopes.writes_registry() && at_least(AccessLevel::Developer) {
        allowed = allowed.with(Action::Push);
    }
    if scopes.writes_registry() && at_least(AccessLevel::Maintainer) {
        allowed = allowed.with(Action::Delete);
    }
    allowed
}

/// `registry:catalog:*`: administrators only.
fn registry_actions(credential: Credential<'_>, scope: &ResourceScope) -> Actions {
    match credential {
        Credential::User(user) if user.user.is_admin && scope.name == "catalog" => Actions::ALL,
        _ => Actions::NONE,
    }
}

/// Why a deploy token gets nothing from the registry or a dependency proxy while external
/// authorization is on.
pub const EXTERNAL_AUTHORIZATION_REGISTRY: &str = "deploy tokens cannot be used on the container registry or the dependency proxy while external authorization is enabled";

/// [`grant`] for a deploy token while external authorization is enabled, as GitLab does it:
/// the token is set aside, so the caller gets what anyone gets (pulls of public images),
/// and a 403 naming the reason when that is nothing.
pub fn grant_without_deploy_token<'p>(
    requested: &[ResourceScope],
    token: &DeployToken,
    project_of: impl Fn(&str) -> Option<&'p ProjectFacts>,
    now: OffsetDateTime,
) -> Result<Granted, Refusal> {
    if !token.is_active(now) {
        return Err(Refusal::Unauthorized(BAD_CREDENTIALS));
    }
    grant(requested, Credential::Anonymous, project_of, now)
        .map_err(|_| external_authorization_refusal(token, now))
}

/// The refusal for a deploy token while external authorization is enabled: 401 if it is not
/// valid anyway, else a 403 naming the reason (the dependency proxy has no anonymous access
/// to fall back on).
pub fn external_authorization_refusal(token: &DeployToken, now: OffsetDateTime) -> Refusal {
    if token.is_active(now) {
        Refusal::Denied(EXTERNAL_AUTHORIZATION_REGISTRY.into())
    } else {
        Refusal::Unauthorized(BAD_CREDENTIALS)
    }
}

#[cfg(test)]
#[path = "authz_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "authz_user_tests.rs"]
mod user_tests;

#[cfg(test)]
#[path = "authz_restriction_tests.rs"]
mod restriction_tests;
