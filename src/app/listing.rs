//! The group and project lists of the management API, as GitLab filters them: what the
//! caller may see ([`super::access::Caller`]'s one visibility rule), by default only where
//! they hold a role (administrators: everything), narrowed by search, role and level. Each
//! entry comes with its group chain, for full names and namespaces.

use super::access::{AccessError, GroupAccess};
use super::acting::Acting;
use crate::domain::namespace::{Group, Project, Visibility, repository_in};
use crate::domain::role::AccessLevel;
use crate::storage::Reads;
use std::collections::HashMap;

/// Which groups or projects to list.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    /// Name or path contains this, ignoring case.
    pub search: Option<String>,
    /// Only where the caller is Owner.
    pub owned: bool,
    /// Only where the caller's role is at least this.
    pub min_access_level: Option<AccessLevel>,
    /// Everything visible (`true`), or only where the caller is a member (`false`). Unset:
    /// members only for users, everything for administrators (groups); everything visible
    /// (projects).
    pub all_available: Option<bool>,
    /// Projects: only those the caller is a member of (GitLab's `membership`).
    pub membership: bool,
    /// Groups: only top-level ones.
    pub top_level_only: bool,
    /// Only this visibility.
    pub visibility: Option<Visibility>,
}

/// A listed group or project with its chain of groups (outermost first; for a group, the
/// group itself last) and the caller's role on it.
pub struct Listed<T> {
    /// The group or project.
    pub item: T,
    /// Its groups, outermost first.
    pub chain: Vec<Group>,
    /// The caller's role there.
    pub role: Option<AccessLevel>,
}

impl<'t, S: Reads + ?Sized> Acting<'t, S> {
    /// `GET /groups`, or with `parent` the subgroups directly in it.
    pub fn list_groups(
        &mut self,
        filter: &ListFilter,
        parent: Option<&GroupAccess<'t>>,
    ) -> Result<Vec<Listed<Group>>, AccessError> {
        let all = self.tx.groups()?;
        let by_path: HashMap<&str, &Group> = all.iter().map(|g| (g.path.as_str(), g)).collect();
        let caller = self.caller();
        let all_available =
            filter.all_available.unwrap_or(caller.user.is_admin) || parent.is_some();
        let mut listed = Vec::new();
        for g in &all {
            let role = caller.role_on_group(&g.path);
            let member = role.is_some() || caller.member_below(&g.path);
            let keep = caller.sees_group(g)
                && (all_available || member)
                && parent.is_none_or(|p| g.parent_id == Some(p.group().id))
                && !(filter.top_level_only && g.parent_id.is_some())
                && filter.admits(&g.name, &g.path, g.visibility, role);
            if keep {
                let chain = chain_of(&by_path, &g.path);
                listed.push(Listed {
                    item: g.clone(),
                    chain,
                    role,
                });
            }
        }
        Ok(listed)
    }

    /// `GET /projects`, or with `group` the projects in it (with `include_subgroups`, in
    /// its subgroups too). Newest first, as GitLab orders them.
    pub fn list_projects(
        &mut self,
        filter: &ListFilter,
        group: Option<(&GroupAccess<'t>, bool)>,
    ) -> Result<Vec<Listed<Project>>, AccessError> {
        let groups = self.tx.groups()?;
        let by_path: HashMap<&str, &Group> = groups.iter().map(|g| (g.path.as_str(), g)).collect();
        let mut projects = self.tx.projects()?;
        projects.sort_by_key(|p| std::cmp::Reverse(p.id));
        let caller = self.caller();
        let mut listed = Vec::new();
        for p in projects {
            let role = caller.role_on_project(&p);
            let within = group.is_none_or(|(g, deep)| {
                p.group_id == g.group().id || (deep && repository_in(&p.path, &g.group().path))
            });
            let member_only = filter.membership || filter.all_available == Some(false);
            let keep = caller.sees_project(&p)
                && within
                && (!member_only || role.is_some())
                && filter.admits(&p.name, &p.path, p.visibility, role);
            if keep {
                let parent = p.path.rsplit_once('/').map_or("", |(g, _)| g);
                let chain = chain_of(&by_path, parent);
                listed.push(Listed {
                    item: p,
                    chain,
                    role,
                });
            }
        }
        Ok(listed)
    }
}

impl ListFilter {
    /// The filters every list shares: search, owned, minimum level, visibility.
    fn admits(
        &self,
        name: &str,
        path: &str,
        visibility: Visibility,
        role: Option<AccessLevel>,
    ) -> bool {
        let search = self.search.as_deref().map(str::to_lowercase);
        let found = search
            .as_deref()
            .is_none_or(|s| name.to_lowercase().contains(s) || path.to_lowercase().contains(s));
        let owned = !self.owned || role == Some(AccessLevel::Owner);
        let level = self
            .min_access_level
            .is_none_or(|min| role.is_some_and(|r| r >= min));
        let shown = self.visibility.is_none_or(|v| v == visibility);
        found && owned && level && shown
    }
}

/// The groups at `path` and above it that exist, outermost first.
fn chain_of(by_path: &HashMap<&str, &Group>, path: &str) -> Vec<Group> {
    let mut ends: Vec<usize> = path.match_indices('/').map(|(i, _)| i).collect();
    ends.push(path.len());
    ends.into_iter()
        .filter_map(|end| by_path.get(&path[..end]).map(|g| (*g).clone()))
        .collect()
}
