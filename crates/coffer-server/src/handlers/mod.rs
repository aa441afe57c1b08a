//! The handlers, one module per area of the API (and per OpenAPI tag). Each authenticates the
//! bearer token, calls one [`coffer_core::Service`] method through [`crate::AppState`] and
//! translates the result.

pub(crate) mod access;
pub(crate) mod audit;
pub(crate) mod flights;
pub(crate) mod keys;
pub(crate) mod projects;
pub(crate) mod secrets;
pub(crate) mod server;
pub(crate) mod sources;
pub(crate) mod sql;
