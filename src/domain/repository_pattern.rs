//! Repository patterns: the optional per-image restriction of a deploy token. A pattern is
//! either an exact repository path (`acme/app/web`: that image only) or a path followed by
//! `/*` (`acme/app/cache/*`: every image below `acme/app/cache`, at any depth, but not
//! `acme/app/cache` itself). `*` stands for one or more whole path components and is allowed
//! only as the last component; paths follow the registry's name grammar without a host. A
//! pattern only narrows what the token's holder covers: one outside the holder is refused.

use super::namespace::repository_in;
use super::repository_name::is_repository_path;
use super::token::Holder;
use std::fmt;

/// The most patterns one token may carry (they are matched one by one on every request).
pub const MAX_PATTERNS: usize = 100;

/// Why a list of repository patterns was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// A pattern does not follow the grammar.
    #[error(
        "invalid repository pattern {0:?}: use an image path such as acme/app/web, or a path followed by /* for every image below it, such as acme/app/cache/*"
    )]
    Invalid(String),
    /// The list is empty: it would restrict the token to nothing.
    #[error("name at least one repository pattern, or leave the restriction out")]
    Empty,
    /// Too many patterns.
    #[error("at most {MAX_PATTERNS} repository patterns")]
    TooMany,
    /// A pattern reaches outside the token's project or group.
    #[error(
        "repository pattern {pattern:?} is outside {holder}: a pattern can only narrow what the token's holder covers"
    )]
    OutsideHolder {
        /// The pattern as given.
        pattern: String,
        /// The holder's path.
        holder: String,
    },
}

/// One repository pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RepositoryPattern {
    /// Exactly this repository.
    Exact(String),
    /// Every repository strictly below this path.
    Below(String),
}

impl RepositoryPattern {
    /// Parse one pattern (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<RepositoryPattern, PatternError> {
        let trimmed = text.trim();
        let pattern = match trimmed.strip_suffix("/*") {
            Some(base) => RepositoryPattern::Below(base.to_owned()),
            None => RepositoryPattern::Exact(trimmed.to_owned()),
        };
        if !is_repository_path(pattern.base()) {
            return Err(PatternError::Invalid(text.to_owned()));
        }
        Ok(pattern)
    }

    /// The path the pattern is written on (`acme/app/cache` for `acme/app/cache/*`).
    pub fn base(&self) -> &str {
        match self {
            RepositoryPattern::Exact(path) | RepositoryPattern::Below(path) => path,
        }
    }

    /// Whether `repository` (a name as the registry asks for it) matches.
    pub fn matches(&self, repository: &str) -> bool {
        match self {
            RepositoryPattern::Exact(path) => repository == path,
            RepositoryPattern::Below(base) => repository != base && repository_in(repository, base),
        }
    }

    /// Whether every repository the pattern can match lies inside what `holder` covers: a
    /// project covers its path and below; a group only what is below it (no project is
    /// named like its group).
    pub fn within(&self, holder: &Holder) -> bool {
        match (holder, self) {
            (Holder::Project { path, .. }, _) => repository_in(self.base(), path),
            (Holder::Group { path, .. }, RepositoryPattern::Exact(exact)) => {
                exact != path && repository_in(exact, path)
            }
            (Holder::Group { path, .. }, RepositoryPattern::Below(base)) => {
                repository_in(base, path)
            }
        }
    }
}

impl fmt::Display for RepositoryPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RepositoryPattern::Exact(path) => f.write_str(path),
            RepositoryPattern::Below(base) => write!(f, "{base}/*"),
        }
    }
}

/// A token's restriction: a non-empty list of patterns, without repeats, in the order given.
/// A repository is allowed when any pattern matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepositoryPatterns(Vec<RepositoryPattern>);

impl RepositoryPatterns {
    /// Parse a list of patterns; it must name at least one and at most [`MAX_PATTERNS`].
    pub fn parse<'a>(
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Result<RepositoryPatterns, PatternError> {
        let mut patterns: Vec<RepositoryPattern> = Vec::new();
        for text in texts {
            let pattern = RepositoryPattern::parse(text)?;
            if !patterns.contains(&pattern) {
                patterns.push(pattern);
            }
            if patterns.len() > MAX_PATTERNS {
                return Err(PatternError::TooMany);
            }
        }
        if patterns.is_empty() {
            return Err(PatternError::Empty);
        }
        Ok(RepositoryPatterns(patterns))
    }

    /// Read the stored form (patterns joined by `,`, which no repository name contains).
    pub fn from_stored(text: &str) -> Result<RepositoryPatterns, PatternError> {
        RepositoryPatterns::parse(text.split(','))
    }

    /// The stored form.
    pub fn to_stored(&self) -> String {
        self.names().join(",")
    }

    /// The patterns as written (`acme/app/web`, `acme/app/cache/*`).
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    /// Whether some pattern matches `repository`.
    pub fn matches(&self, repository: &str) -> bool {
        self.0.iter().any(|p| p.matches(repository))
    }

    /// Refuse the first pattern that reaches outside `holder`.
    pub fn check_within(&self, holder: &Holder) -> Result<(), PatternError> {
        match self.0.iter().find(|p| !p.within(holder)) {
            Some(outside) => Err(PatternError::OutsideHolder {
                pattern: outside.to_string(),
                holder: holder.path().to_owned(),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
#[path = "repository_pattern_tests.rs"]
mod tests;
