//! coffer's PostgreSQL wire endpoint (`coffer serve --pg-listen`): psql, psycopg, asyncpg, JDBC
//! and any other PostgreSQL client manage secrets and query through coffer, on the `pgwire`
//! crate.
//!
//! Sign-in: user = a coffer identity, password = one of its access tokens (PostgreSQL's
//! cleartext password message: tokens are stored as SHA-256 hashes, so SCRAM's salted verifiers
//! cannot be computed), database = project. A connection is a child of its token: it ends when
//! the token is revoked or expires (checked on every statement and every few seconds). Every
//! statement runs through the same SQL front as `coffer sql` and `POST /sql`, as that identity,
//! sandboxed DuckDB behind it; results carry PostgreSQL types in text or binary format
//! (`types.rs`); errors carry their SQLSTATE (`errors.rs`).

mod auth;
mod config;
mod conn;
mod endpoint;
mod errors;
mod query;
mod server;
mod special;
mod types;

pub use config::{check_listen, PgBackend, PgConfig, TlsFiles};
pub use endpoint::PgEndpoint;
