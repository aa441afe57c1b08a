//! What the SQL backends share: every area of the [`Store`](crate::Store) written once against
//! [`SqlBackend`], a backend's connections and a few primitives.
//!
//! - [`Conn`], [`Row`], [`Value`]: a connection or transaction as the shared logic sees it;
//!   a backend wraps its driver's in them.
//! - [`Dialect`]: the few pieces of SQL in which the backends differ (parameters,
//!   case-insensitive comparison, insert-or-ignore, row locks); [`Statements`] holds every
//!   statement written with them, built once when a store opens.
//! - [`codec`]: the column lists, row codecs (JSON columns included) and the errors the
//!   backends word alike.
//! - One module an area, each implementing its trait for every [`SqlBackend`]: secrets,
//!   projects and access, flights and runs, data sources, nodes, dump; the area's statements are in the
//!   module of the same name under `statements`.
//!
//! Every transaction that changes cached state (a secret, data source, project, identity, token
//! or grant)
//! first bumps the generation row in `meta`: on PostgreSQL that takes its row lock, so such
//! writes commit one at a time across all nodes, as SQLite's single writer does.

mod access;
mod backend;
pub mod codec;
mod conn;
mod dialect;
mod dump;
mod flights;
mod nodes;
mod secrets;
mod sources;
mod statements;
mod value;

pub use backend::{SqlBackend, SqlState};
pub use conn::{first, into_audit, rows, Conn, Notice};
pub use dialect::Dialect;
pub use statements::Statements;
pub use value::{Column, Field, Row, Value};
