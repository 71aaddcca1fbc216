//! Dependency proxy (pull-through cache) rules: only an active group deploy token holding both
//! `read_registry` and `write_registry`, whose group covers the proxy's group, may pull; and
//! pulling is all it ever gets, because the cache is read-only. A token restricted to
//! repository patterns pulls only the images whose path inside the group they match.

use super::authz::{AUTHENTICATION_REQUIRED, BAD_CREDENTIALS, Credential, Granted, Refusal};
use super::coverage::{Coverage, Target, coverage};
use super::scope::{Action, Actions, ResourceScope};
use super::token::{Holder, TokenScope};
use std::borrow::Cow;
use time::OffsetDateTime;

/// The path segment GitLab puts between a group and a proxied image:
/// `<group>/dependency_proxy/containers/<image>`.
const GITLAB_PROXY_SEGMENT: &str = "/dependency_proxy/containers/";

/// One configured dependency-proxy service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyService {
    /// The registry's `auth.token.service`, the JWT `aud`.
    pub service: String,
    /// The group the proxy belongs to; `None` lets any group token in.
    pub group: Option<String>,
}

/// The group a GitLab-style proxy name belongs to (`acme/dependency_proxy/containers/alpine`
/// → `acme`), or `None` for a plain image name.
pub fn gitlab_group(name: &str) -> Option<&str> {
    name.find(GITLAB_PROXY_SEGMENT)
        .map(|at| &name[..at])
        .filter(|group| !group.is_empty())
}

/// Decide what `credential` gets from the proxy `proxy`.
pub fn grant_proxy(
    requested: &[ResourceScope],
    credential: Credential<'_>,
    proxy: &ProxyService,
    now: OffsetDateTime,
) -> Result<Granted, Refusal> {
    let token = match credential {
        Credential::Anonymous => return Err(Refusal::Unauthorized(AUTHENTICATION_REQUIRED)),
        Credential::DeployToken(token) if !token.is_active(now) => {
            return Err(Refusal::Unauthorized(BAD_CREDENTIALS));
        }
        Credential::DeployToken(token) => token,
        Credential::User(user) if !user.token.is_active(now) => {
            return Err(Refusal::Unauthorized(BAD_CREDENTIALS));
        }
        Credential::User(_) => {
            return Err(Refusal::Denied(
                "the dependency proxy needs a group deploy token; personal access tokens are not accepted there".into(),
            ));
        }
    };
    let Holder::Group {
        path: token_group, ..
    } = &token.holder
    else {
        return Err(Refusal::Denied(
            "the dependency proxy needs a group deploy token; this is a project deploy token"
                .into(),
        ));
    };
    let missing: Vec<&str> = [TokenScope::ReadRegistry, TokenScope::WriteRegistry]
        .into_iter()
        .filter(|s| !token.scopes.has(*s))
        .map(TokenScope::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Refusal::Denied(format!(
            "the dependency proxy needs a deploy token with both read_registry and write_registry; this one lacks {}",
            missing.join(" and ")
        )));
    }
    let group = proxy.group.as_deref();
    if let Some(group) = group
        && coverage(
            token,
            Target::ProxyImage {
                group: Some(group),
                image: None,
            },
        ) == Coverage::OutsideHolder
    {
        return Err(not_covered(token_group, group));
    }
    let mut pulls = Vec::new();
    for scope in requested.iter().filter(|s| s.base_type() == "repository") {
        let group = gitlab_group(&scope.name).or(proxy.group.as_deref());
        let image = image_path(&scope.name, proxy);
        let target = Target::ProxyImage {
            group,
            image: image.as_deref(),
        };
        let allowed = match coverage(token, target) {
            Coverage::OutsideHolder => {
                return Err(not_covered(token_group, group.unwrap_or_default()));
            }
            // Like the registry: nothing granted, and the proxy itself answers "denied".
            Coverage::OutsideRestriction => Actions::NONE,
            Coverage::Covered => Actions::NONE.with(Action::Pull),
        };
        pulls.push((scope, scope.actions.intersect(allowed)));
    }
    Ok(Granted::new(credential, pulls.into_iter()))
}

/// The path of a proxied image inside its group, as GitLab names it: a GitLab-style name
/// is one already; a plain name (`library/alpine`) gets the proxy's group in front
/// (`acme/dependency_proxy/containers/library/alpine`); without a group it has none.
/// Repository patterns are matched against this path.
pub fn image_path<'a>(name: &'a str, proxy: &ProxyService) -> Option<Cow<'a, str>> {
    if gitlab_group(name).is_some() {
        return Some(Cow::Borrowed(name));
    }
    let group = proxy.group.as_deref()?;
    Some(Cow::Owned(format!("{group}{GITLAB_PROXY_SEGMENT}{name}")))
}

fn not_covered(token_group: &str, group: &str) -> Refusal {
    Refusal::Denied(format!(
        "this deploy token belongs to group {token_group}, which does not cover the dependency proxy of group {group}"
    ))
}

#[cfg(test)]
#[path = "proxy_tests.rs"]
mod tests;
