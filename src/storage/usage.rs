//! Last use of tokens: recorded in batches, never on the request path. A recorded instant
//! only moves forward, so replicas flushing in any order keep the latest use.

use super::StorageError;
use time::OffsetDateTime;

/// A token whose use is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UsedToken {
    /// A deploy token, by id.
    Deploy(i64),
    /// A personal access token, by id.
    Personal(i64),
}

/// Recording when tokens were last used.
pub trait UsageWrites {
    /// Set each token's `last_used_at` to its instant, unless a later one is recorded
    /// already; unknown ids are skipped. Returns how many rows changed.
    fn record_last_used(
        &mut self,
        uses: &[(UsedToken, OffsetDateTime)],
    ) -> Result<usize, StorageError>;
}
