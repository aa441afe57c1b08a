//! coffer's MCP server: flights (with MotherDuck's tool names and parameters), secrets'
//! metadata, `which_secret` and SQL, as tools an agent calls over stdio (`coffer mcp`) or
//! Streamable HTTP (`/mcp` on `coffer serve`). Built on the official Rust SDK, `rmcp`.
//!
//! - [`Backend`]: where a call reaches coffer and as whom (the CLI's identity on stdio, the
//!   bearer token's on `/mcp`), and the masker its answer passes through.
//! - [`CofferMcp`]: the MCP handler: the tool catalog ([`catalog`]), read-only mode, and the
//!   dispatch of a call to its tool on tokio's blocking pool.
//! - No tool takes a secret value: MCP traffic lands in a model's context. `query` refuses
//!   statements that would store one ([`query`]).
#![deny(missing_docs)]

mod backend;
mod call;
pub mod catalog;
mod flights;
mod handler;
mod params;
pub mod query;
mod reply;
mod secrets;
mod transport;

pub use backend::{Backend, Fixed};
pub use handler::{CofferMcp, Options};
pub use tokio_util::sync::CancellationToken;
pub use transport::{http_service, serve_stdio, HttpService};
