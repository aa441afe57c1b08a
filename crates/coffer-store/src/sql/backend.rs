//! [`SqlBackend`]: a SQL database as the shared logic uses it (its connections and a few
//! primitives), the [`SqlState`] each store keeps, and the steps every write transaction shares.

use super::conn::Conn;
use super::dialect::Dialect;
use super::statements::Statements;
use super::value::Value;
use crate::error::Result;
use crate::records::{AuditEvent, StoreChange};
use std::sync::atomic::AtomicUsize;

/// What the shared logic keeps in each store: its statements, and how many earlier versions a
/// replace keeps (see [`SecretStore::set_keep_versions`](crate::SecretStore::set_keep_versions)).
#[derive(Debug)]
pub struct SqlState {
    statements: Statements,
    pub(super) keep_versions: AtomicUsize,
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
pub(super) fn write_audit(tx: &dyn Conn, sql: &Statements, events: &[AuditEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    tx.insert_audit(&sql.access.audit_insert, events)
}

/// Marks a change that caches must see; called first in a transaction, it also takes the
/// writers' lock (the `meta` row) where there are row locks, held until commit.
pub(super) fn bump(tx: &dyn Conn) -> Result<()> {
    tx.execute("UPDATE meta SET generation = generation + 1", &[])?;
    Ok(())
}
