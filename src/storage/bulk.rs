//! Bulk loading, for tools that fill a database (the benchmark seeder makes a million deploy
//! tokens with it): many rows per statement inside one write transaction, so that loading costs
//! few round trips. It skips the use cases' checks (custom usernames are not compared with
//! users', holders are not resolved): callers load rows they made consistent themselves.

use super::{Backend, NewDeployToken, StorageError, Store};
use time::OffsetDateTime;

/// Loading many rows at once.
pub trait BulkWrites {
    /// Store `tokens` (each without a sealed secret); those without a username get
    /// `gitlab+deploy-token-{id}`, as one by one. Returns the first and last id given.
    fn insert_deploy_tokens(
        &mut self,
        tokens: &[NewDeployToken<'_>],
        now: OffsetDateTime,
    ) -> Result<(i64, i64), StorageError>;
}

impl Store {
    /// Run `load` in one write transaction (committed if it returns `Ok`).
    pub fn bulk<T>(
        &self,
        load: impl FnOnce(&mut dyn BulkWrites) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        match &self.backend {
            Backend::Sqlite(db) => db.bulk(load),
            Backend::Postgres(db) => db.bulk(load),
        }
    }
}
