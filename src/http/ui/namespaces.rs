//! The dashboard (`/`, with a filter), group pages under `/groups/{path}` and project pages
//! under `/{path}` (GitLab's layout: a page below a group or project follows `/-/`). Which
//! groups and projects show, and which sections, is decided by the use cases' capability
//! checks; a section the viewer lacks the role for is a 404.

use super::pages::{DashboardPage, NamespacePage};
use super::session::{chrome, reading};
use super::views::{Crumb, HolderView, ListItem, role_name};
use super::{UiError, error::render};
use crate::app::access::{TokenManager, TokenReader};
use crate::app::acting::Acting;
use crate::app::admin::MemberManager;
use crate::app::browse::Visible;
use crate::app::registry_auth::TokenService;
use crate::domain::namespace::{Group, Project, Visibility};
use crate::domain::role::AccessLevel;
use crate::storage::Reads;
use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;

/// A group or project named by a page's URL.
#[derive(Clone, Debug)]
pub enum Target {
    /// `/groups/{path}`.
    Group(String),
    /// `/{path}`.
    Project(String),
}

impl Target {
    /// The base URL of its pages.
    pub fn url(&self) -> String {
        match self {
            Target::Group(path) => format!("/groups/{path}"),
            Target::Project(path) => format!("/{path}"),
        }
    }
}

/// A group or project the viewer may see, with what they may do there.
pub struct Resolved<'t> {
    /// How pages name it.
    pub view: HolderView,
    /// The viewer's role.
    pub role: Option<AccessLevel>,
    /// Its visibility.
    pub visibility: Visibility,
    /// The group itself (groups only), for its children.
    pub group: Option<Group>,
    /// Reading its deploy tokens (Maintainer+).
    pub reader: Option<TokenReader<'t>>,
    /// Creating and revoking its deploy tokens (Maintainer+ on projects, Owner on groups).
    pub manager: Option<TokenManager<'t>>,
    /// Managing its members (administrators).
    pub members: Option<MemberManager<'t>>,
}

/// Look `target` up for the viewer (hidden is not found) and ask for its capabilities.
pub fn resolve<'t, S: Reads + ?Sized>(
    acting: &mut Acting<'t, S>,
    target: &Target,
) -> Result<Resolved<'t>, UiError> {
    match target {
        Target::Project(path) => {
            let access = acting.project_access(path)?;
            let mut crumbs = crumbs_of(&access.namespaces);
            crumbs.push(crumb(&access.project.name, target.url()));
            let members = acting.project_member_manager(&access).ok();
            Ok(Resolved {
                view: view(
                    target,
                    "project",
                    &access.project.name,
                    &access.project.path,
                    crumbs,
                ),
                role: access.role(),
                visibility: access.project.visibility,
                group: None,
                reader: access.token_reader().ok(),
                manager: access.token_manager().ok(),
                members,
            }
            .finish())
        }
        Target::Group(path) => {
            let access = acting.group_access(path)?;
            let group = access.group().clone();
            let members = acting.group_member_manager(&access).ok();
            Ok(Resolved {
                view: view(
                    target,
                    "group",
                    &group.name,
                    &group.path,
                    crumbs_of(&access.chain),
                ),
                role: access.role(),
                visibility: group.visibility,
                reader: access.token_reader().ok(),
                manager: access.token_manager().ok(),
                group: Some(group),
                members,
            }
            .finish())
        }
    }
}

impl Resolved<'_> {
    fn finish(mut self) -> Self {
        self.view.show_settings = self.reader.is_some();
        self.view.show_members = self.members.is_some();
        self
    }
}

fn view(
    target: &Target,
    kind: &'static str,
    name: &str,
    path: &str,
    crumbs: Vec<Crumb>,
) -> HolderView {
    HolderView {
        kind,
        kind_title: if kind == "group" { "Group" } else { "Project" },
        name: name.to_owned(),
        path: path.to_owned(),
        url: target.url(),
        crumbs,
        show_settings: false,
        show_members: false,
    }
}

fn crumb(name: &str, url: String) -> Crumb {
    Crumb {
        name: name.to_owned(),
        url,
    }
}

fn crumbs_of(groups: &[Group]) -> Vec<Crumb> {
    groups
        .iter()
        .map(|g| crumb(&g.name, Target::Group(g.path.clone()).url()))
        .collect()
}

fn items(visible: Visible) -> (Vec<ListItem>, Vec<ListItem>) {
    let item = |kind, name: &str, path: &str, url: String, role: Option<AccessLevel>| ListItem {
        name: name.to_owned(),
        path: path.to_owned(),
        url,
        role: role.map(role_name),
        kind,
    };
    let groups = visible
        .groups
        .iter()
        .map(|(g, r)| {
            item(
                "group",
                &g.name,
                &g.path,
                Target::Group(g.path.clone()).url(),
                *r,
            )
        })
        .collect();
    let projects = visible
        .projects
        .iter()
        .map(|(p, r): &(Project, _)| {
            item(
                "project",
                &p.name,
                &p.path,
                Target::Project(p.path.clone()).url(),
                *r,
            )
        })
        .collect();
    (groups, projects)
}

/// `?filter=`.
#[derive(Deserialize)]
pub struct FilterQuery {
    #[serde(default)]
    filter: String,
}

/// `GET /`: the groups and projects the viewer may see, filtered by name or path.
pub async fn dashboard(
    req: HttpRequest,
    query: web::Query<FilterQuery>,
    service: web::Data<TokenService>,
) -> Result<HttpResponse, UiError> {
    let filter = query.into_inner().filter;
    let page = reading(&req, &service, move |acting, secret| {
        let (groups, projects) = items(acting.visible_namespaces(&filter)?);
        Ok(DashboardPage {
            chrome: chrome("Groups and projects", acting.caller(), secret),
            filter,
            groups,
            projects,
        })
    })
    .await?;
    render(&page)
}

/// A group's or project's overview.
pub async fn overview(
    req: HttpRequest,
    service: web::Data<TokenService>,
    target: Target,
) -> Result<HttpResponse, UiError> {
    let page = reading(&req, &service, move |acting, secret| {
        let resolved = resolve(acting, &target)?;
        let children = match &resolved.group {
            Some(group) => {
                let (mut groups, projects) = items(acting.children_of(group)?);
                groups.extend(projects);
                groups
            }
            None => Vec::new(),
        };
        Ok(NamespacePage {
            chrome: chrome(resolved.view.name.clone(), acting.caller(), secret),
            visibility: visibility_name(resolved.visibility).into(),
            role: resolved.role.map(role_name),
            holder: resolved.view,
            section: "overview",
            children,
        })
    })
    .await?;
    render(&page)
}

fn visibility_name(v: Visibility) -> &'static str {
    match v {
        Visibility::Private => "Private",
        Visibility::Internal => "Internal",
        Visibility::Public => "Public",
    }
}
