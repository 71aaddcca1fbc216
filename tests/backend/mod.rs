//! Which database the tests run on: `REGAUTH_TEST_DATABASE=postgres` runs them on a private
//! PostgreSQL server this test binary starts (tests/pg: one cluster per binary, a fresh
//! database per test); unset or `sqlite`, on SQLite files in the test's directory. Any
//! other value fails, as does a missing PostgreSQL: a PostgreSQL run never skips.
//!
//! [`TestDatabase`] also speaks plain SQL to either backend, for the few tests that check
//! what is stored (or change it behind regauth's back).
#![allow(dead_code)]

#[path = "../pg/mod.rs"]
pub mod pg;

use regauth::storage::Location;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A database engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Both engines, for tests that check a property on each in one run.
pub const BOTH: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

/// The engine `REGAUTH_TEST_DATABASE` selects.
pub fn selected() -> Backend {
    match std::env::var("REGAUTH_TEST_DATABASE").as_deref() {
        Err(_) | Ok("") | Ok("sqlite") => Backend::Sqlite,
        Ok("postgres") => Backend::Postgres,
        Ok(other) => panic!("REGAUTH_TEST_DATABASE={other:?}: use sqlite or postgres"),
    }
}

/// One test's database.
#[derive(Clone, Debug)]
pub struct TestDatabase {
    pub backend: Backend,
    /// What `REGAUTH_DATABASE` is set to: the file path, or the URL.
    pub value: String,
}

/// One value of a stored column, as [`TestDatabase::query`] returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl TestDatabase {
    /// A fresh database on the selected engine (SQLite: the file `file` in `dir`).
    pub fn new(dir: &Path, file: &str) -> TestDatabase {
        TestDatabase::on(selected(), dir, file)
    }

    /// A fresh database on `backend`.
    pub fn on(backend: Backend, dir: &Path, file: &str) -> TestDatabase {
        let value = match backend {
            Backend::Sqlite => dir.join(file).display().to_string(),
            Backend::Postgres => pg::shared().database(),
        };
        TestDatabase { backend, value }
    }

    /// The database of `dir` on the selected engine: the same one on every call with the
    /// same directory (tests that run the CLI many times on one directory).
    pub fn of_dir(dir: &Path, file: &str) -> TestDatabase {
        static MADE: Mutex<Option<HashMap<PathBuf, TestDatabase>>> = Mutex::new(None);
        let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
        made.get_or_insert_with(HashMap::new)
            .entry(dir.join(file))
            .or_insert_with(|| TestDatabase::new(dir, file))
            .clone()
    }

    /// Where regauth finds it.
    pub fn location(&self) -> Location {
        Location::parse(&self.value).unwrap()
    }

    /// Run statements (no parameters).
    pub fn execute(&self, sql: &str) {
        match self.backend {
            Backend::Sqlite => self.sqlite().execute_batch(sql).unwrap(),
            Backend::Postgres => self.postgres().batch_execute(sql).unwrap(),
        }
    }

    /// Every row of a query (no parameters), as cells.
    pub fn query(&self, sql: &str) -> Vec<Vec<Cell>> {
        match self.backend {
            Backend::Sqlite => sqlite_rows(&self.sqlite(), sql),
            Backend::Postgres => postgres_rows(&mut self.postgres(), sql),
        }
    }

    /// The first column of the only row of a query, as a number.
    pub fn number(&self, sql: &str) -> i64 {
        match self.query(sql).as_slice() {
            [row] => match row.first() {
                Some(Cell::Int(n)) => *n,
                other => panic!("{sql}: not a number: {other:?}"),
            },
            rows => panic!("{sql}: {} rows", rows.len()),
        }
    }

    /// The schema version the database records.
    pub fn schema_version(&self) -> i64 {
        match self.backend {
            Backend::Sqlite => self.number("PRAGMA user_version"),
            Backend::Postgres => self.number("SELECT version FROM schema_version"),
        }
    }

    /// Record `version` as the schema version, as a later regauth would.
    pub fn set_schema_version(&self, version: i64) {
        match self.backend {
            Backend::Sqlite => self.execute(&format!("PRAGMA user_version = {version}")),
            Backend::Postgres => {
                self.execute(&format!("UPDATE schema_version SET version = {version}"))
            }
        }
    }

    /// Everything the database keeps at rest: the SQLite file and its WAL, or a `pg_dump`
    /// of the PostgreSQL database (every row of every table).
    pub fn at_rest(&self) -> Vec<u8> {
        match self.backend {
            Backend::Sqlite => {
                let mut bytes = std::fs::read(&self.value).unwrap();
                bytes.extend(std::fs::read(format!("{}-wal", self.value)).unwrap_or_default());
                bytes
            }
            Backend::Postgres => {
                let out = std::process::Command::new("pg_dump")
                    .args(["--data-only", "--no-owner"])
                    .arg(&self.value)
                    .output()
                    .expect("run pg_dump (Debian package: postgresql-client)");
                assert!(
                    out.status.success(),
                    "pg_dump failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                out.stdout
            }
        }
    }

    /// PostgreSQL: cut regauth's connections and refuse new ones (its role may no longer
    /// log in), as an outage of the database looks to regauth; `false` lets it back in.
    pub fn refuse_connections(&self, refuse: bool) {
        assert_eq!(self.backend, Backend::Postgres, "only a server can refuse");
        let role = self.value["postgres://".len()..].split(':').next().unwrap();
        let cluster = pg::shared();
        if refuse {
            cluster.psql(&format!("ALTER ROLE {role} NOLOGIN"));
            cluster.psql(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
            ));
        } else {
            cluster.psql(&format!("ALTER ROLE {role} LOGIN"));
        }
    }

    fn sqlite(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.value).unwrap()
    }

    fn postgres(&self) -> postgres::Client {
        postgres::Client::connect(&self.value, postgres::NoTls).unwrap()
    }
}

fn sqlite_rows(conn: &rusqlite::Connection, sql: &str) -> Vec<Vec<Cell>> {
    use rusqlite::types::ValueRef;
    let mut stmt = conn.prepare(sql).unwrap();
    let width = stmt.column_count();
    let rows = stmt.query_map([], |row| {
        (0..width)
            .map(|i| {
                Ok(match row.get_ref(i)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(n) => Cell::Int(n),
                    ValueRef::Real(x) => Cell::Text(x.to_string()),
                    ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
                })
            })
            .collect::<rusqlite::Result<Vec<Cell>>>()
    });
    rows.unwrap().collect::<Result<_, _>>().unwrap()
}

fn postgres_rows(client: &mut postgres::Client, sql: &str) -> Vec<Vec<Cell>> {
    use postgres::types::Type;
    let rows = client.query(sql, &[]).unwrap();
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    let ty = row.columns()[i].type_().clone();
                    let cell = if ty == Type::INT8 {
                        row.get::<_, Option<i64>>(i).map(Cell::Int)
                    } else if ty == Type::INT4 {
                        row.get::<_, Option<i32>>(i).map(|n| Cell::Int(n.into()))
                    } else if ty == Type::BOOL {
                        row.get::<_, Option<bool>>(i).map(|b| Cell::Int(b.into()))
                    } else if ty == Type::BYTEA {
                        row.get::<_, Option<Vec<u8>>>(i).map(Cell::Bytes)
                    } else {
                        row.get::<_, Option<String>>(i).map(Cell::Text)
                    };
                    cell.unwrap_or(Cell::Null)
                })
                .collect()
        })
        .collect()
}
