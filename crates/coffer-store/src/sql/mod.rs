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
//!   projects and access, flights and runs, nodes, dump.
//!
//! Every transaction that changes cached state (a secret, project, identity, token or grant)
//! first bumps the generation row in `meta`: on PostgreSQL that takes its row lock, so such
//! writes commit one at a time across all nodes, as SQLite's single writer does.

mod access;
pub mod codec;
mod conn;
mod dialect;
mod dump;
mod flights;
mod nodes;
mod secrets;

pub use conn::{first, into_audit, rows, Column, Conn, Field, Notice, Row, Value};
pub use dialect::{Dialect, Statements};

use crate::{AuditEvent, Result, StoreChange};
use std::sync::atomic::AtomicUsize;

/// What the shared logic keeps in each store: its statements, and how many earlier versions a
/// replace keeps (see [`SecretStore::set_keep_versions`](crate::SecretStore::set_keep_versions)).
#[derive(Debug)]
pub struct SqlState {
    statements: Statements,
    keep_versions: AtomicUsize,
}

impl SqlState {
    /// The state of a new store whose SQL is `dialect`'s: statements written once, 10 earlier
    /// versions kept.
    pub fn new(dialect: &dyn Dialect) -> Self {
        SqlState {
            statements: Statements::new(dialect),
            keep_versions: AtomicUsize::new(10),
        }
    }

    /// The statements.
    pub fn statements(&self) -> &Statements {
        &self.statements
    }
}

/// A SQL database as the shared logic uses it. Implementing it implements every area's
/// trait, so [`Store`](crate::Store).
pub trait SqlBackend: Send + Sync {
    /// The store's [`SqlState`].
    fn state(&self) -> &SqlState;

    /// The statements, in this backend's dialect.
    fn statements(&self) -> &Statements {
        &self.state().statements
    }

    /// Runs `f` on a connection for reading.
    ///
    /// # Errors
    /// [`crate::StoreError::Backend`] when no connection can be had; what `f` returns.
    fn read<R>(&self, f: impl FnOnce(&dyn Conn) -> Result<R>) -> Result<R>;

    /// Runs `f` in a write transaction, which commits when `f` returns `Ok(Some(_))`; `Ok(None)`
    /// (a write that found nothing to do) and errors roll it back.
    ///
    /// # Errors
    /// [`crate::StoreError::Backend`]; what `f` returns.
    fn write<R>(&self, f: impl FnOnce(&dyn Conn) -> Result<Option<R>>) -> Result<Option<R>>;

    /// Runs `f` in a read-only transaction that sees one consistent snapshot.
    ///
    /// # Errors
    /// [`crate::StoreError::Backend`]; what `f` returns.
    fn snapshot<R>(&self, f: impl FnOnce(&dyn Conn) -> Result<R>) -> Result<R>;

    /// Runs one statement on its own (no cached state changes: token use, heartbeats).
    ///
    /// # Errors
    /// [`crate::StoreError::Backend`].
    fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64>;

    /// Writes audit events (never none), atomically, in the backend's fastest way (see
    /// [`AuditStore::append_audit`](crate::AuditStore::append_audit)).
    ///
    /// # Errors
    /// [`crate::StoreError::Audit`].
    fn commit_audit(&self, events: &[AuditEvent]) -> Result<()>;

    /// The change feed, for a backend that has one (see
    /// [`NodeStore::subscribe`](crate::NodeStore::subscribe)).
    ///
    /// # Errors
    /// [`crate::StoreError::Backend`] when the feed cannot be started.
    fn change_feed(&self) -> Result<Option<std::sync::mpsc::Receiver<StoreChange>>> {
        Ok(None)
    }
}

/// Writes `events` in the transaction `tx`.
fn write_audit(tx: &dyn Conn, sql: &Statements, events: &[AuditEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    tx.insert_audit(&sql.access.audit_insert, events)
}

/// Marks a change that caches must see; called first in a transaction, it also takes the
/// writers' lock (the `meta` row) where there are row locks, held until commit.
fn bump(tx: &dyn Conn) -> Result<()> {
    tx.execute("UPDATE meta SET generation = generation + 1", &[])?;
    Ok(())
}
