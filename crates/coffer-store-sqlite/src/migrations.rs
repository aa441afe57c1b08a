//! The schema: the versioned migrations in `migrations/`, run in order; `PRAGMA user_version`
//! records how many ran.

use crate::rows::backend;
use coffer_store::{Result, StoreError};
use rusqlite::Connection;

/// The migrations, in order.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_secrets.sql"),
    include_str!("../migrations/0002_identities_audit.sql"),
    include_str!("../migrations/0003_generation.sql"),
    include_str!("../migrations/0004_secret_versions.sql"),
    include_str!("../migrations/0005_flights.sql"),
    include_str!("../migrations/0006_nodes.sql"),
    include_str!("../migrations/0007_token_parent.sql"),
    include_str!("../migrations/0008_flight_versions.sql"),
    include_str!("../migrations/0009_sources.sql"),
];

/// Runs the migrations the database at `conn` has not had, in one transaction.
///
/// # Errors
/// [`StoreError::SchemaTooNew`] when the database is newer than [`MIGRATIONS`];
/// [`StoreError::Backend`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(backend)?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::SchemaTooNew { found: version, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql).map_err(backend)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(backend)?;
    }
    tx.commit().map_err(backend)
}
