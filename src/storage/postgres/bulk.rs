//! Bulk loading on PostgreSQL: the write transaction of every write (with the write lock), ids
//! drawn from the identity sequence in one query, and the rows sent as arrays to one
//! `INSERT … SELECT FROM unnest(…)`: two round trips per batch instead of three per row.

use super::{Conn, Database, Tx, to_unix};
use crate::domain::repository_pattern::RepositoryPatterns;
use crate::domain::token::{Holder, default_username};
use crate::storage::StorageError;
use crate::storage::bulk::BulkWrites;
use crate::storage::tokens::NewDeployToken;
use postgres::IsolationLevel;
use time::OffsetDateTime;

impl Database {
    /// Run `load` in one READ COMMITTED transaction holding the write lock (and raising the
    /// write counter, like every write).
    pub fn bulk<T>(
        &self,
        load: impl FnOnce(&mut dyn BulkWrites) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let mut conn = self.pool().get()?;
        let Conn { client, statements } = &mut *conn;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()?;
        let mut handle = Tx { tx, statements };
        handle.lock_and_count()?;
        let value = load(&mut handle)?;
        handle.tx.commit()?;
        Ok(value)
    }
}

impl BulkWrites for Tx<'_> {
    fn insert_deploy_tokens(
        &mut self,
        tokens: &[NewDeployToken<'_>],
        now: OffsetDateTime,
    ) -> Result<(i64, i64), StorageError> {
        let count = i64::try_from(tokens.len()).map_err(|_| StorageError::Corrupt("count"))?;
        let ids: Vec<i64> = self
            .rows(
                "SELECT nextval(pg_get_serial_sequence('deploy_tokens', 'id')) \
                 FROM generate_series(1, $1::bigint)",
                &[&count],
            )?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let mut columns = Columns::default();
        for (new, &id) in tokens.iter().zip(&ids) {
            columns.push(new, id);
        }
        let created = vec![to_unix(now); tokens.len()];
        self.run(
            "INSERT INTO deploy_tokens (id, project_id, group_id, name, username, digest, scopes, \
             expires_at, created_at, repositories) OVERRIDING SYSTEM VALUE \
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], \
             $5::text[], $6::bytea[], $7::text[], $8::bigint[], $9::bigint[], $10::text[])",
            &[
                &ids,
                &columns.project_id,
                &columns.group_id,
                &columns.name,
                &columns.username,
                &columns.digest,
                &columns.scopes,
                &columns.expires_at,
                &created,
                &columns.repositories,
            ],
        )?;
        Ok((
            ids.first().copied().unwrap_or(0),
            ids.last().copied().unwrap_or(-1),
        ))
    }
}

/// The rows of one batch, column by column (what `unnest` takes).
#[derive(Default)]
struct Columns {
    project_id: Vec<Option<i64>>,
    group_id: Vec<Option<i64>>,
    name: Vec<String>,
    username: Vec<String>,
    digest: Vec<Vec<u8>>,
    scopes: Vec<String>,
    expires_at: Vec<Option<i64>>,
    repositories: Vec<Option<String>>,
}

impl Columns {
    fn push(&mut self, new: &NewDeployToken<'_>, id: i64) {
        let (project_id, group_id) = match new.holder {
            Holder::Project { id, .. } => (Some(*id), None),
            Holder::Group { id, .. } => (None, Some(*id)),
        };
        self.project_id.push(project_id);
        self.group_id.push(group_id);
        self.name.push(new.name.to_owned());
        self.username.push(
            new.username
                .map_or_else(|| default_username(id), str::to_owned),
        );
        self.digest.push(new.digest.0.to_vec());
        self.scopes.push(new.scopes.to_stored());
        self.expires_at.push(new.expires_at.map(to_unix));
        self.repositories
            .push(new.repositories.map(RepositoryPatterns::to_stored));
    }
}
