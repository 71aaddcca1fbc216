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
        repositories: None,
        last_used_at: None,
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

/// Projects of every visibility and registry level under `acme`, nested ones, and `other/app`.
pub fn projects() -> Vec<ProjectFacts> {
    let p = |id, path: &str, visibility, registry| ProjectFacts {
        id,
        path: path.into(),
        visibility,
        registry,
    };
    use RegistryAccess as R;
    use Visibility as V;
    vec![
        p(1, "acme/backend/api", V::Private, R::Enabled),
        p(2, "acme/frontend/web", V::Private, R::Enabled),
        p(3, "acme/pub", V::Public, R::Enabled),
        p(4, "acme/pubpriv", V::Public, R::Private),
        p(5, "acme/off", V::Public, R::Disabled),
        p(6, "acme/internal", V::Internal, R::Enabled),
        p(7, "acme/backend/sub/deep", V::Private, R::Enabled),
        p(8, "other/app", V::Private, R::Enabled),
    ]
}
