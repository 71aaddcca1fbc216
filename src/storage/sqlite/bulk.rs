//! Bulk loading on SQLite: one immediate transaction, one cached statement run per row
//! (SQLite has no round trips to save), ids taken from the table's AUTOINCREMENT sequence.

use super::{Database, Tx, to_unix};
use crate::domain::repository_pattern::RepositoryPatterns;
use crate::domain::token::{Holder, default_username};
use crate::storage::StorageError;
use crate::storage::bulk::BulkWrites;
use crate::storage::tokens::NewDeployToken;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

impl Database {
    /// Run `load` in one immediate transaction.
    pub fn bulk<T>(
        &self,
        load: impl FnOnce(&mut dyn BulkWrites) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let mut conn = self.pool.get()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = load(&mut Tx(&tx))?;
        tx.commit()?;
        Ok(value)
    }
}

impl BulkWrites for Tx<'_> {
    fn insert_deploy_tokens(
        &mut self,
        tokens: &[NewDeployToken<'_>],
        now: OffsetDateTime,
    ) -> Result<(i64, i64), StorageError> {
        // The write lock is held: the ids after the sequence's last one are this batch's.
        let last: Option<i64> = self
            .0
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'deploy_tokens'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let first = last.unwrap_or(0) + 1;
        let mut insert = self.0.prepare_cached(
            "INSERT INTO deploy_tokens (id, project_id, group_id, name, username, digest, scopes, \
             expires_at, created_at, repositories) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let mut id = first;
        for new in tokens {
            let (project_id, group_id) = match new.holder {
                Holder::Project { id, .. } => (Some(*id), None),
                Holder::Group { id, .. } => (None, Some(*id)),
            };
            let username = new
                .username
                .map_or_else(|| default_username(id), str::to_owned);
            insert.execute(params![
                id,
                project_id,
                group_id,
                new.name,
                username,
                &new.digest.0[..],
                new.scopes.to_stored(),
                new.expires_at.map(to_unix),
                to_unix(now),
                new.repositories.map(RepositoryPatterns::to_stored)
            ])?;
            id += 1;
        }
        Ok((first, id - 1))
    }
}
