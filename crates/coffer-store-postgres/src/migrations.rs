//! The schema: the versioned migrations in `migrations/`, run in order under an advisory
//! lock (so nodes starting together migrate once); `coffer_schema.version` records how many
//! ran.

use crate::error::pg;
use crate::PgStore;
use coffer_store::sql::{first, SqlBackend};
use coffer_store::{Result, StoreError};

/// The migrations, in order.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_token_parent.sql"),
    include_str!("../migrations/0003_flight_versions.sql"),
    include_str!("../migrations/0004_sources.sql"),
];

/// The advisory lock held while migrating ("coffer" in ASCII).
const MIGRATION_LOCK: i64 = 0x636f_6666_6572;

impl PgStore {
    /// Runs the migrations the database has not had, in one transaction.
    pub(crate) fn migrate(&self) -> Result<()> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(pg)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .await
                .map_err(pg)?;
            tx.batch_execute("CREATE TABLE IF NOT EXISTS coffer_schema (version BIGINT NOT NULL)")
                .await
                .map_err(pg)?;
            let found = tx.query("SELECT version FROM coffer_schema", &[]).await.map_err(pg)?;
            let version: i64 = match found.first() {
                Some(r) => r.try_get(0).map_err(pg)?,
                None => {
                    tx.execute("INSERT INTO coffer_schema (version) VALUES (0)", &[])
                        .await
                        .map_err(pg)?;
                    0
                }
            };
            let known = Self::known_schema_version();
            if version > known {
                return Err(StoreError::SchemaTooNew { found: version, known });
            }
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                tx.batch_execute(sql).await.map_err(pg)?;
                tx.execute("UPDATE coffer_schema SET version = $1", &[&((i + 1) as i64)])
                    .await
                    .map_err(pg)?;
            }
            tx.commit().await.map_err(pg)
        })
    }

    /// The schema version the database is at.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn schema_version(&self) -> Result<i64> {
        self.read(|c| first(c, "SELECT version FROM coffer_schema", &[], |r| r.get(0)))?
            .ok_or_else(|| StoreError::Backend("coffer_schema has no row".into()))
    }

    /// The newest schema version this binary knows.
    pub fn known_schema_version() -> i64 {
        MIGRATIONS.len() as i64
    }
}
