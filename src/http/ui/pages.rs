//! The pages: one template struct per file in `templates/`, checked when the crate
//! compiles. Templates escape every value they print.

use super::views::{
    Chrome, CreatedView, HolderView, ListItem, MemberForm, MemberRow, RoleOption, TokenForm,
    TokenRow, UserForm, UserRow,
};
use askama::Template;

/// The sign-in page.
#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    /// Chrome.
    pub chrome: Chrome,
    /// The username typed.
    pub username: String,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Whether the user just signed out.
    pub signed_out: bool,
}

/// A message page (errors, not found).
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    /// Chrome.
    pub chrome: Chrome,
    /// Heading.
    pub heading: String,
    /// Text.
    pub message: String,
    /// Link target.
    pub back: String,
    /// Link text.
    pub back_label: String,
}

/// The dashboard.
#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    /// Chrome.
    pub chrome: Chrome,
    /// The filter typed.
    pub filter: String,
    /// Visible groups.
    pub groups: Vec<ListItem>,
    /// Visible projects.
    pub projects: Vec<ListItem>,
}

/// A group's or project's overview.
#[derive(Template)]
#[template(path = "namespace.html")]
pub struct NamespacePage {
    /// Chrome.
    pub chrome: Chrome,
    /// The group or project.
    pub holder: HolderView,
    /// Which side link is current.
    pub section: &'static str,
    /// `Private`, `Internal` or `Public`.
    pub visibility: String,
    /// The viewer's role.
    pub role: Option<String>,
    /// Subgroups and projects (groups only).
    pub children: Vec<ListItem>,
}

/// Settings › Repository › Deploy tokens.
#[derive(Template)]
#[template(path = "deploy_tokens.html")]
pub struct DeployTokensPage {
    /// Chrome.
    pub chrome: Chrome,
    /// The group or project.
    pub holder: HolderView,
    /// Which side link is current.
    pub section: &'static str,
    /// Whether the viewer may create and revoke.
    pub can_manage: bool,
    /// The form.
    pub form: TokenForm,
    /// A token just created.
    pub created: Option<CreatedView>,
    /// A notice (revoked).
    pub notice: Option<String>,
    /// Active tokens.
    pub active: Vec<TokenRow>,
    /// Revoked and expired tokens.
    pub inactive: Vec<TokenRow>,
}

/// A confirmation step before a destructive action (works without JavaScript).
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    /// Chrome.
    pub chrome: Chrome,
    /// Heading.
    pub heading: String,
    /// What will happen.
    pub message: String,
    /// Where the form posts.
    pub action: String,
    /// Button text.
    pub button: String,
    /// Where Cancel goes.
    pub cancel: String,
}

/// The signed-in user's personal access tokens.
#[derive(Template)]
#[template(path = "personal_tokens.html")]
pub struct PersonalTokensPage {
    /// Chrome.
    pub chrome: Chrome,
    /// The form.
    pub form: TokenForm,
    /// A token just created.
    pub created: Option<CreatedView>,
    /// A notice (revoked).
    pub notice: Option<String>,
    /// Active tokens.
    pub active: Vec<TokenRow>,
    /// Revoked and expired tokens.
    pub inactive: Vec<TokenRow>,
}

/// Admin › Users.
#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct AdminUsersPage {
    /// Chrome.
    pub chrome: Chrome,
    /// The form.
    pub form: UserForm,
    /// The password rule, under the field.
    pub password_rule: &'static str,
    /// A notice.
    pub notice: Option<String>,
    /// Every user.
    pub users: Vec<UserRow>,
}

/// A group's or project's members (administrators).
#[derive(Template)]
#[template(path = "members.html")]
pub struct MembersPage {
    /// Chrome.
    pub chrome: Chrome,
    /// The group or project.
    pub holder: HolderView,
    /// Which side link is current.
    pub section: &'static str,
    /// The form.
    pub form: MemberForm,
    /// A notice.
    pub notice: Option<String>,
    /// Roles to choose from.
    pub roles: Vec<RoleOption>,
    /// Direct members.
    pub members: Vec<MemberRow>,
}
