//! The PostgreSQL backend: a pool of connections (the synchronous `postgres` driver under
//! r2d2), each with its own cache of prepared statements. It owns connections and
//! transactions; the area modules implement the storage traits on [`Tx`].
//!
//! How writes stay as safe as on SQLite, whose `BEGIN IMMEDIATE` makes every write
//! transaction wait for the one before it: a use case reads its checks (a role, a username
//! taken by a login of the other kind) and then writes what they guard, so a second writer
//! must not slip in between. Every write transaction here first takes one transaction-level
//! advisory lock ([`WRITE_LOCK`]) and runs at READ COMMITTED, where each statement sees
//! everything committed before it started, so the checks read after the lock see every
//! write that finished before it: the same order as SQLite, across every replica on the
//! database. SERIALIZABLE would not do: a create that read a role before a concurrent
//! demotion committed would be serialized before it and succeed, where SQLite (and the
//! tests) judge it by the lowered role; and row locks (`FOR SHARE`) cannot lock the absence
//! of a row, which the username check reads. Writes are rare and short next to token
//! issuance, which only reads: read transactions take no lock and see one snapshot
//! (REPEATABLE READ, READ ONLY).

mod accounts;
mod audit;
mod bulk;
mod lifecycle;
mod namespaces;
mod pool;
mod tls;
mod tokens;
mod usage;
mod users;
mod webhooks;

pub use tokens::LOGIN_QUERY;

use super::location::PostgresUrl;
use super::migrations;
use super::{BackendError, Reads, StorageError, Writes};
use pool::{Conn, Manager, Pool, prepared};
use postgres::types::ToSql;
use postgres::{Client, IsolationLevel, Row, Statement};
use r2d2_postgres::PostgresConnectionManager;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// The advisory lock every write transaction (and the migration) holds until it ends. Its
/// key is "regauth" in ASCII; advisory locks are per database, so regauth databases that
/// share a server do not wait for each other.
pub const WRITE_LOCK: i64 = 0x0072_6567_6175_7468;

/// Connections per process: enough for the blocking threads that run transactions.
const POOL_SIZE: u32 = 16;

impl From<postgres::Error> for StorageError {
    fn from(e: postgres::Error) -> Self {
        StorageError::Database(BackendError::new(e))
    }
}

/// A PostgreSQL database: a pool of connections to it.
#[derive(Clone)]
pub struct Database {
    pool: Arc<Pool>,
}

/// The handle a transaction's closure works through.
pub struct Tx<'c> {
    tx: postgres::Transaction<'c>,
    statements: &'c mut HashMap<&'static str, Statement>,
}

impl Database {
    /// Connect to the database at `url` and bring its schema up to date. The first
    /// connection is made directly, so a wrong password or host fails at once with the
    /// server's own message.
    pub fn open(url: &PostgresUrl) -> Result<Database, StorageError> {
        let tls = tls::connector(url)?;
        let manager = Manager(PostgresConnectionManager::new(url.config.clone(), tls));
        // On a thread of its own, like every drop of a connection (see [`Pool`]).
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let mut first = r2d2::ManageConnection::connect(&manager)
                        .map_err(|e| StorageError::Unavailable(e.0))?;
                    migrate(&mut first.client)
                })
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })?;
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            // Connections are made when needed, so a CLI command opens one, not sixteen.
            .min_idle(Some(0))
            // During an outage a request fails within seconds rather than hanging.
            .connection_timeout(Duration::from_secs(5))
            // No test query on every checkout (a round trip per transaction): a connection
            // the server closed fails one transaction and is then dropped (`has_broken`).
            .test_on_check_out(false)
            .build_unchecked(manager);
        Ok(Database {
            pool: Arc::new(Pool(Some(pool))),
        })
    }

    /// Run `read` in one REPEATABLE READ, READ ONLY transaction: its lookups see one
    /// snapshot, and take no lock.
    pub fn read<T, E: From<StorageError>>(
        &self,
        read: impl FnOnce(&mut dyn Reads) -> Result<T, E>,
    ) -> Result<T, E> {
        self.transaction(begin_read, |tx| read(tx))
    }

    /// Run `write` in one READ COMMITTED transaction holding [`WRITE_LOCK`] (the module's
    /// comment says why): committed if it returns `Ok`, rolled back otherwise.
    pub fn write<T, E: From<StorageError>>(
        &self,
        write: impl FnOnce(&mut dyn Writes) -> Result<T, E>,
    ) -> Result<T, E> {
        self.transaction(begin_write, |tx| {
            tx.lock_and_count()?;
            write(tx)
        })
    }

    /// The write counter ([`CHANGES_QUERY`]): one small query outside any transaction,
    /// on a live connection ([`Database::on_live_connection`]).
    pub fn changes(&self) -> Result<i64, StorageError> {
        self.on_live_connection(|Conn { client, statements }| {
            let statement = prepared(client, statements, CHANGES_QUERY)?;
            let row = client.query_one(&statement, &[])?;
            Ok(row.try_get(0).map_err(StorageError::from))
        })
    }

    /// Begin a transaction with `begin` on a live connection, run `body`, commit if it
    /// returned `Ok`. Dropping the transaction (on an error or a panic) rolls it back.
    fn transaction<T, E: From<StorageError>>(
        &self,
        begin: fn(&mut Client) -> Result<postgres::Transaction<'_>, postgres::Error>,
        body: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut body = Some(body);
        self.on_live_connection(|Conn { client, statements }| {
            let tx = begin(client)?;
            let mut handle = Tx { tx, statements };
            let body = body.take().expect("the body runs at most once");
            Ok(body(&mut handle).and_then(|value| {
                handle.tx.commit().map_err(StorageError::from)?;
                Ok(value)
            }))
        })
    }

    /// Run `first` on a pooled connection; what it returns as `Ok` is the answer. A
    /// connection the server closed while it sat in the pool (a restart, a failover, an
    /// idle timeout) fails `first`'s opening statement, before anything ran: it is dropped
    /// (r2d2 sees it closed) and the next one is tried, so a restarted server costs no
    /// failed request and the pool needs no test query on every checkout.
    fn on_live_connection<T, E: From<StorageError>>(
        &self,
        mut first: impl FnMut(&mut Conn) -> Result<Result<T, E>, postgres::Error>,
    ) -> Result<T, E> {
        let mut stale = 0;
        loop {
            let mut conn = self.pool().get().map_err(StorageError::from)?;
            let failed = match first(&mut conn) {
                Ok(answer) => return answer,
                Err(e) => e,
            };
            if !conn.client.is_closed() || stale == POOL_SIZE {
                return Err(StorageError::from(failed).into());
            }
            stale += 1;
        }
    }
}

