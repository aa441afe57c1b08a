//! coffer's embedded default store: one SQLite file (WAL mode) behind a mutex.
//!
//! [`SqliteStore::open`] creates the file `0600`, runs the versioned migrations in
//! `migrations/` and refuses a database whose schema is newer than this binary knows.
#![deny(missing_docs)]

use coffer_store::{Expect, Result, SealedRecord, SecretRecord, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The migrations, in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[include_str!("../migrations/0001_secrets.sql")];

/// The SQLite store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish()
    }
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// # Errors
    /// [`StoreError::SchemaTooNew`], [`StoreError::Backend`].
    pub fn open(path: &Path) -> Result<Self> {
        let existed = path.exists();
        let conn = Connection::open(path).map_err(backend)?;
        if !existed {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| StoreError::Backend(format!("{}: {e}", path.display())))?;
        }
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(backend)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(backend)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(backend)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(backend)?;
        let store = SqliteStore {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| StoreError::Backend("the database lock is poisoned".into()))
    }

    fn migrate(&self) -> Result<()> {
        let mut conn = self.lock()?;
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
}

const COLUMNS: &str = "project, name, secret_type, provider, scopes, public_fields, sensitive_keys, \
     key_id, wrapped_key, nonce, ciphertext, version, created_at, created_by, updated_at, updated_by";

fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<(SecretRecord, String, String, String)> {
    Ok((
        SecretRecord {
            project: row.get(0)?,
            name: row.get(1)?,
            secret_type: row.get(2)?,
            provider: row.get(3)?,
            scopes: Vec::new(),
            public_fields: Default::default(),
            sensitive_keys: Vec::new(),
            sealed: SealedRecord {
                key_id: row.get(7)?,
                wrapped_key: row.get(8)?,
                nonce: row.get(9)?,
                ciphertext: row.get(10)?,
            },
            version: row.get(11)?,
            created_at: row.get(12)?,
            created_by: row.get(13)?,
            updated_at: row.get(14)?,
            updated_by: row.get(15)?,
        },
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn finish(parts: (SecretRecord, String, String, String)) -> Result<SecretRecord> {
    let (mut r, scopes, public, sensitive) = parts;
    let corrupt = |what: &str| StoreError::Corrupt {
        name: r.name.clone(),
        reason: format!("{what} is not valid JSON"),
    };
    let scopes = serde_json::from_str(&scopes).map_err(|_| corrupt("scopes"))?;
    let public = serde_json::from_str(&public).map_err(|_| corrupt("public_fields"))?;
    let sensitive = serde_json::from_str(&sensitive).map_err(|_| corrupt("sensitive_keys"))?;
    r.scopes = scopes;
    r.public_fields = public;
    r.sensitive_keys = sensitive;
    Ok(r)
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(e.to_string()))
}

impl Store for SqliteStore {
    fn put_secret(&self, r: &SecretRecord, expect: Expect) -> Result<()> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(backend)?;
        let current: Option<i64> = tx
            .query_row(
                "SELECT version FROM secrets WHERE project = ?1 AND name = ?2",
                params![r.project, r.name],
                |row| row.get(0),
            )
            .optional()
            .map_err(backend)?;
        match (expect, current) {
            (Expect::Absent, None) => {}
            (Expect::Version(v), Some(c)) if v == c => {
                tx.execute(
                    "DELETE FROM secrets WHERE project = ?1 AND name = ?2",
                    params![r.project, r.name],
                )
                .map_err(backend)?;
            }
            (_, found) => {
                return Err(StoreError::Conflict {
                    name: r.name.clone(),
                    what: match found {
                        Some(c) => format!("already exists at version {c}"),
                        None => "does not exist".into(),
                    },
                })
            }
        }
        tx.execute(
            &format!("INSERT INTO secrets ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
            params![
                r.project,
                r.name,
                r.secret_type,
                r.provider,
                json(&r.scopes)?,
                json(&r.public_fields)?,
                json(&r.sensitive_keys)?,
                r.sealed.key_id,
                r.sealed.wrapped_key,
                r.sealed.nonce,
                r.sealed.ciphertext,
                r.version,
                r.created_at,
                r.created_by,
                r.updated_at,
                r.updated_by
            ],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)
    }

    fn get_secret(&self, project: &str, name: &str) -> Result<Option<SecretRecord>> {
        let conn = self.lock()?;
        let parts = conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM secrets WHERE project = ?1 AND name = ?2"),
                params![project, name],
                row_to_record,
            )
            .optional()
            .map_err(backend)?;
        parts.map(finish).transpose()
    }

    fn list_secrets(&self, project: &str) -> Result<Vec<SecretRecord>> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM secrets WHERE project = ?1 ORDER BY name"
            ))
            .map_err(backend)?;
        let rows = stmt.query_map(params![project], row_to_record).map_err(backend)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(finish(row.map_err(backend)?)?);
        }
        Ok(out)
    }

    fn delete_secret(&self, project: &str, name: &str) -> Result<bool> {
        let conn = self.lock()?;
        let n = conn
            .execute(
                "DELETE FROM secrets WHERE project = ?1 AND name = ?2",
                params![project, name],
            )
            .map_err(backend)?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.db");
        drop(SqliteStore::open(&path).expect("open"));
        let conn = Connection::open(&path).expect("raw");
        conn.pragma_update(None, "user_version", 99).expect("bump");
        drop(conn);
        let err = SqliteStore::open(&path).expect_err("newer schema");
        assert_eq!(
            err.to_string(),
            "the database schema is version 99 but this coffer knows up to 1: upgrade coffer"
        );
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
