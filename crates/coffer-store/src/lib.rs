//! coffer's storage layer: the [`Store`] trait (the sum of one trait an area: [`SecretStore`],
//! [`ProjectStore`], [`AccessStore`], [`AuditStore`], [`FlightStore`], [`RunStore`],
//! [`NodeStore`], [`DumpStore`]), its records, and [`sql`], what the SQL backends share.
//!
//! A store keeps secrets exactly as [`SecretRecord`]s: metadata in clear and the sensitive
//! values as an opaque [`SealedRecord`] (ciphertext plus wrapped data key). A store never
//! encrypts or decrypts; `coffer-core` does. Writes are optimistic: [`SecretStore::put_secret`]
//! says which version it expects to replace ([`Expect`]), so two writers can never both "win".
//!
//! The SQL backends (`coffer-store-sqlite`, `coffer-store-postgres`) implement
//! [`sql::SqlBackend`]: their connections, a [`sql::Dialect`] and a few primitives; every area's
//! logic (which statements, in which transaction, with which conflict and corrupt-row errors)
//! is written once in [`sql`]. Every backend passes the one suite of `coffer-store-suite`.
#![deny(missing_docs)]

mod records;
pub mod sql;
mod store;

pub use records::*;
pub use store::*;

/// The storage traits, to call a store's methods on a concrete backend type
/// (`use coffer_store::prelude::*;`); a `dyn Store` needs none of them in scope.
pub mod prelude {
    pub use crate::{
        AccessStore, AuditStore, DumpStore, FlightStore, NodeStore, ProjectStore, RunStore, SecretStore, Store,
    };
}

/// Errors of a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The write's expectation did not hold: the secret exists (when absent was expected) or
    /// its version moved on.
    #[error("conflict: secret '{name}' {what}")]
    Conflict {
        /// The secret.
        name: String,
        /// What was found instead.
        what: String,
    },
    /// The database schema is newer than this binary knows.
    #[error("the database schema is version {found} but this coffer knows up to {known}: upgrade coffer")]
    SchemaTooNew {
        /// The database's version.
        found: i64,
        /// The newest version this binary knows.
        known: i64,
    },
    /// A stored row cannot be read back (bad JSON, bad column).
    #[error("corrupt row for secret '{name}': {reason}")]
    Corrupt {
        /// The secret.
        name: String,
        /// What is wrong (never a value).
        reason: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Backend(String),
    /// An audit event could not be written (the change it went with was not made).
    #[error("the audit log cannot be written: {0}")]
    Audit(String),
}

/// A `Result` with [`StoreError`].
pub type Result<T> = std::result::Result<T, StoreError>;
