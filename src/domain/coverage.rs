//! Coverage: the one rule for "does this deploy token reach this?". The token's holder must
//! cover the target (a project token its project, a group token every project and proxy of
//! its group and subgroups), and a token restricted to repository patterns reaches only the
//! images they match. Registry grants, the dependency proxy and forward auth all ask here.
//! Forward auth's targets are whole projects (Git, packages), never images, so a restricted
//! token reaches none of them.

use super::namespace::{ProjectFacts, repository_in};
use super::token::{DeployToken, Holder};

/// What a deploy token is asked to reach.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// An image of the container registry, in the project that owns it.
    Image {
        /// The project owning the repository (longest path prefix).
        project: &'a ProjectFacts,
        /// The repository name as the registry asks for it.
        repository: &'a str,
    },
    /// A project as a whole: its Git repository and packages.
    Project(&'a ProjectFacts),
    /// An image behind a dependency proxy.
    ProxyImage {
        /// The group the proxy (or the GitLab-style image name) belongs to; `None` when the
        /// proxy belongs to no group, which any group token may use.
        group: Option<&'a str>,
        /// The image's path inside the group (`acme/dependency_proxy/containers/alpine`), if
        /// it has one; `None` also asks about the proxy itself.
        image: Option<&'a str>,
    },
}

/// The answer, saying which half of the rule failed (for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// The token reaches the target.
    Covered,
    /// The token's holder does not cover the target.
    OutsideHolder,
    /// The holder covers it, but the token's repository patterns do not match it.
    OutsideRestriction,
}

/// Decide whether `token` reaches `target`.
pub fn coverage(token: &DeployToken, target: Target<'_>) -> Coverage {
    if !holder_covers(&token.holder, target) {
        return Coverage::OutsideHolder;
    }
    let Some(patterns) = &token.repositories else {
        return Coverage::Covered;
    };
    let image = match target {
        Target::Image { repository, .. } => Some(repository),
        Target::Project(_) => None,
        Target::ProxyImage { image, .. } => image,
    };
    if image.is_some_and(|image| patterns.matches(image)) {
        Coverage::Covered
    } else {
        Coverage::OutsideRestriction
    }
}

/// [`coverage`] as a yes or no.
pub fn covers(token: &DeployToken, target: Target<'_>) -> bool {
    coverage(token, target) == Coverage::Covered
}

/// The holder half: a project token covers its own project (by id); a group token the
/// projects strictly below its group, and the proxies of its group and subgroups.
fn holder_covers(holder: &Holder, target: Target<'_>) -> bool {
    let project = match target {
        Target::Image { project, .. } | Target::Project(project) => project,
        Target::ProxyImage { group, .. } => {
            return match holder {
                Holder::Project { .. } => false,
                Holder::Group { path, .. } => group.is_none_or(|g| repository_in(g, path)),
            };
        }
    };
    match holder {
        Holder::Project { id, .. } => *id == project.id,
        Holder::Group { path, .. } => {
            repository_in(&project.path, path) && project.path.len() > path.len()
        }
    }
}

#[cfg(test)]
#[path = "coverage_tests.rs"]
mod tests;
