//! `coffer serve`: a JSON HTTP API over [`coffer_core::Service`], the same application layer
//! the CLI uses. Every handler reads the request, authenticates the bearer token and calls one
//! method of [`coffer_api::CofferApi`] on a [`coffer_api::Local`] acting as the token's
//! identity, the adapter the CLI's local mode uses too: the request and response types are
//! mapped to the service's there, once. Authorization, audit and validation are the service's.
//! The OpenAPI document ([`openapi()`]) is generated from the handlers and types and served at
//! `/openapi.json`.
//!
//! The crate, by concern:
//! - [`AppState`] (`state.rs`): the service, the SQL runner and the flight runner, and how a
//!   handler calls the API (reads on the request's thread, writes on the blocking pool);
//! - [`router()`] and [`serve()`] (`router.rs`): every route, the body limit, JSON errors for
//!   unknown routes and methods;
//! - `handlers/`: one module per area (`secrets`, `projects`, `access`, `audit`, `sql`,
//!   `keys`, `flights`, `server`);
//! - `openapi.rs`: the utoipa document;
//! - `extract.rs`: the extractors (bearer token, JSON bodies, query strings, path names);
//! - [`ApiError`] (`error.rs`): every error response, which keeps the message meant for the
//!   client apart from the cause that only the server log sees;
//! - [`api`]: the request and response bodies ([`coffer_api::types`], re-exported).
#![deny(missing_docs)]

mod error;
mod extract;
mod handlers;
mod mcp;
mod openapi;
mod router;
mod state;

pub use coffer_web::{CookieSecurity, WebConfig};
pub use error::ApiError;
pub use extract::BODY_LIMIT;
pub use openapi::openapi;
pub use router::{router, serve};
pub use state::AppState;

/// The request and response bodies of the HTTP API: [`coffer_api::types`].
pub use coffer_api::types as api;
pub use coffer_api::{PlainSql, SqlRunner};
