//! Sets of named token scopes (deploy-token and personal-access-token scopes alike): parsed
//! from their words, kept sorted without repeats, never empty.

/// A scope word of one kind of token.
pub trait ScopeWord: Copy + Ord + 'static {
    /// Every scope of this kind, in canonical order.
    const WORDS: &'static [Self];
    /// What a bad word or an empty list is reported as.
    type Error;
    /// The API spelling.
    fn as_str(self) -> &'static str;
    /// The error for a word that is no scope of this kind.
    fn unknown(word: &str) -> Self::Error;
    /// The error for a list without any scope.
    fn none() -> Self::Error;
}

/// The scope spelled `word`.
pub fn parse_word<S: ScopeWord>(word: &str) -> Result<S, S::Error> {
    S::WORDS
        .iter()
        .copied()
        .find(|scope| scope.as_str() == word)
        .ok_or_else(|| S::unknown(word))
}

/// A non-empty set of scopes, sorted, without repeats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeSet<S>(Vec<S>);

impl<S: ScopeWord> ScopeSet<S> {
    /// Validate a list of scope words (at least one, all known; blanks ignored).
    pub fn parse<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<ScopeSet<S>, S::Error> {
        let mut scopes = words
            .into_iter()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(parse_word)
            .collect::<Result<Vec<S>, _>>()?;
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(S::none());
        }
        Ok(ScopeSet(scopes))
    }

    /// Whether `scope` is held.
    pub fn has(&self, scope: S) -> bool {
        self.0.contains(&scope)
    }

    /// The API spellings, canonical order.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|s| s.as_str()).collect()
    }

    /// Stored form: the spellings joined by commas.
    pub fn to_stored(&self) -> String {
        self.names().join(",")
    }
}
