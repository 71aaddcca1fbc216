//! Last use of tokens in PostgreSQL: one UPDATE per token in the caller's transaction, and
//! an instant only ever moves forward (replicas flush in any order).

use super::{Tx, to_unix};
use crate::storage::{StorageError, UsageWrites, UsedToken};
use time::OffsetDateTime;

impl UsageWrites for Tx<'_> {
    fn record_last_used(
        &mut self,
        uses: &[(UsedToken, OffsetDateTime)],
    ) -> Result<usize, StorageError> {
        let mut changed = 0;
        for (token, at) in uses {
            let (sql, id) = match token {
                UsedToken::Deploy(id) => (
                    "UPDATE deploy_tokens SET last_used_at = $1 \
                     WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
                    id,
                ),
                UsedToken::Personal(id) => (
                    "UPDATE personal_access_tokens SET last_used_at = $1 \
                     WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
                    id,
                ),
            };
            changed += self.run(sql, &[&to_unix(*at), id])?;
        }
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }
}
