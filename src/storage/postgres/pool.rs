//! The connection pool: r2d2 over the synchronous `postgres` driver, each connection with
//! its own cache of prepared statements, closed on a thread of its own.

use super::{BackendError, Database};
use postgres::{Client, Statement};
use r2d2_postgres::PostgresConnectionManager;
use std::collections::HashMap;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The pool, closed on a thread of its own: the driver closes a connection by blocking on
/// its own small runtime, which panics on a thread that drives an async runtime (where
/// actix drops the application when a server stops).
pub(super) struct Pool(pub(super) Option<r2d2::Pool<Manager>>);

impl Drop for Pool {
    fn drop(&mut self) {
        if let Some(pool) = self.0.take() {
            // Joined, so every connection is closed before the store is gone.
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl Database {
    pub(super) fn pool(&self) -> &r2d2::Pool<Manager> {
        self.pool
            .0
            .as_ref()
            .expect("the pool lives until the last handle drops")
    }
}

/// Opens connections for the pool: r2d2_postgres's manager, plus an empty statement cache
/// per connection.
pub(super) struct Manager(pub(super) PostgresConnectionManager<MakeRustlsConnect>);

/// A pooled connection and the statements prepared on it (a prepared statement belongs to
/// its connection's session, so the cache lives and dies with the connection).
pub struct Conn {
    pub(super) client: Client,
    pub(super) statements: HashMap<&'static str, Statement>,
}

/// Why the pool could not connect, in the server's words: r2d2 keeps only an error's
/// text, and the driver's own text is just "db error".
#[derive(Debug)]
pub struct ConnectError(pub(super) BackendError);

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ConnectError {}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = ConnectError;

    fn connect(&self) -> Result<Conn, ConnectError> {
        Ok(Conn {
            client: self
                .0
                .connect()
                .map_err(|e| ConnectError(BackendError::new(e)))?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), ConnectError> {
        self.0
            .is_valid(&mut conn.client)
            .map_err(|e| ConnectError(BackendError::new(e)))
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        self.0.has_broken(&mut conn.client)
    }
}

/// The statement for `sql` on `client`, prepared once per connection.
pub(super) fn prepared(
    client: &mut Client,
    statements: &mut HashMap<&'static str, Statement>,
    sql: &'static str,
) -> Result<Statement, postgres::Error> {
    if let Some(statement) = statements.get(sql) {
        return Ok(statement.clone());
    }
    let statement = client.prepare(sql)?;
    statements.insert(sql, statement.clone());
    Ok(statement)
}
