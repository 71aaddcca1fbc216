//! The CI-variables use case: find the `gitlab-deploy-token` that applies to a project,
//! open its sealed secret, and list the variables a job gets. The CLI asks by project; the
//! HTTP endpoint for CI runners asks with a [`CiVariablesReader`], the capability that only
//! a Maintainer+ user or an administrator gets (never a deploy token).

use super::namespaces::project_by_key;
use super::{App, AppError};
use crate::domain::ci_variables::{
    CiVariable, GITLAB_DEPLOY_TOKEN_NAME, Inputs, pick_token, variables,
};
use crate::domain::namespace::{Project, RegistryAccess};
use crate::domain::token::{DeployToken, Holder, PlainToken};
use crate::storage::{Conn, ci_secrets, tokens};

/// Where CI jobs find the registry: the `ci_registry` setting, for the HTTP endpoint.
#[derive(Clone, Debug, Default)]
pub struct CiSettings {
    /// The registry host (`host[:port]`) for `CI_REGISTRY` and `CI_REGISTRY_IMAGE`.
    pub registry: Option<String>,
}

/// Capability: read one project's CI variables (deploy-token secret included). Made only by
/// [`super::access::ProjectAccess::ci_variables_reader`].
pub struct CiVariablesReader {
    pub(super) project: Project,
}

impl CiVariablesReader {
    /// The project's full path.
    pub fn project_path(&self) -> &str {
        &self.project.path
    }
}

impl App {
    /// The CI variables of `project` (path or id); `registry` is the configured registry
    /// host. Without an applicable token the deploy variables are simply absent.
    pub fn ci_variables(
        &self,
        project: &str,
        registry: Option<&str>,
    ) -> Result<Vec<CiVariable>, AppError> {
        let conn = self.conn()?;
        let project = find_project(&conn, project)?;
        self.variables_of(&conn, &project, registry)
    }

    /// The CI variables of the project `reader` was granted for.
    pub fn ci_variables_as(
        &self,
        reader: &CiVariablesReader,
        registry: Option<&str>,
    ) -> Result<Vec<CiVariable>, AppError> {
        self.variables_of(&self.conn()?, &reader.project, registry)
    }

    fn variables_of(
        &self,
        conn: &Conn,
        project: &Project,
        registry: Option<&str>,
    ) -> Result<Vec<CiVariable>, AppError> {
        let now = self.now();
        let own = tokens::list(conn, Some(&project.holder()), true, now)?;
        let parent = Holder::Group {
            id: project.group_id,
            path: String::new(),
        };
        let group = tokens::list(conn, Some(&parent), true, now)?;
        let secret = match pick_token(&own, &group, now) {
            Some(token) => Some((token, self.open_secret(conn, token)?)),
            None => None,
        };
        Ok(variables(&Inputs {
            deploy: secret
                .as_ref()
                .map(|(t, s)| (t.username.as_str(), s.expose())),
            registry,
            project_path: &project.path,
            registry_enabled: project.registry != RegistryAccess::Disabled,
        }))
    }

    /// The secret of a `gitlab-deploy-token`, checked against the token's digest.
    fn open_secret(&self, conn: &Conn, token: &DeployToken) -> Result<PlainToken, AppError> {
        let stored = ci_secrets::for_token(conn, token.id)?.ok_or_else(|| {
            AppError::Conflict(format!(
                "deploy token {} is named {GITLAB_DEPLOY_TOKEN_NAME} but its secret was not kept \
                 (it predates sealed CI secrets): revoke it and create a new one",
                token.id
            ))
        })?;
        let sealed = super::sealing::Sealed {
            nonce: stored.nonce,
            ciphertext: stored.ciphertext,
        };
        let plain = self.sealing_key()?.open(&sealed, &stored.digest.0)?;
        let secret = String::from_utf8(plain)
            .map(|s| PlainToken::from_client(&s))
            .map_err(|_| crate::storage::StorageError::Corrupt("deploy_token_secrets"))?;
        if secret.digest() != stored.digest {
            return Err(crate::storage::StorageError::Corrupt("deploy_token_secrets").into());
        }
        Ok(secret)
    }
}

fn find_project(conn: &Conn, key: &str) -> Result<Project, AppError> {
    project_by_key(conn, key)?.ok_or_else(|| AppError::NotFound(format!("project {key} not found")))
}
