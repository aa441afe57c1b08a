//! coffer's API layer: what a client can ask of coffer, whatever carries the request.
//!
//! - [`CofferApi`]: one method per use case (a project's secrets, data sources, members and
//!   flights; projects, identities, tokens, the audit log, the keys), speaking the HTTP API's
//!   request and response types ([`types`]), with one [`Error`] type.
//! - [`Local`]: the API over a [`coffer_core::Service`] in this process, as one
//!   [`coffer_core::Caller`]. The CLI's local mode uses it as the machine's owner, the HTTP
//!   server's handlers as the token's identity. It is the one place where the request types
//!   become the service's and its answers become the response types.
//! - `Remote` (feature `remote`): the API through a `coffer serve` server over HTTP (ureq),
//!   the CLI's remote mode. It only carries requests and answers.
//! - [`Error`]: every failure, with the CLI's exit code ([`ToExitCode`], also for the
//!   service's and the SQL front's errors) and the HTTP
//!   status and code a server answers with ([`Error::http_status`], [`Error::code`]).
//! - [`SqlRunner`]: what runs `/sql` scripts for [`Local`] ([`PlainSql`] without DuckDB).
//!
//! A front end (the CLI, the HTTP server; an MCP server, a web page or a PostgreSQL endpoint
//! to come) holds a `&dyn CofferApi`. One that takes requests from the network checks them
//! first with the request types' `validate` methods, as the HTTP server does before it
//! authenticates a request.
//!
//! The `openapi` feature derives the types' OpenAPI schemas (coffer-server's document).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod api;
mod error;
mod error_body;
mod exit;
mod local;
mod redact;
#[cfg(feature = "remote")]
mod remote;
mod resolved;
mod sql;
pub mod types;

pub use api::CofferApi;
/// The flight answers, from coffer-core: a flight, one of its kept versions, a run.
pub use coffer_core::{FlightInfo, FlightVersionInfo, RunInfo};
pub use error::{is_for_the_client, Error, Result};
pub use exit::ToExitCode;
pub use local::{Local, SqlErrorRender};
pub use redact::redact_serde;
#[cfg(feature = "remote")]
pub use remote::Remote;
pub use resolved::ResolvedEnv;
pub use sql::{PlainSql, SqlRunner};

#[cfg(test)]
mod tests {
    fn shareable<T: Send + Sync + 'static>() {}

    #[test]
    fn both_adapters_can_be_shared_across_threads() {
        shareable::<crate::Local>();
        #[cfg(feature = "remote")]
        shareable::<crate::Remote>();
    }
}
