//! The forward-auth decision: whether a credential may perform an operation on a project.
//! Deploy tokens follow the registry's coverage rules with the scope the operation needs
//! (a token restricted to repository patterns covers images only, so it is refused here);
//! users need a role on the project and a personal access token with an API scope; anyone
//! may read a public project.

use super::{Operation, ProjectKey};
use crate::domain::authz::{AUTHENTICATION_REQUIRED, BAD_CREDENTIALS, Credential, Refusal};
use crate::domain::coverage::{Coverage, Target, coverage};
use crate::domain::namespace::{ProjectFacts, Visibility};
use crate::domain::token::DeployToken;
use crate::domain::user::UserCredential;
use time::OffsetDateTime;

/// Why deploy tokens are refused while external authorization is enabled (users are not:
/// regauth has no external service to ask about them, so their roles decide).
pub const EXTERNAL_AUTHORIZATION_REFUSAL: &str = "deploy tokens cannot be used for Git or package registry operations while external authorization is enabled";
/// Why a deploy token can never push to a repository.
pub const GIT_PUSH_REFUSAL: &str =
    "deploy tokens cannot push to Git repositories: there is no write scope for repositories";

/// Why a deploy token restricted to repository patterns is refused for Git and packages:
/// those belong to a project as a whole, which no image pattern can narrow.
pub const RESTRICTED_REFUSAL: &str = "deploy tokens restricted to container images cannot be used for Git or package registry operations";

/// Permission to let a request through; only [`decide`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowed {
    subject: String,
    token_id: Option<i64>,
    operation: Operation,
}

impl Allowed {
    /// Who was let through: the deploy-token username or the user's username, `""` when
    /// anonymous.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The deploy token let through, by id (custom usernames may repeat); `None` for users
    /// and anonymous callers.
    pub fn token_id(&self) -> Option<i64> {
        self.token_id
    }

    /// What they may do.
    pub fn operation(&self) -> Operation {
        self.operation
    }
}

/// Decide whether `credential` may perform `operation` on `project` (`None`: no such
/// project). `named` is how the URI named the project, for messages; unknown and
/// uncovered projects get the same answer, so the answer does not reveal which exist.
pub fn decide(
    operation: Operation,
    credential: Credential<'_>,
    project: Option<&ProjectFacts>,
    named: &ProjectKey,
    external_authorization: bool,
    now: OffsetDateTime,
) -> Result<Allowed, Refusal> {
    let public_read =
        operation.is_read() && project.is_some_and(|p| p.visibility == Visibility::Public);
    match credential {
        Credential::Anonymous if public_read => Ok(Allowed {
            subject: String::new(),
            token_id: None,
            operation,
        }),
        Credential::Anonymous => Err(Refusal::Unauthorized(AUTHENTICATION_REQUIRED)),
        Credential::User(user) => user_access(user, operation, project, named, public_read, now),
        Credential::DeployToken(token) => deploy_token(
            token,
            operation,
            project,
            named,
            public_read,
            external_authorization,
            now,
        ),
    }
}

fn deploy_token(
    token: &DeployToken,
    operation: Operation,
    project: Option<&ProjectFacts>,
    named: &ProjectKey,
    public_read: bool,
    external_authorization: bool,
    now: OffsetDateTime,
) -> Result<Allowed, Refusal> {
    if !token.is_active(now) {
        return Err(Refusal::Unauthorized(BAD_CREDENTIALS));
    }
    if external_authorization {
        return Err(Refusal::Denied(EXTERNAL_AUTHORIZATION_REFUSAL.into()));
    }
    let Some(scope) = operation.required_scope() else {
        return Err(Refusal::Denied(GIT_PUSH_REFUSAL.into()));
    };
    let allowed = Allowed {
        subject: token.username.clone(),
        token_id: Some(token.id),
        operation,
    };
    if public_read {
        return Ok(allowed);
    }
    let reach = project.map_or(Coverage::OutsideHolder, |p| {
        coverage(token, Target::Project(p))
    });
    match reach {
        Coverage::Covered if token.scopes.has(scope) => Ok(allowed),
        Coverage::Covered => Err(Refusal::Denied(format!(
            "deploy token {} lacks the {} scope needed to {}",
            token.username,
            scope.as_str(),
            operation.describe()
        ))),
        Coverage::OutsideRestriction => Err(Refusal::Denied(format!(
            "{RESTRICTED_REFUSAL}: deploy token {} may only use {}",
            token.username,
            token
                .repositories
                .as_ref()
                .map(|r| r.names().join(", "))
                .unwrap_or_default()
        ))),
        Coverage::OutsideHolder => Err(Refusal::Denied(format!(
            "deploy token {} has no access to project {named}",
            token.username
        ))),
    }
}

/// Users read as Reporter+ (or any public or internal project) and write as Developer+. Their
/// personal access token needs `read_api` or `api` to read, and `api` to write; reading a
/// public project needs no scope, since anonymous callers may do it too.
///
/// The order keeps unknown projects indistinguishable from hidden ones: the scope is checked
/// before the project is looked at, and a private project without a role answers exactly like
/// a missing one.
fn user_access(
    user: &UserCredential,
    operation: Operation,
    project: Option<&ProjectFacts>,
    named: &ProjectKey,
    public_read: bool,
    now: OffsetDateTime,
) -> Result<Allowed, Refusal> {
    if !user.token.is_active(now) {
        return Err(Refusal::Unauthorized(BAD_CREDENTIALS));
    }
    let name = &user.user.username;
    let allowed = Allowed {
        subject: name.clone(),
        token_id: None,
        operation,
    };
    if public_read {
        return Ok(allowed);
    }
    let (scope_ok, scope) = if operation.is_read() {
        (user.token.scopes.reads_api(), "read_api or api")
    } else {
        (user.token.scopes.writes_api(), "api")
    };
    if !scope_ok {
        return Err(Refusal::Denied(format!(
            "the personal access token of {name} lacks the {scope} scope needed to {}",
            operation.describe()
        )));
    }
    let no_access = || Refusal::Denied(format!("user {name} has no access to project {named}"));
    let project = project.ok_or_else(no_access)?;
    let role = user.role_on_project(project);
    let needed = operation.minimum_role();
    let visible = project.visibility != Visibility::Private;
    if role.is_some_and(|r| r >= needed) || (operation.is_read() && visible) {
        return Ok(allowed);
    }
    if role.is_none() && !visible {
        return Err(no_access());
    }
    Err(Refusal::Denied(format!(
        "user {name} needs the {} role on project {named} to {}",
        needed.name(),
        operation.describe()
    )))
}

#[cfg(test)]
#[path = "decision_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "decision_user_tests.rs"]
mod user_tests;
