//! coffer's DuckDB engine process, `coffer-engine`: the only part of coffer that links DuckDB.
//!
//! - `coffer-engine serve` ([`serve`]) answers the requests of [`coffer_engine::protocol`] on
//!   its stdin and stdout: register and drop secrets, run statements, `which_secret`. Before it
//!   opens DuckDB it applies the sandbox it was given ([`coffer_sandbox`]); then it loads the
//!   extensions of coffer's extension directory (it never installs any), disables DuckDB's
//!   local file system unless told otherwise, and locks the configuration. Each statement
//!   runs under a timeout (DuckDB is interrupted), the database under a memory cap.
//! - `coffer-engine flight-sql FILE` ([`flight_sql`]) is the process of a `sql` flight: it
//!   registers the secrets the runner gave it and runs the script.
//! - [`main`] is the executable's entry point (`crates/coffer/src/bin/coffer-engine.rs`).
#![deny(missing_docs)]

mod cli;
mod detached;
mod error;
pub mod flight_sql;
mod open;
mod query;
mod serve;

pub use cli::main;
pub use detached::Detached;
pub use error::{DuckError, Result, MAX_RESULT_BYTES};
pub use open::{open, open_sandboxed, Options};
pub use query::{query_on, which_secret_on};
pub use serve::serve;
