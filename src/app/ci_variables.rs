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
use crate::storage::{Reads, StorageError};

/// Where CI jobs find the registry: the `ci_registry` setting, for the HTTP endpoint.
#[derive(Clone, Debug, Default)]
pub struct CiSettings {
    /// The registry host (`host[:port]`) for `CI_REGISTRY` and `CI_REGISTRY_IMAGE`.
    pub registry: Option<String>,
}

/// Capability: read one project's CI variables (deploy-token secret included). Made only by
/// [`super::access::ProjectAccess::ci_variables_reader`].
pub struct CiVariablesReader<'t> {
    pub(super) project: Project,
    pub(super) brand: super::access::Brand<'t>,
}

impl CiVariablesReader<'_> {
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
        self.store().read(|tx| {
            let project = find_project(tx, project)?;
            self.variables_of(tx, &project, registry)
        })
    }

    /// The variables of `project`, read inside the caller's transaction.
    pub(super) fn variables_of<S: Reads + ?Sized>(
        &self,
        tx: &mut S,
        project: &Project,
        registry: Option<&str>,
    ) -> Result<Vec<CiVariable>, AppError> {
        let now = self.now();
        let own = tx.deploy_tokens(Some(&project.holder()), true, now)?;
        let parent = Holder::Group {
            id: project.group_id,
            path: String::new(),
        };
        let group = tx.deploy_tokens(Some(&parent), true, now)?;
        let secret = match pick_token(&own, &group, now) {
            Some(token) => Some((token, self.open_secret(tx, token)?)),
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
    fn open_secret<S: Reads + ?Sized>(
        &self,
        tx: &mut S,
        token: &DeployToken,
    ) -> Result<PlainToken, AppError> {
        let stored = tx.sealed_secret(token.id)?.ok_or_else(|| {
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
            .map_err(|_| StorageError::Corrupt("deploy_token_secrets"))?;
        if secret.digest() != stored.digest {
            return Err(StorageError::Corrupt("deploy_token_secrets").into());
        }
        Ok(secret)
    }
}

fn find_project(tx: &mut dyn Reads, key: &str) -> Result<Project, AppError> {
    project_by_key(tx, key)?.ok_or_else(|| AppError::NotFound(format!("project {key} not found")))
}
