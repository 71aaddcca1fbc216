//! Values the domain's table tests share: one clock reading, deploy tokens, projects.

use super::namespace::{ProjectFacts, RegistryAccess, Visibility};
use super::token::{DeployToken, Holder, TokenScopes};
use time::OffsetDateTime;
use time::macros::datetime;

/// The instant every table test runs at.
pub const NOW: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

/// An active deploy token that never expires.
pub fn deploy_token(
    id: i64,
    name: &str,
    username: &str,
    holder: Holder,
    scopes: &[&str],
) -> DeployToken {
    DeployToken {
        id,
        name: name.into(),
        username: username.into(),
        holder,
        scopes: TokenScopes::parse(scopes.iter().copied()).unwrap(),
        expires_at: None,
        revoked: false,
        created_at: datetime!(2026-01-01 0:00 UTC),
    }
}

/// A project with its registry enabled.
pub fn project_facts(id: i64, path: &str, visibility: Visibility) -> ProjectFacts {
    ProjectFacts {
        id,
        path: path.into(),
        visibility,
        registry: RegistryAccess::Enabled,
    }
}
