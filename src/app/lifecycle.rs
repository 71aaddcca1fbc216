//! Changing and removing groups and projects. Who may: a project's settings need
//! Maintainer, removing it Owner; a group's settings and its removal need Owner (GitLab's
//! defaults; administrators are owners everywhere). The checks hand out capabilities that
//! carry the transaction's brand, like those of [`super::access`]; the CLI, run by the
//! operator, calls the same removal without a caller.

use super::access::{AccessError, Brand, GroupAccess, ProjectAccess, require};
use super::acting::Writing;
use super::audit::{Action, Event, Origin};
use super::namespaces::{group_by_key, project_by_key};
use super::{App, AppError};
use crate::domain::namespace::{Group, Project, repository_in};
use crate::domain::role::AccessLevel;
use crate::domain::token::validate_name;
use crate::storage::{GroupChanges, ProjectChanges, StorageError, Writes};

/// Capability: change one project's settings.
pub struct ProjectChanger<'t> {
    project: Project,
    brand: Brand<'t>,
}

/// Capability: remove one project.
pub struct ProjectRemover<'t> {
    project: Project,
    brand: Brand<'t>,
}

/// Capability: change one group's settings.
pub struct GroupChanger<'t> {
    group: Group,
    brand: Brand<'t>,
}

/// Capability: remove one group (and, when asked, everything in it).
pub struct GroupRemover<'t> {
    group: Group,
    brand: Brand<'t>,
}

/// What a group removal took with it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Removed {
    /// Groups removed, the group itself included.
    pub groups: usize,
    /// Projects removed.
    pub projects: usize,
}

impl<'t> ProjectAccess<'t> {
    /// Project settings: Maintainer+.
    pub fn changer(&self) -> Result<ProjectChanger<'t>, AccessError> {
        require(self.role, AccessLevel::Maintainer)?;
        Ok(ProjectChanger {
            project: self.project.clone(),
            brand: self.brand,
        })
    }

    /// Removing the project: Owner.
    pub fn remover(&self) -> Result<ProjectRemover<'t>, AccessError> {
        require(self.role, AccessLevel::Owner)?;
        Ok(ProjectRemover {
            project: self.project.clone(),
            brand: self.brand,
        })
    }
}

impl<'t> GroupAccess<'t> {
    /// Group settings: Owner.
    pub fn changer(&self) -> Result<GroupChanger<'t>, AccessError> {
        require(self.role, AccessLevel::Owner)?;
        Ok(GroupChanger {
            group: self.group().clone(),
            brand: self.brand,
        })
    }

    /// Removing the group: Owner.
    pub fn remover(&self) -> Result<GroupRemover<'t>, AccessError> {
        require(self.role, AccessLevel::Owner)?;
        Ok(GroupRemover {
            group: self.group().clone(),
            brand: self.brand,
        })
    }
}

impl<'t> Writing<'t> {
    /// Change the group's name and visibility; returns its chain, outermost first.
    pub fn update_group_as(
        &mut self,
        changer: &GroupChanger<'t>,
        changes: &GroupChanges<'_>,
    ) -> Result<Vec<Group>, AccessError> {
        check_name(changes.name)?;
        self.tx.update_group(changer.group.id, changes)?;
        let chain = self.tx.group_chain(&changer.group.path)?;
        if let Some(group) = chain.last() {
            self.record(&Event::group(Action::GroupChanged, group))?;
        }
        Ok(chain)
    }

    /// Change the project's name, visibility and registry access.
    pub fn update_project_as(
        &mut self,
        changer: &ProjectChanger<'t>,
        changes: &ProjectChanges<'_>,
    ) -> Result<Project, AccessError> {
        check_name(changes.name)?;
        self.tx.update_project(changer.project.id, changes)?;
        let project = self
            .tx
            .project_by_id(changer.project.id)?
            .ok_or(StorageError::Corrupt("projects.id"))?;
        self.record(&Event::project(Action::ProjectChanged, &project))?;
        Ok(project)
    }

    /// Remove the project; its deploy tokens stop working at once.
    pub fn delete_project_as(&mut self, remover: &ProjectRemover<'t>) -> Result<(), AccessError> {
        self.tx.delete_project(remover.project.id)?;
        self.record(&Event::project(Action::ProjectRemoved, &remover.project))?;
        Ok(())
    }

    /// Remove the group with its subgroups and projects, as GitLab does.
    pub fn delete_group_as(&mut self, remover: &GroupRemover<'t>) -> Result<Removed, AccessError> {
        let removed = remove_group(self.tx, &remover.group, true)?;
        self.record(&removed_event(&remover.group, &removed))?;
        Ok(removed)
    }
}

impl App {
    /// Remove a project (by path or id) and its deploy tokens.
    pub fn delete_project(&self, key: &str) -> Result<Project, AppError> {
        self.store().write(|tx| {
            let project = project_by_key(tx, key)?
                .ok_or_else(|| AppError::NotFound(format!("project {key} not found")))?;
            tx.delete_project(project.id)?;
            let event = Event::project(Action::ProjectRemoved, &project);
            self.record(tx, &Origin::cli(), &event, self.now())?;
            Ok(project)
        })
    }

    /// Remove a group (by path or id); one that holds subgroups or projects is refused
    /// unless `recursive`, which removes them too.
    pub fn delete_group(&self, key: &str, recursive: bool) -> Result<(Group, Removed), AppError> {
        self.store().write(|tx| {
            let group = group_by_key(tx, key)?
                .ok_or_else(|| AppError::NotFound(format!("group {key} not found")))?;
            let removed = remove_group(tx, &group, recursive)?;
            self.record(
                tx,
                &Origin::cli(),
                &removed_event(&group, &removed),
                self.now(),
            )?;
            Ok((group, removed))
        })
    }
}

/// Remove `group`, its projects and subgroups (deepest first), in the caller's transaction.
fn remove_group(tx: &mut dyn Writes, group: &Group, recursive: bool) -> Result<Removed, AppError> {
    let below = |path: &str| path != group.path && repository_in(path, &group.path);
    let projects: Vec<Project> = tx
        .projects()?
        .into_iter()
        .filter(|p| below(&p.path))
        .collect();
    let mut groups: Vec<Group> = tx
        .groups()?
        .into_iter()
        .filter(|g| below(&g.path))
        .collect();
    let empty = projects.is_empty() && groups.is_empty();
    if !recursive && !empty {
        return Err(AppError::Conflict(format!(
            "group {} is not empty: it holds {} subgroup(s) and {} project(s); remove them first, or remove everything with --recursive",
            group.path,
            groups.len(),
            projects.len()
        )));
    }
    for project in &projects {
        tx.delete_project(project.id)?;
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.path.matches('/').count()));
    for sub in &groups {
        tx.delete_group(sub.id)?;
    }
    tx.delete_group(group.id)?;
    Ok(Removed {
        groups: groups.len() + 1,
        projects: projects.len(),
    })
}

/// The record of a group removal, counting what went with it.
fn removed_event(group: &Group, removed: &Removed) -> Event {
    Event::group(Action::GroupRemoved, group)
        .with("groups_removed", removed.groups)
        .with("projects_removed", removed.projects)
}

fn check_name(name: Option<&str>) -> Result<(), AppError> {
    match name {
        Some(name) => validate_name(name).map_err(|e| AppError::invalid("name", e)),
        None => Ok(()),
    }
}
