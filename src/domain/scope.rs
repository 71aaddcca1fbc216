//! Registry access scopes (`type[(class)]:name:actions`): parsed strictly, printed canonically.
//!
//! The type ends at the first `:` and the actions start after the last one, so a name may
//! itself hold `host:port/…`. Unknown actions are dropped, repeated ones collapse. A
//! `repository` scope must name a repository of the registry's grammar
//! ([`super::repository_name`]): any other name makes the whole request invalid.

use super::repository_name::is_repository_name;
use std::fmt;
use std::str::FromStr;

/// One action a registry token can carry on a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Read manifests and blobs.
    Pull,
    /// Upload blobs and manifests (the registry also wants `pull` for that).
    Push,
    /// Delete manifests and blobs.
    Delete,
}

impl Action {
    /// Every concrete action, in canonical order; what `*` stands for.
    pub const ALL: [Action; 3] = [Action::Pull, Action::Push, Action::Delete];

    /// The wire spelling of the action.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Pull => "pull",
            Action::Push => "push",
            Action::Delete => "delete",
        }
    }
}

/// A small ordered set of actions (a bit set, so merging and intersecting are trivial).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Actions(u8);

impl Actions {
    /// No action at all.
    pub const NONE: Actions = Actions(0);
    /// `pull`, `push` and `delete`: what `*` asks for.
    pub const ALL: Actions = Actions(0b111);

    fn bit(action: Action) -> u8 {
        match action {
            Action::Pull => 1,
            Action::Push => 2,
            Action::Delete => 4,
        }
    }

    /// This set with `action` added.
    pub fn with(self, action: Action) -> Actions {
        Actions(self.0 | Self::bit(action))
    }

    /// Whether `action` is in the set.
    pub fn contains(self, action: Action) -> bool {
        self.0 & Self::bit(action) != 0
    }

    /// Actions present in both sets.
    pub fn intersect(self, other: Actions) -> Actions {
        Actions(self.0 & other.0)
    }

    /// Actions present in either set.
    pub fn union(self, other: Actions) -> Actions {
        Actions(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The actions in canonical order (`pull`, `push`, `delete`).
    pub fn iter(self) -> impl Iterator<Item = Action> {
        Action::ALL.into_iter().filter(move |a| self.contains(*a))
    }

    /// The wire spellings, in canonical order.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Action::as_str).collect()
    }

    /// Parse a comma-separated action list: `*` means every action, unknown words are dropped.
    pub fn parse_list(list: &str) -> Actions {
        list.split(',').fold(Actions::NONE, |acc, word| match word {
            "*" => acc.union(Actions::ALL),
            "pull" => acc.with(Action::Pull),
            "push" => acc.with(Action::Push),
            "delete" => acc.with(Action::Delete),
            _ => acc,
        })
    }
}

impl fmt::Display for Actions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(","))
    }
}

/// A requested or granted resource scope, e.g. `repository:acme/app:pull,push`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceScope {
    /// `repository`, `registry`, …, with an optional `(class)` kept verbatim.
    pub resource_type: String,
    /// The resource name (a repository path, or `catalog`).
    pub name: String,
    /// Requested actions (`*` already expanded).
    pub actions: Actions,
    /// Whether the request spelled the actions as `*`: registry scopes such as
    /// `registry:catalog:*` are granted as `*`, not as expanded actions.
    pub wildcard: bool,
}

/// Why a scope string could not be parsed; holds the offending input, as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// Not `type[(class)]:name:actions`.
    #[error("invalid scope {0:?}: expected type:name:actions")]
    Malformed(String),
    /// A `repository` scope whose name is outside the registry's name grammar.
    #[error(
        "invalid scope {0:?}: not a repository name (lowercase letters and digits, joined by '.', '_', '__' or '-', in components separated by '/', at most 255 characters, optionally after host[:port]/)"
    )]
    RepositoryName(String),
}

impl ResourceScope {
    /// The type without its `(class)` suffix.
    pub fn base_type(&self) -> &str {
        self.resource_type
            .split_once('(')
            .map_or(self.resource_type.as_str(), |(t, _)| t)
    }
}

impl FromStr for ResourceScope {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ScopeError::Malformed(s.to_owned());
        let (resource_type, rest) = s.split_once(':').ok_or_else(err)?;
        let (name, actions) = rest.rsplit_once(':').ok_or_else(err)?;
        if resource_type.is_empty() || name.is_empty() || !valid_type(resource_type) {
            return Err(err());
        }
        let scope = ResourceScope {
            resource_type: resource_type.to_owned(),
            name: name.to_owned(),
            actions: Actions::parse_list(actions),
            wildcard: actions.split(',').any(|a| a == "*"),
        };
        if scope.base_type() == "repository" && !is_repository_name(name) {
            return Err(ScopeError::RepositoryName(s.to_owned()));
        }
        Ok(scope)
    }
}

/// `type` or `type(class)`, made of lowercase letters, digits and a few separators.
fn valid_type(t: &str) -> bool {
    let (base, class) = match t.split_once('(') {
        Some((base, rest)) => match rest.strip_suffix(')') {
            Some(class) if !class.is_empty() => (base, Some(class)),
            _ => return false,
        },
        None => (t, None),
    };
    let word = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    };
    word(base) && class.is_none_or(word)
}

impl fmt::Display for ResourceScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let actions = if self.wildcard {
            "*".to_owned()
        } else {
            self.actions.to_string()
        };
        write!(f, "{}:{}:{}", self.resource_type, self.name, actions)
    }
}

/// Parse every scope in `values`; each value may hold several scopes separated by spaces.
pub fn parse_all<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<ResourceScope>, ScopeError> {
    values
        .into_iter()
        .flat_map(str::split_whitespace)
        .map(str::parse)
        .collect()
}

#[cfg(test)]
#[path = "scope_tests.rs"]
mod tests;
