//! coffer's storage layer: the [`Store`] trait (the sum of one trait an area: [`SecretStore`],
//! [`ProjectStore`], [`AccessStore`], [`AuditStore`], [`FlightStore`], [`RunStore`],
//! [`SourceStore`], [`NodeStore`], [`DumpStore`]), its records, and [`sql`], what the SQL backends share.
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

mod error;
mod records;
pub mod sql;
mod store;

pub use error::{Result, StoreError};
pub use records::*;
pub use store::*;

/// The storage traits, to call a store's methods on a concrete backend type
/// (`use coffer_store::prelude::*;`); a `dyn Store` needs none of them in scope.
pub mod prelude {
    pub use crate::store::{
        AccessStore, AuditStore, DumpStore, FlightStore, NodeStore, ProjectStore, RunStore, SecretStore, SourceStore,
        Store,
    };
}
