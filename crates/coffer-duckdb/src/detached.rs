//! [`Detached`]: an in-memory DuckDB configured like an engine's that serves no pipe (a `sql`
//! flight's database).

use crate::error::{DuckError, Result};
use crate::open::{open, Options};
use crate::query::{query_on, which_secret_on};
use coffer_engine::protocol::Rows;

/// An in-memory DuckDB configured like an engine's but not serving a pipe: a `sql` flight runs
/// its script on one.
pub struct Detached {
    conn: duckdb::Connection,
}

impl std::fmt::Debug for Detached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detached").finish_non_exhaustive()
    }
}

impl Detached {
    /// A new database with `opts`.
    ///
    /// # Errors
    /// DuckDB's error.
    pub fn open(opts: &Options) -> Result<Self> {
        Ok(Detached { conn: open(opts)? })
    }

    /// Registers one secret. The error never holds the statement's values.
    ///
    /// # Errors
    /// DuckDB refused the statement.
    pub fn register(&self, sql: &coffer_engine::SecretSql) -> Result<()> {
        self.conn
            .execute_batch(sql.expose())
            .map_err(|e| DuckError::Duck(coffer_engine::sanitize(&e.to_string())))
    }

    /// Runs one statement and returns its result.
    ///
    /// # Errors
    /// DuckDB's error.
    pub fn query(&self, sql: &str) -> Result<Rows> {
        query_on(&self.conn, sql)
    }

    /// The name of the secret DuckDB picks for `path` and `secret_type`.
    ///
    /// # Errors
    /// DuckDB's error.
    pub fn which_secret(&self, path: &str, secret_type: &str) -> Result<Option<String>> {
        which_secret_on(&self.conn, path, secret_type)
    }
}