/// BEGIN of a read transaction.
fn begin_read(client: &mut Client) -> Result<postgres::Transaction<'_>, postgres::Error> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
}

/// BEGIN of a write transaction (READ COMMITTED even where the server's default differs).
fn begin_write(client: &mut Client) -> Result<postgres::Transaction<'_>, postgres::Error> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::ReadCommitted)
        .start()
}

/// Run the steps this database has not seen yet, all in one transaction holding the write
/// lock (so replicas starting together migrate once, and no write sees half a schema);
/// `schema_version` records how many have run. A newer schema is refused and nothing is
/// changed.
fn migrate(client: &mut Client) -> Result<(), StorageError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
    // Without this, every start and every CLI command would log the server's NOTICE that
    // `schema_version` already exists.
    tx.batch_execute("SET LOCAL client_min_messages = warning")?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
             id       INT PRIMARY KEY CHECK (id = 1),
             version  BIGINT NOT NULL
         );
         INSERT INTO schema_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;",
    )?;
    let found: i64 = tx
        .query_one("SELECT version FROM schema_version", &[])?
        .try_get(0)?;
    for (version, step) in migrations::pending(found)? {
        tx.batch_execute(step.postgres)?;
        let version = i64::try_from(version).map_err(|_| StorageError::Corrupt("version"))?;
        tx.execute("UPDATE schema_version SET version = $1", &[&version])?;
    }
    tx.commit()?;
    Ok(())
}

/// Parameters of a statement.
type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

/// The write counter: raised by every write transaction (migration 10), read by
/// [`Database::changes`].
const CHANGES_QUERY: &str = "SELECT n FROM changes";

impl Tx<'_> {
    /// The statement for `sql`, prepared once per connection.
    fn prepared(&mut self, sql: &'static str) -> Result<Statement, StorageError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.tx.prepare(sql)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }

    /// What every write does first: take [`WRITE_LOCK`], then raise the write counter, so
    /// that a replica keeping lookups sees at its next request that something changed (the
    /// counter is a row, not a sequence: a reader sees the new value only once this
    /// transaction's changes are visible too).
    fn lock_and_count(&mut self) -> Result<(), StorageError> {
        self.run("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
        self.run("UPDATE changes SET n = n + 1", &[])?;
        Ok(())
    }

    /// Every row `sql` returns.
    fn rows(&mut self, sql: &'static str, params: Params<'_>) -> Result<Vec<Row>, StorageError> {
        let statement = self.prepared(sql)?;
        Ok(self.tx.query(&statement, params)?)
    }

    /// The row `sql` returns, if any (an error if more than one).
    fn row(&mut self, sql: &'static str, params: Params<'_>) -> Result<Option<Row>, StorageError> {
        let statement = self.prepared(sql)?;
        Ok(self.tx.query_opt(&statement, params)?)
    }

    /// The one row `sql` returns.
    fn one(&mut self, sql: &'static str, params: Params<'_>) -> Result<Row, StorageError> {
        let statement = self.prepared(sql)?;
        Ok(self.tx.query_one(&statement, params)?)
    }

    /// Run `sql`; the number of rows it touched.
    fn run(&mut self, sql: &'static str, params: Params<'_>) -> Result<u64, StorageError> {
        let statement = self.prepared(sql)?;
        Ok(self.tx.execute(&statement, params)?)
    }
}

/// Stored form of an instant: Unix seconds.
fn to_unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// Read back an instant stored by [`to_unix`].
fn from_unix(secs: i64) -> Result<OffsetDateTime, StorageError> {
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| StorageError::Corrupt("instant"))
}

/// An optional instant stored by [`to_unix`].
fn from_unix_opt(secs: Option<i64>) -> Result<Option<OffsetDateTime>, StorageError> {
    secs.map(from_unix).transpose()
}

/// Parse a stored word column, naming the column if it does not parse.
fn parse_column<T: std::str::FromStr>(
    column: &'static str,
    text: String,
) -> Result<T, StorageError> {
    text.parse().map_err(|_| StorageError::Corrupt(column))
}
