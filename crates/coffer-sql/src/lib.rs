//! coffer's SQL front: the statements of DuckDB's secrets manager, pg_duckdb's
//! `duckdb.secrets` table and MotherDuck, parsed and executed against a
//! [`coffer_core::Service`].
//!
//! - [`split`]: cuts a script into statements with sqlparser's tokenizer (quotes, comments,
//!   nested brackets respected), keeping each statement's text and position.
//! - [`parse`]: one statement into a [`Statement`]. sqlparser (DuckDB dialect) parses
//!   `DROP SECRET`, `SELECT`/`FROM`, `INSERT`/`UPDATE`/`DELETE` and `CALL`; its `CREATE SECRET`
//!   takes every option value as an identifier, so coffer parses `CREATE SECRET` itself
//!   ([`create_secret`]) over sqlparser's tokens, with string, number, boolean, list and
//!   `MAP {...}` values.
//! - [`query`]: evaluates a sqlparser `SELECT` (projection, `WHERE`, `ORDER BY`, `LIMIT`) over
//!   an in-memory [`Table`] such as `duckdb_secrets()`.
//! - MotherDuck's flight functions (`MD_CREATE_FLIGHT`, `MD_RUN_FLIGHT`, `MD_LIST_FLIGHT_RUNS`,
//!   ...), over coffer's flights; runs are started by the session's [`FlightLauncher`].
//! - [`guard`]: the first wall in front of a sandboxed DuckDB ([`Session::sandboxed`]):
//!   which statements an untrusted caller may pass, each refusal naming its rule.
//! - [`Session`]: executes statements; [`table`] renders results as DuckDB-like boxes, CSV,
//!   JSON or `line` records.
//! - [`SqlError`]: every error carries a position when it has one and renders with a caret
//!   under the offending token.
#![deny(missing_docs)]

pub mod create_secret;
mod error;
mod exec;
mod flights;
pub mod guard;
pub mod keywords;
pub mod parse;
pub mod query;
pub mod source;
pub mod split;
pub mod table;

pub use error::{Pos, Result, SqlError};
pub use exec::{Outcome, Passthrough, Session};
pub use flights::FlightLauncher;
pub use parse::Statement;
pub use table::{ColType, Format, Table, Value};
