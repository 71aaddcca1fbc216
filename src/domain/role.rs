//! Roles: GitLab's access levels, and the rule that a user's role on a project or group is
//! the highest of their memberships on it and on every group above it.

use super::namespace::{ProjectFacts, repository_in};
use std::fmt;
use std::str::FromStr;

/// A role that is neither a known name nor a known access level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?}: expected guest (10), reporter (20), developer (30), maintainer (40) or owner (50)"
)]
pub struct UnknownRole(pub String);

/// GitLab's roles, ordered by power; the discriminant is GitLab's access level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    /// 10: sees the project.
    Guest = 10,
    /// 20: pulls images.
    Reporter = 20,
    /// 30: pushes images.
    Developer = 30,
    /// 40: deletes images, manages project deploy tokens.
    Maintainer = 40,
    /// 50: manages group deploy tokens.
    Owner = 50,
}

impl AccessLevel {
    /// Every role, weakest first.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::Guest,
        AccessLevel::Reporter,
        AccessLevel::Developer,
        AccessLevel::Maintainer,
        AccessLevel::Owner,
    ];

    /// The numeric access level (10…50).
    pub fn value(self) -> i64 {
        self as i64
    }

    /// The role name (`developer`).
    pub fn name(self) -> &'static str {
        match self {
            AccessLevel::Guest => "guest",
            AccessLevel::Reporter => "reporter",
            AccessLevel::Developer => "developer",
            AccessLevel::Maintainer => "maintainer",
            AccessLevel::Owner => "owner",
        }
    }

    /// The role with this numeric access level.
    pub fn from_value(value: i64) -> Option<AccessLevel> {
        AccessLevel::ALL.into_iter().find(|l| l.value() == value)
    }
}

impl FromStr for AccessLevel {
    type Err = UnknownRole;

    /// A role name in any case, or its number.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        AccessLevel::ALL
            .into_iter()
            .find(|l| l.name() == lower || l.value().to_string() == lower)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.value())
    }
}

/// Where a membership is held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberOf {
    /// A group, and so all its subgroups and projects.
    Group {
        /// Group id.
        id: i64,
        /// Group path.
        path: String,
    },
    /// One project.
    Project {
        /// Project id.
        id: i64,
        /// Project path.
        path: String,
    },
}

impl MemberOf {
    /// The full path of the group or project.
    pub fn path(&self) -> &str {
        match self {
            MemberOf::Group { path, .. } | MemberOf::Project { path, .. } => path,
        }
    }
}

/// One role of one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    /// Where.
    pub of: MemberOf,
    /// Which role.
    pub level: AccessLevel,
}

/// Every membership of one user, and the inheritance rule over them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Memberships(pub Vec<Membership>);

impl Memberships {
    /// The role on `project`: the highest of the project's own membership and those of the
    /// groups above it.
    pub fn role_on_project(&self, project: &ProjectFacts) -> Option<AccessLevel> {
        self.0
            .iter()
            .filter(|m| match &m.of {
                MemberOf::Project { id, .. } => *id == project.id,
                MemberOf::Group { path, .. } => {
                    project.path.len() > path.len() && repository_in(&project.path, path)
                }
            })
            .map(|m| m.level)
            .max()
    }

    /// The role on the group at `group_path`: the highest of its own membership and those of
    /// its ancestors. Project memberships never reach up to groups.
    pub fn role_on_group(&self, group_path: &str) -> Option<AccessLevel> {
        self.0
            .iter()
            .filter(|m| match &m.of {
                MemberOf::Group { path, .. } => repository_in(group_path, path),
                MemberOf::Project { .. } => false,
            })
            .map(|m| m.level)
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::project_facts;
    use crate::domain::namespace::Visibility;

    fn project(id: i64, path: &str) -> ProjectFacts {
        project_facts(id, path, Visibility::Private)
    }

    fn group(id: i64, path: &str, level: AccessLevel) -> Membership {
        Membership {
            of: MemberOf::Group {
                id,
                path: path.into(),
            },
            level,
        }
    }

    fn on_project(id: i64, path: &str, level: AccessLevel) -> Membership {
        Membership {
            of: MemberOf::Project {
                id,
                path: path.into(),
            },
            level,
        }
    }

    #[test]
    fn effective_role_is_the_highest_applicable_membership() {
        use AccessLevel::*;
        let api = project(1, "acme/backend/api");
        let cases: Vec<(Vec<Membership>, Option<AccessLevel>)> = vec![
            (vec![], None),
            (
                vec![on_project(1, "acme/backend/api", Developer)],
                Some(Developer),
            ),
            (vec![on_project(2, "acme/frontend/web", Owner)], None),
            (vec![group(1, "acme", Reporter)], Some(Reporter)),
            (vec![group(2, "acme/backend", Maintainer)], Some(Maintainer)),
            // a group's role reaches all projects below it, however deep
            (vec![group(1, "acme", Guest)], Some(Guest)),
            // the highest wins, whether it comes from the project or an ancestor
            (
                vec![
                    group(1, "acme", Owner),
                    on_project(1, "acme/backend/api", Guest),
                ],
                Some(Owner),
            ),
            (
                vec![
                    group(1, "acme", Reporter),
                    group(2, "acme/backend", Developer),
                    on_project(1, "acme/backend/api", Maintainer),
                ],
                Some(Maintainer),
            ),
            // siblings, lookalike prefixes and subgroups below the project's group do not count
            (vec![group(3, "acme/frontend", Owner)], None),
            (vec![group(4, "acm", Owner)], None),
            (vec![group(5, "acme/backend/api-tools", Owner)], None),
            (vec![group(6, "other", Owner)], None),
        ];
        for (memberships, expected) in cases {
            let m = Memberships(memberships.clone());
            assert_eq!(m.role_on_project(&api), expected, "{memberships:?}");
        }
    }

    #[test]
    fn group_roles_inherit_downwards_only() {
        use AccessLevel::*;
        let m = Memberships(vec![
            group(2, "acme/backend", Maintainer),
            on_project(1, "acme/backend/api", Owner),
        ]);
        assert_eq!(m.role_on_group("acme/backend"), Some(Maintainer));
        assert_eq!(m.role_on_group("acme/backend/sub"), Some(Maintainer));
        assert_eq!(m.role_on_group("acme"), None, "never upwards");
        assert_eq!(m.role_on_group("acme/backend-x"), None);
        assert_eq!(
            m.role_on_group("acme/backend/api"),
            Some(Maintainer),
            "a project membership is not a group role"
        );
    }

    #[test]
    fn access_levels_parse_by_name_or_number() {
        for (text, level) in [
            ("guest", AccessLevel::Guest),
            ("Reporter", AccessLevel::Reporter),
            ("30", AccessLevel::Developer),
            ("MAINTAINER", AccessLevel::Maintainer),
            ("50", AccessLevel::Owner),
        ] {
            assert_eq!(text.parse::<AccessLevel>(), Ok(level), "{text}");
        }
        for bad in ["admin", "15", "", "0"] {
            assert!(bad.parse::<AccessLevel>().is_err(), "{bad}");
        }
        assert_eq!(AccessLevel::from_value(40), Some(AccessLevel::Maintainer));
        assert_eq!(AccessLevel::from_value(45), None);
        assert_eq!(AccessLevel::Developer.to_string(), "developer (30)");
        assert!(AccessLevel::Reporter < AccessLevel::Developer);
    }
}
