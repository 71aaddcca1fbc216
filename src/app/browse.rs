//! What a signed-in person browses: the groups and projects they may see (the same rule
//! that decides what the API finds, [`Caller::sees_project`](super::access::Caller)), and
//! their own personal access tokens, which only they can create, list and revoke here.

use super::access::AccessError;
use super::acting::{Acting, Writing};
use super::audit::event::{Action, Event};
use super::users::{
    CreatePersonalToken, CreatedPersonalToken, insert_token, personal_token_fields,
};
use crate::domain::namespace::{Group, Project};
use crate::domain::role::AccessLevel;
use crate::domain::user::PersonalAccessToken;
use crate::storage::Reads;

/// The groups and projects a caller may see, each with the caller's role.
pub struct Visible {
    /// Groups, by path.
    pub groups: Vec<(Group, Option<AccessLevel>)>,
    /// Projects, by path.
    pub projects: Vec<(Project, Option<AccessLevel>)>,
}

impl<'t, S: Reads + ?Sized> Acting<'t, S> {
    /// Every group and project the caller may see whose name or path contains `filter`
    /// (ignoring case; empty: all).
    pub fn visible_namespaces(&mut self, filter: &str) -> Result<Visible, AccessError> {
        let filter = filter.trim().to_lowercase();
        let matches = |name: &str, path: &str| {
            filter.is_empty()
                || name.to_lowercase().contains(&filter)
                || path.to_lowercase().contains(&filter)
        };
        let (groups, projects) = (self.tx.groups()?, self.tx.projects()?);
        let caller = self.caller();
        let groups = groups
            .into_iter()
            .filter(|g| caller.sees_group(g) && matches(&g.name, &g.path))
            .map(|g| {
                let role = caller.role_on_group(&g.path);
                (g, role)
            })
            .collect();
        let projects = projects
            .into_iter()
            .filter(|p| caller.sees_project(p) && matches(&p.name, &p.path))
            .map(|p| {
                let role = caller.role_on_project(&p);
                (p, role)
            })
            .collect();
        Ok(Visible { groups, projects })
    }

    /// The subgroups and projects directly in `group` that the caller may see.
    pub fn children_of(&mut self, group: &Group) -> Result<Visible, AccessError> {
        let all = self.visible_namespaces("")?;
        Ok(Visible {
            groups: all
                .groups
                .into_iter()
                .filter(|(g, _)| g.parent_id == Some(group.id))
                .collect(),
            projects: all
                .projects
                .into_iter()
                .filter(|(p, _)| p.group_id == group.id)
                .collect(),
        })
    }

    /// The caller's own personal access tokens, newest first.
    pub fn own_personal_tokens(&mut self) -> Result<Vec<PersonalAccessToken>, AccessError> {
        let id = self.caller().user().id;
        Ok(self.tx.personal_tokens_of(id)?)
    }
}

impl Writing<'_> {
    /// Create a personal access token for the caller (the same checks as the CLI's).
    pub fn create_own_personal_token(
        &mut self,
        req: &CreatePersonalToken<'_>,
    ) -> Result<CreatedPersonalToken, AccessError> {
        let now = self.now();
        let (scopes, expires_at) = personal_token_fields(req, now)?;
        let user = self.caller().user().clone();
        let created = insert_token(self.tx, user.id, req.name, &scopes, expires_at, now)?;
        let event = Event::personal_token(Action::PersonalTokenCreated, &created.token, &user);
        self.record(&event)?;
        Ok(created)
    }

    /// Revoke one of the caller's personal access tokens; anyone else's is not found.
    pub fn revoke_own_personal_token(
        &mut self,
        id: i64,
    ) -> Result<PersonalAccessToken, AccessError> {
        let not_found = || AccessError::NotFound("Personal Access Token");
        let own = self.caller().user().id;
        let token = self
            .tx
            .personal_token_by_id(id)?
            .filter(|t| t.user_id == own)
            .ok_or_else(not_found)?;
        let now = self.now();
        let token = self
            .tx
            .revoke_personal_token(token.id, now)?
            .ok_or_else(not_found)?;
        let user = self.caller().user().clone();
        self.record(&Event::personal_token(
            Action::PersonalTokenRevoked,
            &token,
            &user,
        ))?;
        Ok(token)
    }
}
