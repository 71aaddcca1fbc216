//! Use cases of the management API: each takes the capability that proves the caller may
//! run it (see [`super::access`]) and then calls the same use case the CLI calls.

use super::access::{AccessError, GroupCreator, ProjectCreator, TokenManager, TokenReader};
use super::deploy_tokens::{CreateDeployToken, CreatedDeployToken};
use super::namespaces::HolderRef;
use super::{App, AppError};
use crate::domain::namespace::{Group, Project, RegistryAccess, Visibility};
use crate::domain::role::{AccessLevel, MemberOf};
use crate::domain::token::{DeployToken, Holder};
use crate::storage::{namespaces, tokens, users};

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

impl App {
    /// Create a group; its creator becomes its owner. Returns the group's chain: its
    /// ancestors, outermost first, then the group.
    pub fn create_group_as(
        &self,
        creator: &GroupCreator,
        fields: &NamespaceFields<'_>,
    ) -> Result<Vec<Group>, AccessError> {
        let path = full_path(creator.parent.as_ref(), fields.path)?;
        let now = self.now();
        let group =
            self.create_group_then(&path, Some(fields.name), fields.visibility, |tx, g| {
                let of = MemberOf::Group {
                    id: g.id,
                    path: g.path.clone(),
                };
                users::set_membership(tx, creator.owner, &of, AccessLevel::Owner, now)?;
                Ok(())
            })?;
        Ok(namespaces::group_chain(&*self.conn()?, &group.path)?)
    }

    /// Create a project in the capability's group.
    pub fn create_project_as(
        &self,
        creator: &ProjectCreator,
        fields: &NamespaceFields<'_>,
        registry: RegistryAccess,
    ) -> Result<Project, AccessError> {
        let path = full_path(Some(&creator.group), fields.path)?;
        Ok(self.create_project_named(&path, Some(fields.name), fields.visibility, registry)?)
    }

    /// The deploy tokens the capability covers, optionally only the active ones.
    pub fn deploy_tokens_as(
        &self,
        reader: &TokenReader,
        active_only: bool,
    ) -> Result<Vec<DeployToken>, AccessError> {
        let conn = self.conn()?;
        Ok(tokens::list(
            &conn,
            reader.holder.as_ref(),
            active_only,
            self.now(),
        )?)
    }

    /// One deploy token of the capability's holder; another holder's token is not found.
    pub fn deploy_token_as(
        &self,
        reader: &TokenReader,
        id: i64,
    ) -> Result<DeployToken, AccessError> {
        let token = tokens::by_id(&*self.conn()?, id)?;
        token
            .filter(|t| {
                reader
                    .holder
                    .as_ref()
                    .is_none_or(|h| same_holder(h, &t.holder))
            })
            .ok_or(AccessError::NotFound("Deploy Token"))
    }

    /// Create a deploy token for the capability's holder; the secret is returned once.
    pub fn create_deploy_token_as(
        &self,
        manager: &TokenManager,
        fields: &DeployTokenFields<'_>,
    ) -> Result<CreatedDeployToken, AccessError> {
        let id = holder_id(&manager.holder).to_string();
        let holder = match manager.holder {
            Holder::Project { .. } => HolderRef::Project(&id),
            Holder::Group { .. } => HolderRef::Group(&id),
        };
        Ok(self.create_deploy_token(&CreateDeployToken {
            holder,
            name: fields.name,
            scopes: fields.scopes.clone(),
            username: fields.username,
            expires_at: fields.expires_at,
        })?)
    }

    /// Revoke one deploy token of the capability's holder (it stays recorded as revoked).
    pub fn revoke_deploy_token_as(
        &self,
        manager: &TokenManager,
        id: i64,
    ) -> Result<DeployToken, AccessError> {
        let reader = TokenReader {
            holder: Some(manager.holder.clone()),
        };
        let token = self.deploy_token_as(&reader, id)?;
        Ok(self.revoke_deploy_token(token.id)?)
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

fn holder_id(holder: &Holder) -> i64 {
    match holder {
        Holder::Project { id, .. } | Holder::Group { id, .. } => *id,
    }
}

fn same_holder(a: &Holder, b: &Holder) -> bool {
    matches!(
        (a, b),
        (Holder::Project { id: x, .. }, Holder::Project { id: y, .. })
            | (Holder::Group { id: x, .. }, Holder::Group { id: y, .. })
            if x == y
    )
}
