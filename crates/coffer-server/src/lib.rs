//! `coffer serve`: a JSON HTTP API over [`coffer_core::Service`], the same application layer
//! the CLI uses. Every handler authenticates the bearer token, calls one `Service` method on
//! the blocking pool, and translates the result; authorization, audit and validation are the
//! service's. The OpenAPI document ([`openapi()`]) is generated from the handlers and types
//! and served at `/openapi.json`.
//!
//! The crate, by concern:
//! - [`AppState`] (`state.rs`): the service, the SQL runner and the flight runner, and how a
//!   handler calls the service (reads on the request's thread, writes on the blocking pool);
//! - [`router()`] and [`serve()`] (`router.rs`): every route, the body limit, JSON errors for
//!   unknown routes and methods;
//! - `handlers/`: one module per area (`secrets`, `projects`, `access`, `audit`, `sql`,
//!   `keys`, `flights`, `server`);
//! - `openapi.rs`: the utoipa document;
//! - `extract.rs`: the extractors (bearer token, JSON bodies, query strings, path names);
//! - [`ApiError`] (`error.rs`): every error response, which keeps the message meant for the
//!   client apart from the cause that only the server log sees;
//! - [`api`]: the request and response bodies, shared with the CLI's remote client.
#![deny(missing_docs)]

pub mod api;
mod error;
mod extract;
mod handlers;
mod openapi;
mod router;
mod state;

pub use error::ApiError;
pub use openapi::openapi;
pub use router::{router, serve};
pub use state::AppState;

use coffer_core::{Caller, Service};

/// The largest request body accepted (1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Runs the SQL of `POST /v1/projects/{project}/sql`.
pub trait SqlRunner: Send + Sync {
    /// Runs `sql` in `project` as `caller`.
    ///
    /// # Errors
    /// A script that does not split.
    fn run(
        &self,
        service: &Service,
        caller: &Caller,
        project: &str,
        sql: &str,
    ) -> Result<Vec<coffer_sql::Outcome>, coffer_sql::SqlError>;
}

/// The SQL front alone: statements about secrets; every other statement is refused (no
/// DuckDB behind it).
#[derive(Debug, Default)]
pub struct PlainSql;

impl SqlRunner for PlainSql {
    fn run(
        &self,
        service: &Service,
        caller: &Caller,
        project: &str,
        sql: &str,
    ) -> Result<Vec<coffer_sql::Outcome>, coffer_sql::SqlError> {
        coffer_sql::Session::new(service, project, caller.clone()).run_script(sql)
    }
}
