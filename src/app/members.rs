//! Who holds a role where: the direct members of a group or project, or (GitLab's
//! `/members/all`) everyone whose role reaches it, from the project itself or any group
//! above it, each with their highest role. Anyone who may see a group or project may list
//! its members; changing them takes a [`super::admin::MemberManager`].

use super::access::{AccessError, GroupAccess, ProjectAccess};
use super::acting::Acting;
use super::audit::{Action, Event, Origin};
use super::namespaces::{HolderRef, resolve_holder};
use super::{App, AppError};
use crate::domain::role::{AccessLevel, MemberOf};
use crate::domain::token::Holder;
use crate::domain::user::User;
use crate::storage::{Reads, StorageError};

/// One member as listed: the user, their role, and where it is held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The user.
    pub user: User,
    /// Their role (the highest, for inherited lists).
    pub level: AccessLevel,
    /// Where the role is held (the group above, for an inherited role).
    pub of: MemberOf,
}

impl<'t, S: Reads + ?Sized> Acting<'t, S> {
    /// The members of a project the caller sees: direct ones, or with `inherited` everyone
    /// whose role reaches it.
    pub fn project_members(
        &mut self,
        access: &ProjectAccess<'t>,
        inherited: bool,
    ) -> Result<Vec<Member>, AccessError> {
        let mut sources = vec![MemberOf::Project {
            id: access.project.id,
            path: access.project.path.clone(),
        }];
        if inherited {
            sources.extend(access.namespaces.iter().rev().map(group_of));
        }
        Ok(members_of_all(self.tx, &sources)?)
    }

    /// The members of a group the caller sees: direct ones, or with `inherited` those of
    /// the groups above it too.
    pub fn group_members(
        &mut self,
        access: &GroupAccess<'t>,
        inherited: bool,
    ) -> Result<Vec<Member>, AccessError> {
        let chain = &access.chain;
        let take = if inherited { chain.len() } else { 1 };
        let sources: Vec<MemberOf> = chain.iter().rev().take(take).map(group_of).collect();
        Ok(members_of_all(self.tx, &sources)?)
    }
}

impl App {
    /// The members of a group or project (direct, or with `inherited` all whose role
    /// reaches it).
    pub fn members(&self, holder: HolderRef<'_>, inherited: bool) -> Result<Vec<Member>, AppError> {
        self.store().read(|tx| {
            let holder = resolve_holder(tx, holder)?;
            let (direct, groups_from) = match &holder {
                Holder::Project { id, path } => {
                    let of = MemberOf::Project {
                        id: *id,
                        path: path.clone(),
                    };
                    (of, path.rsplit_once('/').map_or("", |(g, _)| g).to_owned())
                }
                Holder::Group { id, path } => {
                    let of = MemberOf::Group {
                        id: *id,
                        path: path.clone(),
                    };
                    (of, path.clone())
                }
            };
            let mut sources = vec![direct];
            if inherited {
                let chain = tx.group_chain(&groups_from)?;
                let above = chain.iter().rev().map(group_of);
                sources.extend(above.filter(|g| g.path() != holder.path()));
            }
            Ok(members_of_all(tx, &sources)?)
        })
    }

    /// Take `username`'s role on a group or project away (the operator's command).
    pub fn remove_member(
        &self,
        holder: HolderRef<'_>,
        username: &str,
    ) -> Result<MemberOf, AppError> {
        self.store().write(|tx| {
            let user = tx
                .user_by_username(username)?
                .ok_or_else(|| AppError::NotFound(format!("user {username} not found")))?;
            let of = match resolve_holder(tx, holder)? {
                Holder::Group { id, path } => MemberOf::Group { id, path },
                Holder::Project { id, path } => MemberOf::Project { id, path },
            };
            if !tx.remove_membership(user.id, &of)? {
                return Err(AppError::NotFound(format!(
                    "{username} has no role of its own on {}",
                    of.path()
                )));
            }
            let event = Event::member(Action::MemberRemoved, &user, &of, None);
            self.record(tx, &Origin::cli(), &event, self.now())?;
            Ok(of)
        })
    }
}

fn group_of(g: &crate::domain::namespace::Group) -> MemberOf {
    MemberOf::Group {
        id: g.id,
        path: g.path.clone(),
    }
}

/// The members of every source, nearest first; a user listed twice keeps the highest role
/// (and where it is held). Ordered by username.
fn members_of_all<S: Reads + ?Sized>(
    tx: &mut S,
    sources: &[MemberOf],
) -> Result<Vec<Member>, StorageError> {
    let mut all: Vec<Member> = Vec::new();
    for of in sources {
        for (user, level) in tx.members_of(of)? {
            match all.iter_mut().find(|m| m.user.id == user.id) {
                Some(seen) if seen.level >= level => {}
                Some(seen) => {
                    seen.level = level;
                    seen.of = of.clone();
                }
                None => all.push(Member {
                    user,
                    level,
                    of: of.clone(),
                }),
            }
        }
    }
    all.sort_by(|a, b| a.user.username.cmp(&b.user.username));
    Ok(all)
}
