//! Use cases of the management API: each takes the capability that proves the caller may
//! run it (see [`super::access`]), checked in the same transaction, and then does what the
//! CLI's use case does, in that transaction.

use super::AppError;
use super::access::{AccessError, GroupCreator, ProjectCreator, TokenManager, TokenReader};
use super::acting::{Acting, Writing};
use super::audit::{Action, Event};
use super::ci_variables::CiVariablesReader;
use super::deploy_tokens::{CreatedDeployToken, TokenSpec};
use super::namespaces::{insert_group, insert_project, path_and_name};
use crate::domain::ci_variables::CiVariable;
use crate::domain::namespace::{Group, Project, RegistryAccess, Visibility};
use crate::domain::role::{AccessLevel, MemberOf};
use crate::domain::token::{DeployToken, Holder};
use crate::storage::Reads;

/// What a caller supplies to create a deploy token (the holder comes from the capability).
pub struct DeployTokenFields<'a> {
    /// Name (required).
    pub name: &'a str,
    /// Scope words.
    pub scopes: Vec<&'a str>,
    /// Custom username.
    pub username: Option<&'a str>,
    /// Expiry as `YYYY-MM-DD` or RFC 3339.
    pub expires_at: Option<&'a str>,
    /// Repository patterns to restrict it to (`None`: every image its holder covers).
    pub repositories: Option<Vec<&'a str>>,
}

/// What a caller supplies to create a group or project (the parent comes from the
/// capability).
pub struct NamespaceFields<'a> {
    /// The last path component.
    pub path: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Visibility.
    pub visibility: Visibility,
}

impl<'t> Writing<'t> {
    /// Create a group; its creator becomes its owner. Returns the group's chain: its
    /// ancestors, outermost first, then the group.
    pub fn create_group_as(
        &mut self,
        creator: &GroupCreator<'t>,
        fields: &NamespaceFields<'_>,
    ) -> Result<Vec<Group>, AccessError> {
        let path = full_path(creator.parent.as_ref(), fields.path)?;
        let (path, name) = path_and_name(&path, Some(fields.name))?;
        let now = self.now();
        let group = insert_group(self.tx, &path, &name, fields.visibility, now)?;
        let of = MemberOf::Group {
            id: group.id,
            path: group.path.clone(),
        };
        self.tx
            .set_membership(creator.owner, &of, AccessLevel::Owner, now)?;
        Ok(self.tx.group_chain(&group.path)?)
    }

    /// Create a project in the capability's group.
    pub fn create_project_as(
        &mut self,
        creator: &ProjectCreator<'t>,
        fields: &NamespaceFields<'_>,
        registry: RegistryAccess,
    ) -> Result<Project, AccessError> {
        let path = full_path(Some(&creator.group), fields.path)?;
        let (path, name) = path_and_name(&path, Some(fields.name))?;
        let now = self.now();
        Ok(insert_project(
            self.tx,
            &path,
            &name,
            fields.visibility,
            registry,
            now,
        )?)
    }

    /// Create a deploy token for the capability's holder; the secret is returned once.
    pub fn create_deploy_token_as(
        &mut self,
        manager: &TokenManager<'t>,
        fields: &DeployTokenFields<'_>,
    ) -> Result<CreatedDeployToken, AccessError> {
        let now = self.now();
        let spec = TokenSpec::parse(
            fields.name,
            &fields.scopes,
            fields.username,
            fields.expires_at,
            fields.repositories.as_deref(),
            now,
        )?;
        let created = self
            .app
            .insert_deploy_token(self.tx, &manager.holder, &spec, now)?;
        self.record(&Event::deploy_token(
            Action::DeployTokenCreated,
            &created.token,
        ))?;
        Ok(created)
    }

    /// Revoke one deploy token of the capability's holder (it stays recorded as revoked).
    pub fn revoke_deploy_token_as(
        &mut self,
        manager: &TokenManager<'t>,
        id: i64,
    ) -> Result<DeployToken, AccessError> {
        let reader = TokenReader {
            holder: Some(manager.holder.clone()),
            brand: self.brand(),
        };
        let token = self.deploy_token_as(&reader, id)?;
        let now = self.now();
        let token = self
            .tx
            .revoke_deploy_token(token.id, now)?
            .ok_or(AccessError::NotFound("Deploy Token"))?;
        self.record(&Event::deploy_token(Action::DeployTokenRevoked, &token))?;
        Ok(token)
    }
}

impl<'t, S: Reads + ?Sized> Acting<'t, S> {
    /// The deploy tokens the capability covers, optionally only the active ones.
    pub fn deploy_tokens_as(
        &mut self,
        reader: &TokenReader<'t>,
        active_only: bool,
    ) -> Result<Vec<DeployToken>, AccessError> {
        let now = self.now();
        Ok(self
            .tx
            .deploy_tokens(reader.holder.as_ref(), active_only, now)?)
    }

    /// One deploy token of the capability's holder; another holder's token is not found.
    pub fn deploy_token_as(
        &mut self,
        reader: &TokenReader<'t>,
        id: i64,
    ) -> Result<DeployToken, AccessError> {
        let token = self.tx.deploy_token_by_id(id)?;
        token
            .filter(|t| {
                reader
                    .holder
                    .as_ref()
                    .is_none_or(|h| same_holder(h, &t.holder))
            })
            .ok_or(AccessError::NotFound("Deploy Token"))
    }

    /// The CI variables of the project `reader` was granted for.
    pub fn ci_variables_as(
        &mut self,
        reader: &CiVariablesReader<'t>,
        registry: Option<&str>,
    ) -> Result<Vec<CiVariable>, AccessError> {
        Ok(self.app.variables_of(self.tx, &reader.project, registry)?)
    }
}

/// `parent/path`, where `path` must be a single component.
fn full_path(parent: Option<&Group>, path: &str) -> Result<String, AppError> {
    if path.contains('/') {
        return Err(AppError::invalid(
            "path",
            "must be a single path component, without '/'",
        ));
    }
    Ok(match parent {
        Some(parent) => format!("{}/{path}", parent.path),
        None => path.to_owned(),
    })
}

fn same_holder(a: &Holder, b: &Holder) -> bool {
    matches!(
        (a, b),
        (Holder::Project { id: x, .. }, Holder::Project { id: y, .. })
            | (Holder::Group { id: x, .. }, Holder::Group { id: y, .. })
            if x == y
    )
}
