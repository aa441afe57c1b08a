//! What a backend's connection supplies: statements run with [`Value`] parameters, rows read
//! through [`Row`].

use super::codec::audit_args;
use super::value::{Row, Value};
use crate::error::{Result, StoreError};
use crate::records::AuditEvent;

/// A committed change that other processes on the database should hear of (PostgreSQL's
/// change feed); see [`Conn::notify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice<'a> {
    /// A secret was created or replaced.
    Upserted {
        /// Its project.
        project: &'a str,
        /// Its name.
        name: &'a str,
    },
    /// A secret was dropped.
    Dropped {
        /// Its project.
        project: &'a str,
        /// Its name as it was stored.
        name: &'a str,
    },
    /// A data source was created, replaced or dropped.
    SourceChanged {
        /// Its project.
        project: &'a str,
        /// Its name.
        name: &'a str,
    },
    /// A project was deleted.
    ProjectDropped {
        /// The project.
        project: &'a str,
    },
    /// Everything may have changed (an import).
    Reloaded,
}

/// A connection, or a transaction on one: where statements run.
pub trait Conn {
    /// Runs one statement; returns how many rows it changed.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64>;

    /// Runs a query and hands each row to `each`, in order, stopping at its first error.
    ///
    /// # Errors
    /// [`StoreError::Backend`]; what `each` returns.
    fn query(&self, sql: &str, params: &[Value<'_>], each: &mut dyn FnMut(&dyn Row) -> Result<()>) -> Result<()>;

    /// Writes audit events, with `insert` (one event's `INSERT`, parameters in the order of
    /// [`AuditEvent`]'s fields from `at`) unless the backend has a faster way.
    ///
    /// # Errors
    /// [`StoreError::Audit`].
    fn insert_audit(&self, insert: &str, events: &[AuditEvent]) -> Result<()> {
        for e in events {
            self.execute(insert, &audit_args(e)).map_err(into_audit)?;
        }
        Ok(())
    }

    /// Tells the other processes on the database of `notice` when this transaction commits;
    /// nothing for a backend without a change feed.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn notify(&self, notice: Notice<'_>) -> Result<()> {
        let _ = notice;
        Ok(())
    }
}

/// An error of an audit write, as [`StoreError::Audit`].
pub fn into_audit(e: StoreError) -> StoreError {
    match e {
        StoreError::Backend(m) => StoreError::Audit(m),
        other => other,
    }
}

/// Every row of a query, each made into a `T` by `f`.
///
/// # Errors
/// [`StoreError::Backend`]; what `f` returns.
pub fn rows<T>(c: &dyn Conn, sql: &str, params: &[Value<'_>], f: impl Fn(&dyn Row) -> Result<T>) -> Result<Vec<T>> {
    let mut out = Vec::new();
    c.query(sql, params, &mut |r| {
        out.push(f(r)?);
        Ok(())
    })?;
    Ok(out)
}

/// The first row of a query (queries on a key have at most one), made into a `T` by `f`.
///
/// # Errors
/// [`StoreError::Backend`]; what `f` returns.
pub fn first<T>(c: &dyn Conn, sql: &str, params: &[Value<'_>], f: impl Fn(&dyn Row) -> Result<T>) -> Result<Option<T>> {
    let mut out = None;
    c.query(sql, params, &mut |r| {
        if out.is_none() {
            out = Some(f(r)?);
        }
        Ok(())
    })?;
    Ok(out)
}
