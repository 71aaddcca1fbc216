//! What the pages show, as plain values, and the templates (`templates/`, checked when the
//! crate compiles) that render them. Every value is escaped by the templates; nothing here
//! is HTML.

use crate::domain::role::AccessLevel;
use crate::domain::token::TokenScope;
use crate::domain::user::PatScope;
use time::OffsetDateTime;

/// What every page has: its title, the signed-in user (if any) and the form token.
pub struct Chrome {
    /// `<title>`.
    pub title: String,
    /// Who is signed in.
    pub user: Option<UserView>,
    /// The form token every state-changing form carries.
    pub csrf: String,
}

/// The signed-in user, as the header shows them.
pub struct UserView {
    /// Username.
    pub username: String,
    /// Whether the Admin link shows.
    pub is_admin: bool,
}

/// One link of a breadcrumb.
pub struct Crumb {
    /// Link text.
    pub name: String,
    /// Target.
    pub url: String,
}

/// A group or project as its pages name it.
pub struct HolderView {
    /// `group` or `project`.
    pub kind: &'static str,
    /// `Group` or `Project`.
    pub kind_title: &'static str,
    /// Display name.
    pub name: String,
    /// Full path.
    pub path: String,
    /// Base URL of its pages (`/groups/acme`, `/acme/app`).
    pub url: String,
    /// Breadcrumb, outermost first, itself last.
    pub crumbs: Vec<Crumb>,
    /// Whether Settings › Repository shows (deploy tokens readable).
    pub show_settings: bool,
    /// Whether Members shows (administrators).
    pub show_members: bool,
}

/// A namespace in a list.
pub struct ListItem {
    /// Display name.
    pub name: String,
    /// Full path.
    pub path: String,
    /// Its page.
    pub url: String,
    /// The viewer's role, if any.
    pub role: Option<String>,
    /// `group` or `project`.
    pub kind: &'static str,
}

/// Field errors of a form: the message next to each field, if any.
#[derive(Default)]
pub struct FieldErrors {
    /// Name.
    pub name: Option<String>,
    /// Expiration date.
    pub expires_at: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Scopes.
    pub scopes: Option<String>,
}

impl FieldErrors {
    /// Put `message` next to the field the use case named.
    pub fn set(&mut self, field: &str, message: String) {
        let slot = match field {
            "name" => &mut self.name,
            "expires_at" => &mut self.expires_at,
            "username" => &mut self.username,
            "password" => &mut self.password,
            _ => &mut self.scopes,
        };
        *slot = Some(message);
    }
}

/// A scope checkbox.
pub struct ScopeChoice {
    /// The scope word (value and label).
    pub word: &'static str,
    /// What it allows.
    pub description: &'static str,
    /// Whether it is ticked.
    pub checked: bool,
}

/// The five deploy-token scopes with the document's descriptions, ticked as `chosen` says.
pub fn deploy_scopes(chosen: &[String]) -> Vec<ScopeChoice> {
    TokenScope::ALL
        .into_iter()
        .map(|scope| ScopeChoice {
            word: scope.as_str(),
            description: match scope {
                TokenScope::ReadRepository => {
                    "Allows read-only access to the repository with git clone."
                }
                TokenScope::ReadRegistry => {
                    "Allows read-only access to the images in the project's container registry."
                }
                TokenScope::WriteRegistry => {
                    "Allows write access (push) to the project's container registry."
                }
                TokenScope::ReadPackageRegistry => {
                    "Allows read-only access to the project's package registry."
                }
                TokenScope::WritePackageRegistry => {
                    "Allows write access to the project's package registry."
                }
            },
            checked: chosen.iter().any(|c| c == scope.as_str()),
        })
        .collect()
}

/// The four personal-access-token scopes, ticked as `chosen` says.
pub fn personal_scopes(chosen: &[String]) -> Vec<ScopeChoice> {
    PatScope::ALL
        .into_iter()
        .map(|scope| ScopeChoice {
            word: scope.as_str(),
            description: match scope {
                PatScope::Api => "Full read and write access to the API, and the registry.",
                PatScope::ReadApi => "Read access to the API.",
                PatScope::ReadRegistry => "Pull from container registries you can see.",
                PatScope::WriteRegistry => "Push to (and pull from) container registries.",
            },
            checked: chosen.iter().any(|c| c == scope.as_str()),
        })
        .collect()
}

/// What a token form holds: the values typed, the errors, whether it is open.
#[derive(Default)]
pub struct TokenForm {
    /// Name.
    pub name: String,
    /// Expiration date as typed.
    pub expires_at: String,
    /// Username (deploy tokens).
    pub username: String,
    /// The checkboxes.
    pub scopes: Vec<ScopeChoice>,
    /// Errors next to the fields.
    pub errors: FieldErrors,
    /// Whether the form is expanded (it is after an error).
    pub open: bool,
}

/// A just-created secret, shown once.
pub struct CreatedView {
    /// Token name.
    pub name: String,
    /// Username (deploy tokens).
    pub username: String,
    /// The secret.
    pub token: String,
}

/// A token row of a table.
pub struct TokenRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Username (deploy tokens).
    pub username: String,
    /// Creation date.
    pub created: String,
    /// Expiry date, or "Never".
    pub expires: String,
    /// Date of the last use, or "Never".
    pub last_used: String,
    /// Scopes, comma-separated.
    pub scopes: String,
    /// "Revoked" or "Expired" (inactive rows).
    pub status: &'static str,
}

/// `YYYY-MM-DD` of an instant (UTC).
pub fn date(t: OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// An expiry as a table shows it.
pub fn expiry(t: Option<OffsetDateTime>) -> String {
    t.map_or_else(|| "Never".to_owned(), date)
}

/// A last use as a table shows it.
pub fn last_use(t: Option<OffsetDateTime>) -> String {
    // Same shape as an expiry: a date, or "Never".
    expiry(t)
}

/// A role as a badge shows it (`Maintainer`).
pub fn role_name(level: AccessLevel) -> String {
    let name = level.name();
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// A user row of the admin table.
pub struct UserRow {
    /// Username.
    pub username: String,
    /// Creation date.
    pub created: String,
    /// Administrator.
    pub is_admin: bool,
    /// Blocked.
    pub blocked: bool,
    /// The viewer themselves.
    pub is_self: bool,
}

/// The new-user form.
#[derive(Default)]
pub struct UserForm {
    /// Username typed.
    pub username: String,
    /// Administrator ticked.
    pub admin: bool,
    /// Errors.
    pub errors: FieldErrors,
    /// Expanded.
    pub open: bool,
}

/// A role in a `<select>`.
pub struct RoleOption {
    /// Access level number.
    pub value: i64,
    /// `Developer`.
    pub label: String,
}

/// A member row.
pub struct MemberRow {
    /// Username.
    pub username: String,
    /// Access level number.
    pub role: i64,
}

/// The add-member form.
#[derive(Default)]
pub struct MemberForm {
    /// Username typed.
    pub username: String,
    /// Role chosen.
    pub role: i64,
    /// Errors.
    pub errors: FieldErrors,
}

/// Every role, for `<select>`s.
pub fn role_options() -> Vec<RoleOption> {
    AccessLevel::ALL
        .into_iter()
        .map(|l| RoleOption {
            value: l.value(),
            label: role_name(l),
        })
        .collect()
}
