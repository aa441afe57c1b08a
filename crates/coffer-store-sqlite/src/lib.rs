//! coffer's embedded default store: one SQLite file (WAL mode) behind a mutex.
//!
//! [`SqliteStore::open`] creates the file `0600` (and so its `-wal`, `-shm` and `-journal`
//! files, which SQLite gives the database file's mode), runs the versioned migrations in
//! `migrations/` and refuses a database whose schema is newer than this binary knows.
#![deny(missing_docs)]

use coffer_store::{
    AuditEvent, AuditFilter, Expect, FlightRecord, GrantRecord, IdentityRecord, LogChunk, NodeRecord, ProjectRecord,
    Result, RunEnd, RunRecord, SealedRecord, SecretRecord, Store, StoreError, TokenRecord,
};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The migrations, in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_secrets.sql"),
    include_str!("../migrations/0002_identities_audit.sql"),
    include_str!("../migrations/0003_generation.sql"),
    include_str!("../migrations/0004_secret_versions.sql"),
    include_str!("../migrations/0005_flights.sql"),
    include_str!("../migrations/0006_nodes.sql"),
    include_str!("../migrations/0007_token_parent.sql"),
];

/// The SQLite store: one writer connection, a pool of read-only connections (WAL lets them
/// read while the writer commits).
pub struct SqliteStore {
    conn: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    group: Mutex<Group>,
    group_done: std::sync::Condvar,
    keep_versions: std::sync::atomic::AtomicUsize,
    path: PathBuf,
}

/// Group commit of audit events: requests queue their events; one of them (the leader) writes
/// everything queued in one transaction (one fsync) and hands each its result, while the next
/// requests queue behind it. Under load many requests share one fsync; alone, a request
/// commits at once.
#[derive(Default)]
struct Group {
    queue: Vec<(u64, Vec<AuditEvent>)>,
    leader: bool,
    next: u64,
    results: std::collections::HashMap<u64, std::result::Result<(), String>>,
}

/// How many idle read connections are kept.
const READERS_KEPT: usize = 8;

/// A read connection borrowed from the pool; it goes back on drop.
struct Reader<'a> {
    store: &'a SqliteStore,
    conn: Option<Connection>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Set in `SqliteStore::reader` and taken only in `drop`.
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("a reader always holds its connection"))
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            if let Ok(mut pool) = self.store.readers.lock() {
                if pool.len() < READERS_KEPT {
                    pool.push(c);
                }
            }
        }
    }
}

fn open_reader(path: &Path) -> Result<Connection> {
    use rusqlite::OpenFlags;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(backend)?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(backend)?;
    Ok(conn)
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish()
    }
}

fn audit(e: rusqlite::Error) -> StoreError {
    StoreError::Audit(e.to_string())
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Creates the database file empty with mode `0600` when it does not exist, so that it is never
/// readable by others, not even for a moment, whatever the process umask: SQLite would create
/// it `0644` less the umask. SQLite creates the `-wal`, `-shm` and `-journal` files with the
/// database file's mode, so they are `0600` from creation too. An existing file is left as is.
fn create_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Backend(format!("{}: {e}", path.display()))),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    ///
    /// # Errors
    /// [`StoreError::SchemaTooNew`], [`StoreError::Backend`].
    pub fn open(path: &Path) -> Result<Self> {
        create_private(path)?;
        let conn = Connection::open(path).map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(backend)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(backend)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(backend)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(backend)?;
        let store = SqliteStore {
            conn: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            group: Mutex::new(Group::default()),
            group_done: std::sync::Condvar::new(),
            keep_versions: std::sync::atomic::AtomicUsize::new(10),
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn reader(&self) -> Result<Reader<'_>> {
        let pooled = self
            .readers
            .lock()
            .map_err(|_| StoreError::Backend("the database lock is poisoned".into()))?
            .pop();
        let conn = match pooled {
            Some(c) => c,
            None => open_reader(&self.path)?,
        };
        Ok(Reader {
            store: self,
            conn: Some(conn),
        })
    }

    /// At most one row of a read, on a pooled read connection.
    fn read_one<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        row: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
        stmt.query_row(params, row).optional().map_err(backend)
    }

    /// Every row of a read, on a pooled read connection.
    fn read_all<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
        let rows = stmt.query_map(params, row).map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }

    /// Every secret record a read returns, JSON columns parsed.
    fn read_records(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<SecretRecord>> {
        self.read_all(sql, params, row_to_record)?
            .into_iter()
            .map(finish)
            .collect()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| StoreError::Backend("the database lock is poisoned".into()))
    }

    /// Runs `f` in an immediate transaction, committing when it succeeds.
    fn write<R>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<R>) -> Result<R> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(backend)?;
        let out = f(&tx)?;
        tx.commit().map_err(backend)?;
        Ok(out)
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
    fn put_secret(&self, r: &SecretRecord, expect: Expect, audit: &[AuditEvent]) -> Result<()> {
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
                let keep = self.keep_versions.load(std::sync::atomic::Ordering::Relaxed) as i64;
                if keep > 0 {
                    tx.execute(
                        &format!(
                            "INSERT INTO secret_versions ({COLUMNS}) SELECT {COLUMNS} FROM secrets \
                             WHERE project = ?1 AND name = ?2"
                        ),
                        params![r.project, r.name],
                    )
                    .map_err(backend)?;
                }
                // Keep the `keep` newest earlier versions.
                tx.execute(
                    "DELETE FROM secret_versions WHERE project = ?1 AND name = ?2 AND version <= ?3",
                    params![r.project, r.name, c - keep],
                )
                .map_err(backend)?;
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
        insert_secret(&tx, "secrets", r)?;
        bump(&tx)?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(backend)
    }

    fn get_secret(&self, project: &str, name: &str) -> Result<Option<SecretRecord>> {
        let parts = self.read_one(
            &format!("SELECT {COLUMNS} FROM secrets WHERE project = ?1 AND name = ?2"),
            params![project, name],
            row_to_record,
        )?;
        parts.map(finish).transpose()
    }

    fn all_versions(&self) -> Result<Vec<SecretRecord>> {
        self.read_records(
            &format!("SELECT {COLUMNS} FROM secrets UNION ALL SELECT {COLUMNS} FROM secret_versions ORDER BY 1, 2, 12"),
            [],
        )
    }

    fn rewrap_version(
        &self,
        project: &str,
        name: &str,
        version: i64,
        old: (&str, &[u8]),
        new: (&str, &[u8]),
    ) -> Result<bool> {
        self.write(|tx| {
            let mut n = 0;
            for table in ["secrets", "secret_versions"] {
                n += tx
                    .execute(
                        &format!(
                            "UPDATE {table} SET key_id = ?6, wrapped_key = ?7 WHERE project = ?1 AND name = ?2 \
                             AND version = ?3 AND key_id = ?4 AND wrapped_key = ?5"
                        ),
                        params![project, name, version, old.0, old.1, new.0, new.1],
                    )
                    .map_err(backend)?;
            }
            if n > 0 {
                bump(tx)?;
            }
            Ok(n > 0)
        })
    }

    fn set_keep_versions(&self, keep: usize) {
        self.keep_versions.store(keep, std::sync::atomic::Ordering::Relaxed);
    }

    fn secret_history(&self, project: &str, name: &str) -> Result<Vec<SecretRecord>> {
        self.read_records(
            &format!(
                "SELECT {COLUMNS} FROM secret_versions WHERE project = ?1 AND name = ?2 \
                 UNION ALL SELECT {COLUMNS} FROM secrets WHERE project = ?1 AND name = ?2 ORDER BY 12"
            ),
            params![project, name],
        )
    }

    fn list_secrets(&self, project: &str) -> Result<Vec<SecretRecord>> {
        self.read_records(
            &format!("SELECT {COLUMNS} FROM secrets WHERE project = ?1 ORDER BY name"),
            params![project],
        )
    }

    fn delete_secret(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(backend)?;
        let n = tx
            .execute(
                "DELETE FROM secrets WHERE project = ?1 AND name = ?2",
                params![project, name],
            )
            .map_err(backend)?;
        if n == 0 {
            return Ok(false);
        }
        tx.execute(
            "DELETE FROM secret_versions WHERE project = ?1 AND name = ?2",
            params![project, name],
        )
        .map_err(backend)?;
        bump(&tx)?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(backend)?;
        Ok(true)
    }

    fn create_project(&self, p: &ProjectRecord, audit: &[AuditEvent]) -> Result<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "INSERT OR IGNORE INTO projects (name, created_at, created_by) VALUES (?1, ?2, ?3)",
                    params![p.name, p.created_at, p.created_by],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(conflict("project", &p.name));
            }
            bump(tx)?;
            write_audit(tx, audit)
        })
    }

    fn get_project(&self, name: &str) -> Result<Option<ProjectRecord>> {
        self.read_one(
            "SELECT name, created_at, created_by FROM projects WHERE name = ?1",
            params![name],
            project_row,
        )
    }

    fn list_projects(&self) -> Result<Vec<ProjectRecord>> {
        self.read_all(
            "SELECT name, created_at, created_by FROM projects ORDER BY name",
            [],
            project_row,
        )
    }

    fn delete_project(&self, name: &str, audit: &[AuditEvent]) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .execute("DELETE FROM projects WHERE name = ?1", params![name])
                .map_err(backend)?;
            if n == 0 {
                return Ok(false);
            }
            for sql in [
                "DELETE FROM secrets WHERE project = ?1",
                "DELETE FROM secret_versions WHERE project = ?1",
                "DELETE FROM grants WHERE project = ?1",
                "DELETE FROM identities WHERE project = ?1 AND kind = 'service_account'",
                "DELETE FROM flight_run_logs WHERE flight_id IN (SELECT id FROM flights WHERE project = ?1)",
                "DELETE FROM flight_runs WHERE flight_id IN (SELECT id FROM flights WHERE project = ?1)",
                "DELETE FROM flights WHERE project = ?1",
            ] {
                tx.execute(sql, params![name]).map_err(backend)?;
            }
            bump(tx)?;
            write_audit(tx, audit)?;
            Ok(true)
        })
    }

    fn create_identity(&self, i: &IdentityRecord, audit: &[AuditEvent]) -> Result<i64> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "INSERT OR IGNORE INTO identities (name, kind, superuser, project, created_at, created_by) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![i.name, i.kind, i.superuser, i.project, i.created_at, i.created_by],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(conflict("identity", &i.name));
            }
            let id = tx.last_insert_rowid();
            bump(tx)?;
            write_audit(tx, audit)?;
            Ok(id)
        })
    }

    fn get_identity(&self, name: &str) -> Result<Option<IdentityRecord>> {
        self.read_one(
            &format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE name = ?1"),
            params![name],
            identity_row,
        )
    }

    fn get_identity_by_id(&self, id: i64) -> Result<Option<IdentityRecord>> {
        self.read_one(
            &format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE id = ?1"),
            params![id],
            identity_row,
        )
    }

    fn list_identities(&self) -> Result<Vec<IdentityRecord>> {
        self.read_all(
            &format!("SELECT {IDENTITY_COLUMNS} FROM identities ORDER BY name"),
            [],
            identity_row,
        )
    }

    fn create_token(&self, t: &TokenRecord, audit: &[AuditEvent]) -> Result<i64> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "INSERT OR IGNORE INTO tokens (public_id, identity_id, name, hash, created_at, created_by, \
                     expires_at, last_used_at, revoked_at, parent_token_id) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![
                        t.public_id,
                        t.identity_id,
                        t.name,
                        t.hash,
                        t.created_at,
                        t.created_by,
                        t.expires_at,
                        t.last_used_at,
                        t.revoked_at,
                        t.parent_id
                    ],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(conflict("token", &t.name));
            }
            let id = tx.last_insert_rowid();
            bump(tx)?;
            write_audit(tx, audit)?;
            Ok(id)
        })
    }

    fn token_by_public_id(&self, public_id: &str) -> Result<Option<TokenRecord>> {
        self.read_one(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE public_id = ?1"),
            params![public_id],
            token_row,
        )
    }

    fn get_token(&self, name: &str) -> Result<Option<TokenRecord>> {
        self.read_one(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE name = ?1"),
            params![name],
            token_row,
        )
    }

    fn list_tokens(&self) -> Result<Vec<TokenRecord>> {
        self.read_all(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY name"),
            [],
            token_row,
        )
    }

    fn token_ancestors(&self, id: i64) -> Result<Vec<TokenRecord>> {
        let found = self.read_all(
            &format!(
                "WITH RECURSIVE up(id) AS (SELECT ?1 UNION SELECT t.parent_token_id FROM tokens t JOIN up \
                 ON t.id = up.id WHERE t.parent_token_id IS NOT NULL) \
                 SELECT {TOKEN_COLUMNS} FROM tokens WHERE id IN (SELECT id FROM up)"
            ),
            params![id],
            token_row,
        )?;
        Ok(coffer_store::chain_above(id, found))
    }

    fn revoke_token(
        &self,
        name: &str,
        at: i64,
        audit: &dyn Fn(&[TokenRecord]) -> Vec<AuditEvent>,
    ) -> Result<Vec<TokenRecord>> {
        self.write(|tx| {
            let found = {
                let mut stmt = tx
                    .prepare_cached(&format!(
                        "WITH RECURSIVE tree(id) AS (SELECT id FROM tokens WHERE name = ?1 AND revoked_at IS NULL \
                         UNION SELECT t.id FROM tokens t JOIN tree ON t.parent_token_id = tree.id) \
                         SELECT {TOKEN_COLUMNS} FROM tokens WHERE revoked_at IS NULL AND id IN (SELECT id FROM tree) \
                         ORDER BY id"
                    ))
                    .map_err(backend)?;
                let rows = stmt.query_map(params![name], token_row).map_err(backend)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)?
            };
            let revoked = coffer_store::root_first(name, found, at);
            if revoked.is_empty() {
                return Ok(revoked);
            }
            {
                let mut stmt = tx
                    .prepare_cached("UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")
                    .map_err(backend)?;
                for t in &revoked {
                    stmt.execute(params![t.id, at]).map_err(backend)?;
                }
            }
            bump(tx)?;
            write_audit(tx, &audit(&revoked))?;
            Ok(revoked)
        })
    }

    fn touch_token(&self, id: i64, at: i64) -> Result<()> {
        let conn = self.lock()?;
        conn.execute("UPDATE tokens SET last_used_at = ?2 WHERE id = ?1", params![id, at])
            .map_err(backend)?;
        Ok(())
    }

    fn set_grant(&self, g: &GrantRecord, audit: &[AuditEvent]) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO grants (project, identity_id, role, granted_at, granted_by) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (project, identity_id) DO UPDATE SET role = excluded.role, \
                 granted_at = excluded.granted_at, granted_by = excluded.granted_by",
                params![g.project, g.identity_id, g.role, g.granted_at, g.granted_by],
            )
            .map_err(backend)?;
            bump(tx)?;
            write_audit(tx, audit)
        })
    }

    fn remove_grant(&self, project: &str, identity_id: i64, audit: &[AuditEvent]) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "DELETE FROM grants WHERE project = ?1 AND identity_id = ?2",
                    params![project, identity_id],
                )
                .map_err(backend)?;
            if n == 0 {
                return Ok(false);
            }
            bump(tx)?;
            write_audit(tx, audit)?;
            Ok(true)
        })
    }

    fn get_grant(&self, project: &str, identity_id: i64) -> Result<Option<GrantRecord>> {
        self.read_one(
            &format!("SELECT {GRANT_COLUMNS} FROM grants WHERE project = ?1 AND identity_id = ?2"),
            params![project, identity_id],
            grant_row,
        )
    }

    fn list_grants(&self, project: Option<&str>) -> Result<Vec<GrantRecord>> {
        self.read_all(
            &format!(
                "SELECT {GRANT_COLUMNS} FROM grants WHERE ?1 IS NULL OR project = ?1 ORDER BY project, identity_id"
            ),
            params![project],
            grant_row,
        )
    }

    fn generation(&self) -> Result<i64> {
        self.read_one("SELECT generation FROM meta", [], |r| r.get(0))?
            .ok_or_else(|| StoreError::Backend("the meta table has no row".into()))
    }

    fn append_audit(&self, events: &[AuditEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let poisoned = || StoreError::Audit("the audit queue's lock is poisoned".into());
        let mut g = self.group.lock().map_err(|_| poisoned())?;
        let ticket = g.next;
        g.next += 1;
        g.queue.push((ticket, events.to_vec()));
        loop {
            if let Some(r) = g.results.remove(&ticket) {
                return r.map_err(StoreError::Audit);
            }
            if g.leader {
                g = self.group_done.wait(g).map_err(|_| poisoned())?;
                continue;
            }
            g.leader = true;
            let batch = std::mem::take(&mut g.queue);
            drop(g);
            let all: Vec<AuditEvent> = batch.iter().flat_map(|(_, e)| e.iter().cloned()).collect();
            let result = self.write(|tx| write_audit(tx, &all)).map_err(|e| match e {
                StoreError::Audit(m) => m,
                other => other.to_string(),
            });
            g = self.group.lock().map_err(|_| poisoned())?;
            for (t, _) in &batch {
                g.results.insert(*t, result.clone());
            }
            g.leader = false;
            self.group_done.notify_all();
        }
    }

    fn list_audit(&self, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT * FROM (SELECT id, at, actor, token_name, project, object, action, result, client, detail \
                 FROM audit_events WHERE (?1 IS NULL OR project = ?1 COLLATE NOCASE) \
                 AND (?2 IS NULL OR object = ?2 COLLATE NOCASE) AND (?3 IS NULL OR actor = ?3 COLLATE NOCASE) \
                 AND (?4 IS NULL OR at >= ?4) ORDER BY id DESC LIMIT ?5) ORDER BY id",
            )
            .map_err(backend)?;
        let limit = f.limit.map_or(-1, |l| l as i64);
        let rows = stmt
            .query_map(params![f.project, f.object, f.actor, f.since, limit], |r| {
                Ok(AuditEvent {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    token_name: r.get(3)?,
                    project: r.get(4)?,
                    object: r.get(5)?,
                    action: r.get(6)?,
                    result: r.get(7)?,
                    client: r.get(8)?,
                    detail: r.get(9)?,
                })
            })
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }

    // ---- flights (not counted by the generation: no cache holds them) ----

    fn create_flight(&self, f: &FlightRecord, audit: &[AuditEvent]) -> Result<()> {
        self.write(|tx| {
            if !insert_flight(tx, f)? {
                return Err(conflict("flight", &f.name));
            }
            write_audit(tx, audit)
        })
    }

    fn update_flight(&self, f: &FlightRecord, expect_version: i64, audit: &[AuditEvent]) -> Result<()> {
        let spec = json(&f.spec)?;
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE flights SET spec = ?2, version = ?3, updated_at = ?4 WHERE id = ?1 AND version = ?5",
                    params![f.id, spec, f.version, f.updated_at, expect_version],
                )
                .map_err(backend)?;
            if n == 0 {
                let found: Option<i64> = tx
                    .query_row("SELECT version FROM flights WHERE id = ?1", params![f.id], |r| r.get(0))
                    .optional()
                    .map_err(backend)?;
                return Err(StoreError::Conflict {
                    name: f.name.clone(),
                    what: match found {
                        Some(v) => format!("changed since it was read (version {v})"),
                        None => "does not exist".into(),
                    },
                });
            }
            write_audit(tx, audit)
        })
    }

    fn get_flight(&self, project: &str, name: &str) -> Result<Option<FlightRecord>> {
        self.read_one(
            &format!("SELECT {FLIGHT_COLUMNS} FROM flights WHERE project = ?1 AND name = ?2"),
            params![project, name],
            flight_row,
        )?
        .transpose()
    }

    fn get_flight_by_id(&self, id: &str) -> Result<Option<FlightRecord>> {
        self.read_one(
            &format!("SELECT {FLIGHT_COLUMNS} FROM flights WHERE id = ?1"),
            params![id],
            flight_row,
        )?
        .transpose()
    }

    fn list_flights(&self, project: Option<&str>) -> Result<Vec<FlightRecord>> {
        self.read_all(
            &format!("SELECT {FLIGHT_COLUMNS} FROM flights WHERE ?1 IS NULL OR project = ?1 ORDER BY project, name"),
            params![project],
            flight_row,
        )?
        .into_iter()
        .collect()
    }

    fn delete_flight(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool> {
        self.write(|tx| {
            let id: Option<String> = tx
                .query_row(
                    "SELECT id FROM flights WHERE project = ?1 AND name = ?2",
                    params![project, name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            let Some(id) = id else {
                return Ok(false);
            };
            for sql in [
                "DELETE FROM flight_run_logs WHERE flight_id = ?1",
                "DELETE FROM flight_runs WHERE flight_id = ?1",
                "DELETE FROM flights WHERE id = ?1",
            ] {
                tx.execute(sql, params![id]).map_err(backend)?;
            }
            write_audit(tx, audit)?;
            Ok(true)
        })
    }

    fn claim_tick(&self, flight_id: &str, expect: Option<i64>, tick: i64) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE flights SET last_tick = ?3 WHERE id = ?1 AND last_tick IS ?2",
                    params![flight_id, expect, tick],
                )
                .map_err(backend)?;
            Ok(n > 0)
        })
    }

    fn create_run(&self, run: &RunRecord, max_running: u32, audit: &[AuditEvent]) -> Result<i64> {
        self.write(|tx| {
            let name: Option<String> = tx
                .query_row("SELECT name FROM flights WHERE id = ?1", params![run.flight_id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(backend)?;
            let Some(name) = name else {
                return Err(StoreError::Conflict {
                    name: run.flight_id.clone(),
                    what: "does not exist (no flight has that id)".into(),
                });
            };
            let running: i64 = tx
                .query_row(
                    "SELECT COUNT(*) FROM flight_runs WHERE flight_id = ?1 AND status = 'running'",
                    params![run.flight_id],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            if running >= i64::from(max_running) {
                return Err(StoreError::Conflict {
                    name,
                    what: format!("has {running} running runs (concurrency {max_running})"),
                });
            }
            let number: i64 = tx
                .query_row(
                    "SELECT COALESCE(MAX(run_number), 0) + 1 FROM flight_runs WHERE flight_id = ?1",
                    params![run.flight_id],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            insert_run(tx, run, number)?;
            write_audit(tx, audit)?;
            Ok(number)
        })
    }

    fn get_run(&self, flight_id: &str, run_number: i64) -> Result<Option<RunRecord>> {
        self.read_one(
            &format!("SELECT {RUN_COLUMNS} FROM flight_runs WHERE flight_id = ?1 AND run_number = ?2"),
            params![flight_id, run_number],
            run_row,
        )?
        .transpose()
    }

    fn list_runs(&self, flight_id: &str, limit: usize) -> Result<Vec<RunRecord>> {
        self.read_all(
            &format!("SELECT {RUN_COLUMNS} FROM flight_runs WHERE flight_id = ?1 ORDER BY run_number DESC LIMIT ?2"),
            params![flight_id, sql_limit(limit)],
            run_row,
        )?
        .into_iter()
        .collect()
    }

    fn running_runs(&self) -> Result<Vec<RunRecord>> {
        self.read_all(
            &format!("SELECT {RUN_COLUMNS} FROM flight_runs WHERE status = 'running' ORDER BY flight_id, run_number"),
            [],
            run_row,
        )?
        .into_iter()
        .collect()
    }

    fn finish_run(&self, flight_id: &str, run_number: i64, end: &RunEnd, audit: &[AuditEvent]) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE flight_runs SET status = ?3, exit_code = ?4, finished_at = ?5, message = ?6 \
                     WHERE flight_id = ?1 AND run_number = ?2 AND status = 'running'",
                    params![
                        flight_id,
                        run_number,
                        end.status,
                        end.exit_code,
                        end.finished_at,
                        end.message
                    ],
                )
                .map_err(backend)?;
            if n == 0 {
                return Ok(false);
            }
            write_audit(tx, audit)?;
            Ok(true)
        })
    }

    fn request_cancel(&self, flight_id: &str, run_number: i64, audit: &[AuditEvent]) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE flight_runs SET cancel_requested = 1 \
                     WHERE flight_id = ?1 AND run_number = ?2 AND status = 'running'",
                    params![flight_id, run_number],
                )
                .map_err(backend)?;
            if n == 0 {
                return Ok(false);
            }
            write_audit(tx, audit)?;
            Ok(true)
        })
    }

    fn append_log(&self, flight_id: &str, run_number: i64, chunks: &[LogChunk]) -> Result<()> {
        if chunks.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let last: i64 = tx
                .query_row(
                    "SELECT COALESCE(MAX(seq), 0) FROM flight_run_logs WHERE flight_id = ?1 AND run_number = ?2",
                    params![flight_id, run_number],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO flight_run_logs (flight_id, run_number, seq, stream, at, data) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(backend)?;
            for (seq, c) in (last + 1..).zip(chunks) {
                stmt.execute(params![flight_id, run_number, seq, c.stream, c.at, c.data])
                    .map_err(backend)?;
            }
            Ok(())
        })
    }

    fn read_log(&self, flight_id: &str, run_number: i64, after: i64, limit: usize) -> Result<Vec<LogChunk>> {
        self.read_all(
            "SELECT seq, stream, at, data FROM flight_run_logs \
             WHERE flight_id = ?1 AND run_number = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
            params![flight_id, run_number, after, sql_limit(limit)],
            |r| {
                Ok(LogChunk {
                    seq: r.get(0)?,
                    stream: r.get(1)?,
                    at: r.get(2)?,
                    data: r.get(3)?,
                })
            },
        )
    }

    fn node_heartbeat(&self, node: &NodeRecord) -> Result<()> {
        let conn = self.lock()?;
        conn.prepare_cached(
            "INSERT INTO nodes (id, started_at, heartbeat_at, url) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, url = excluded.url",
        )
        .and_then(|mut s| s.execute(params![node.id, node.started_at, node.heartbeat_at, node.url]))
        .map_err(backend)?;
        Ok(())
    }

    fn list_nodes(&self) -> Result<Vec<NodeRecord>> {
        self.read_all(
            "SELECT id, started_at, heartbeat_at, url FROM nodes ORDER BY id",
            [],
            |r| {
                Ok(NodeRecord {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    heartbeat_at: r.get(2)?,
                    url: r.get(3)?,
                })
            },
        )
    }

    fn export(&self) -> Result<coffer_store::Dump> {
        let conn = self.reader()?;
        // One read transaction: WAL gives it a snapshot at its first read, so every table is
        // read as of the same commit while writers go on. Read-only: dropping it ends it.
        let tx = conn.unchecked_transaction().map_err(backend)?;
        fn all<T>(
            tx: &rusqlite::Transaction<'_>,
            sql: &str,
            row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        ) -> Result<Vec<T>> {
            let mut stmt = tx.prepare(sql).map_err(backend)?;
            let rows = stmt.query_map([], row).map_err(backend)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
        }
        let records = |table: &str| -> Result<Vec<SecretRecord>> {
            all(
                &tx,
                &format!("SELECT {COLUMNS} FROM {table} ORDER BY project, name, version"),
                row_to_record,
            )?
            .into_iter()
            .map(finish)
            .collect()
        };
        Ok(coffer_store::Dump {
            projects: all(
                &tx,
                "SELECT name, created_at, created_by FROM projects ORDER BY name",
                project_row,
            )?,
            secrets: records("secrets")?,
            versions: records("secret_versions")?,
            identities: all(
                &tx,
                &format!("SELECT {IDENTITY_COLUMNS} FROM identities ORDER BY id"),
                identity_row,
            )?,
            tokens: all(
                &tx,
                &format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id"),
                token_row,
            )?,
            grants: all(
                &tx,
                &format!("SELECT {GRANT_COLUMNS} FROM grants ORDER BY project, identity_id"),
                grant_row,
            )?,
            audit: all(
                &tx,
                &format!("SELECT {AUDIT_COLUMNS} FROM audit_events ORDER BY id"),
                audit_row,
            )?,
            flights: all(
                &tx,
                &format!("SELECT {FLIGHT_COLUMNS} FROM flights ORDER BY id"),
                flight_row,
            )?
            .into_iter()
            .collect::<Result<_>>()?,
            runs: all(
                &tx,
                &format!("SELECT {RUN_COLUMNS} FROM flight_runs ORDER BY flight_id, run_number"),
                run_row,
            )?
            .into_iter()
            .collect::<Result<_>>()?,
            logs: all(
                &tx,
                "SELECT flight_id, run_number, seq, stream, at, data FROM flight_run_logs \
                 ORDER BY flight_id, run_number, seq",
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        LogChunk {
                            seq: r.get(2)?,
                            stream: r.get(3)?,
                            at: r.get(4)?,
                            data: r.get(5)?,
                        },
                    ))
                },
            )?,
        })
    }

    fn import(&self, dump: &coffer_store::Dump) -> Result<()> {
        self.write(|tx| {
            // Every table a fresh store leaves empty; `projects` holds `default` (the first
            // migration inserts it) and is replaced whole.
            for table in [
                "secrets",
                "secret_versions",
                "identities",
                "tokens",
                "grants",
                "flights",
                "flight_runs",
                "flight_run_logs",
                "audit_events",
            ] {
                let used: bool = tx
                    .query_row(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), [], |r| r.get(0))
                    .map_err(backend)?;
                if used {
                    return Err(StoreError::Conflict {
                        name: table.into(),
                        what: "is not empty: migrate into a fresh database".into(),
                    });
                }
            }
            tx.execute("DELETE FROM projects", []).map_err(backend)?;
            import_rows(tx, dump)?;
            bump(tx)
        })
    }

    fn remove_node(&self, id: &str) -> Result<bool> {
        let conn = self.lock()?;
        let n = conn
            .execute("DELETE FROM nodes WHERE id = ?1", params![id])
            .map_err(backend)?;
        Ok(n > 0)
    }
}

/// Inserts every row of `dump`, ids kept, parents before children (foreign keys are on).
/// Explicit ids in the AUTOINCREMENT columns move `sqlite_sequence` past them, so later rows
/// get fresh ids.
/// Inserts a flight unless one has its id or name; returns whether it did.
fn insert_flight(tx: &rusqlite::Transaction<'_>, f: &FlightRecord) -> Result<bool> {
    let spec = json(&f.spec)?;
    let n = tx
        .prepare_cached(&format!(
            "INSERT OR IGNORE INTO flights ({FLIGHT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ))
        .and_then(|mut stmt| {
            stmt.execute(params![
                f.id,
                f.project,
                f.name,
                spec,
                f.version,
                f.owner,
                f.owner_id,
                f.created_at,
                f.updated_at,
                f.last_tick
            ])
        })
        .map_err(backend)?;
    Ok(n > 0)
}

/// Inserts a run under `number`.
fn insert_run(tx: &rusqlite::Transaction<'_>, run: &RunRecord, number: i64) -> Result<()> {
    let config = json(&run.config)?;
    tx.prepare_cached(&format!(
        "INSERT INTO flight_runs ({RUN_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    ))
    .and_then(|mut stmt| {
        stmt.execute(params![
            run.flight_id,
            number,
            run.status,
            run.flight_version,
            config,
            run.exit_code,
            run.trigger,
            run.started_by,
            run.started_at,
            run.finished_at,
            run.message,
            run.runner,
            run.cancel_requested,
            run.scheduled_for
        ])
    })
    .map_err(backend)?;
    Ok(())
}

/// Inserts one secret version into `secrets` or `secret_versions`.
fn insert_secret(tx: &rusqlite::Transaction<'_>, table: &str, r: &SecretRecord) -> Result<()> {
    let (scopes, public, sensitive) = (json(&r.scopes)?, json(&r.public_fields)?, json(&r.sensitive_keys)?);
    tx.prepare_cached(&format!(
        "INSERT INTO {table} ({COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    ))
    .and_then(|mut stmt| {
        stmt.execute(params![
            r.project,
            r.name,
            r.secret_type,
            r.provider,
            scopes,
            public,
            sensitive,
            r.sealed.key_id,
            r.sealed.wrapped_key,
            r.sealed.nonce,
            r.sealed.ciphertext,
            r.version,
            r.created_at,
            r.created_by,
            r.updated_at,
            r.updated_by
        ])
    })
    .map_err(backend)?;
    Ok(())
}

fn import_rows(tx: &rusqlite::Transaction<'_>, dump: &coffer_store::Dump) -> Result<()> {
    let mut stmt = tx
        .prepare("INSERT INTO projects (name, created_at, created_by) VALUES (?1, ?2, ?3)")
        .map_err(backend)?;
    for p in &dump.projects {
        stmt.execute(params![p.name, p.created_at, p.created_by])
            .map_err(backend)?;
    }
    for (table, records) in [("secrets", &dump.secrets), ("secret_versions", &dump.versions)] {
        for r in records {
            insert_secret(tx, table, r)?;
        }
    }
    let mut stmt = tx
        .prepare(&format!(
            "INSERT INTO identities ({IDENTITY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        ))
        .map_err(backend)?;
    for i in &dump.identities {
        stmt.execute(params![
            i.id,
            i.name,
            i.kind,
            i.superuser,
            i.project,
            i.created_at,
            i.created_by
        ])
        .map_err(backend)?;
    }
    let mut stmt = tx
        .prepare(&format!(
            "INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ))
        .map_err(backend)?;
    for t in &dump.tokens {
        stmt.execute(params![
            t.id,
            t.public_id,
            t.identity_id,
            t.name,
            t.hash,
            t.created_at,
            t.created_by,
            t.expires_at,
            t.last_used_at,
            t.revoked_at,
            t.parent_id
        ])
        .map_err(backend)?;
    }
    let mut stmt = tx
        .prepare(&format!(
            "INSERT INTO grants ({GRANT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"
        ))
        .map_err(backend)?;
    for g in &dump.grants {
        stmt.execute(params![g.project, g.identity_id, g.role, g.granted_at, g.granted_by])
            .map_err(backend)?;
    }
    let mut stmt = tx
        .prepare(&format!(
            "INSERT INTO audit_events ({AUDIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ))
        .map_err(backend)?;
    for e in &dump.audit {
        stmt.execute(params![
            e.id,
            e.at,
            e.actor,
            e.token_name,
            e.project,
            e.object,
            e.action,
            e.result,
            e.client,
            e.detail
        ])
        .map_err(backend)?;
    }
    for f in &dump.flights {
        insert_flight(tx, f)?;
    }
    for run in &dump.runs {
        insert_run(tx, run, run.run_number)?;
    }
    let mut stmt = tx
        .prepare(
            "INSERT INTO flight_run_logs (flight_id, run_number, seq, stream, at, data) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(backend)?;
    for (flight_id, run_number, c) in &dump.logs {
        stmt.execute(params![flight_id, run_number, c.seq, c.stream, c.at, c.data])
            .map_err(backend)?;
    }
    Ok(())
}

fn conflict(what: &str, name: &str) -> StoreError {
    StoreError::Conflict {
        name: name.to_string(),
        what: format!("already exists (a {what} of that name)"),
    }
}

/// Marks a change that caches must see (see `Store::generation`).
fn bump(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    tx.prepare_cached("UPDATE meta SET generation = generation + 1")
        .and_then(|mut s| s.execute([]))
        .map_err(backend)?;
    Ok(())
}

fn write_audit(tx: &rusqlite::Transaction<'_>, events: &[AuditEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO audit_events (at, actor, token_name, project, object, action, result, client, detail) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .map_err(audit)?;
    for e in events {
        stmt.execute(params![
            e.at,
            e.actor,
            e.token_name,
            e.project,
            e.object,
            e.action,
            e.result,
            e.client,
            e.detail
        ])
        .map_err(audit)?;
    }
    Ok(())
}

const IDENTITY_COLUMNS: &str = "id, name, kind, superuser, project, created_at, created_by";
const TOKEN_COLUMNS: &str =
    "id, public_id, identity_id, name, hash, created_at, created_by, expires_at, last_used_at, \
     revoked_at, parent_token_id";
const GRANT_COLUMNS: &str = "project, identity_id, role, granted_at, granted_by";
const AUDIT_COLUMNS: &str = "id, at, actor, token_name, project, object, action, result, client, detail";

const FLIGHT_COLUMNS: &str = "id, project, name, spec, version, owner, owner_id, created_at, updated_at, last_tick";
const RUN_COLUMNS: &str = "flight_id, run_number, status, flight_version, config, exit_code, \"trigger\", started_by, \
     started_at, finished_at, message, runner, cancel_requested, scheduled_for";

/// A `LIMIT` for SQLite: -1 (no limit) when `limit` does not fit.
fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(-1)
}

/// A flight row; the outer error is the database's, the inner one a spec that cannot be read.
fn flight_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<FlightRecord>> {
    let name: String = r.get(2)?;
    let spec: String = r.get(3)?;
    let spec = match serde_json::from_str(&spec) {
        Ok(spec) => spec,
        Err(_) => {
            return Ok(Err(StoreError::Corrupt {
                name,
                reason: "spec is not a valid flight definition (JSON)".into(),
            }))
        }
    };
    Ok(Ok(FlightRecord {
        id: r.get(0)?,
        project: r.get(1)?,
        name,
        spec,
        version: r.get(4)?,
        owner: r.get(5)?,
        owner_id: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        last_tick: r.get(9)?,
    }))
}

/// A run row; the outer error is the database's, the inner one a config that cannot be read.
fn run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<RunRecord>> {
    let flight_id: String = r.get(0)?;
    let run_number: i64 = r.get(1)?;
    let config: String = r.get(4)?;
    let config = match serde_json::from_str(&config) {
        Ok(config) => config,
        Err(_) => {
            return Ok(Err(StoreError::Corrupt {
                name: format!("flight {flight_id} run {run_number}"),
                reason: "config is not valid JSON".into(),
            }))
        }
    };
    Ok(Ok(RunRecord {
        flight_id,
        run_number,
        status: r.get(2)?,
        flight_version: r.get(3)?,
        config,
        exit_code: r.get(5)?,
        trigger: r.get(6)?,
        started_by: r.get(7)?,
        started_at: r.get(8)?,
        finished_at: r.get(9)?,
        message: r.get(10)?,
        runner: r.get(11)?,
        cancel_requested: r.get(12)?,
        scheduled_for: r.get(13)?,
    }))
}

fn project_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProjectRecord> {
    Ok(ProjectRecord {
        name: r.get(0)?,
        created_at: r.get(1)?,
        created_by: r.get(2)?,
    })
}

fn identity_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<IdentityRecord> {
    Ok(IdentityRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        superuser: r.get(3)?,
        project: r.get(4)?,
        created_at: r.get(5)?,
        created_by: r.get(6)?,
    })
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRecord> {
    Ok(TokenRecord {
        id: r.get(0)?,
        public_id: r.get(1)?,
        identity_id: r.get(2)?,
        name: r.get(3)?,
        hash: r.get(4)?,
        created_at: r.get(5)?,
        created_by: r.get(6)?,
        expires_at: r.get(7)?,
        last_used_at: r.get(8)?,
        revoked_at: r.get(9)?,
        parent_id: r.get(10)?,
    })
}

fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEvent> {
    Ok(AuditEvent {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        token_name: r.get(3)?,
        project: r.get(4)?,
        object: r.get(5)?,
        action: r.get(6)?,
        result: r.get(7)?,
        client: r.get(8)?,
        detail: r.get(9)?,
    })
}

fn grant_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GrantRecord> {
    Ok(GrantRecord {
        project: r.get(0)?,
        identity_id: r.get(1)?,
        role: r.get(2)?,
        granted_at: r.get(3)?,
        granted_by: r.get(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> coffer_model::flight::FlightSpec {
        coffer_model::flight::FlightSpec {
            kind: coffer_model::flight::FlightKind::Command,
            command: vec!["true".into()],
            script: None,
            config: Default::default(),
            secrets: vec![],
            token_name: None,
            schedule: None,
            timezone: None,
            timeout_secs: None,
            concurrency: 1,
            steps: vec![],
            runs_as_since: None,
        }
    }

    #[test]
    fn undecodable_flight_rows_are_corrupt() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.db");
        let store = SqliteStore::open(&path).expect("open");
        let f = FlightRecord {
            id: "f-1".into(),
            project: "p".into(),
            name: "Broken".into(),
            spec: spec(),
            version: 1,
            owner: "o".into(),
            owner_id: None,
            created_at: 1,
            updated_at: 1,
            last_tick: None,
        };
        store.create_flight(&f, &[]).expect("create");
        let run = RunRecord {
            flight_id: "f-1".into(),
            run_number: 0,
            status: "running".into(),
            flight_version: 1,
            config: Default::default(),
            exit_code: None,
            trigger: "manual".into(),
            started_by: "o".into(),
            started_at: 2,
            finished_at: None,
            message: None,
            runner: None,
            cancel_requested: false,
            scheduled_for: None,
        };
        assert_eq!(store.create_run(&run, 1, &[]).expect("run"), 1);
        assert!(store.get_flight("p", "broken").expect("readable").is_some());
        {
            let conn = store.lock().expect("lock");
            conn.execute("UPDATE flights SET spec = '{\"kind\":\"rocket\"}'", [])
                .expect("break spec");
            conn.execute("UPDATE flight_runs SET config = '[1'", [])
                .expect("break config");
        }
        for got in [
            store.get_flight("p", "broken").map(|_| ()),
            store.get_flight_by_id("f-1").map(|_| ()),
            store.list_flights(None).map(|_| ()),
        ] {
            match got {
                Err(StoreError::Corrupt { name, reason }) => {
                    assert_eq!(name, "Broken");
                    assert!(reason.contains("spec"), "{reason}");
                }
                other => panic!("a bad spec must be Corrupt: {other:?}"),
            }
        }
        for got in [
            store.get_run("f-1", 1).map(|_| ()),
            store.list_runs("f-1", 5).map(|_| ()),
            store.running_runs().map(|_| ()),
        ] {
            assert!(matches!(got, Err(StoreError::Corrupt { .. })), "{got:?}");
        }
    }

    #[test]
    fn migrates_a_version_4_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.db");
        {
            let conn = Connection::open(&path).expect("raw");
            for sql in &MIGRATIONS[..4] {
                conn.execute_batch(sql).expect("old migration");
            }
            conn.pragma_update(None, "user_version", 4).expect("version");
        }
        let store = SqliteStore::open(&path).expect("open");
        assert!(store.list_flights(None).expect("flights table").is_empty());
        let version: i64 = store
            .lock()
            .expect("lock")
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[test]
    fn tokens_from_before_parents_have_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.db");
        {
            let conn = Connection::open(&path).expect("raw");
            for sql in &MIGRATIONS[..6] {
                conn.execute_batch(sql).expect("old migration");
            }
            conn.execute_batch(
                "INSERT INTO identities (name, kind, created_at, created_by) VALUES ('alice', 'user', 1, 't'); \
                 INSERT INTO tokens (public_id, identity_id, name, hash, created_at, created_by) \
                 VALUES ('ab', 1, 'old', x'00', 1, 't');",
            )
            .expect("old rows");
            conn.pragma_update(None, "user_version", 6).expect("version");
        }
        let store = SqliteStore::open(&path).expect("open");
        let old = store.get_token("old").expect("get").expect("kept");
        assert_eq!(old.parent_id, None);
        assert!(store.token_ancestors(old.id).expect("ancestors").is_empty());
    }

    #[test]
    fn refuses_a_newer_schema() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.db");
        drop(SqliteStore::open(&path).expect("open"));
        let conn = Connection::open(&path).expect("raw");
        conn.pragma_update(None, "user_version", 99).expect("bump");
        drop(conn);
        let err = SqliteStore::open(&path).expect_err("newer schema");
        assert_eq!(
            err.to_string(),
            "the database schema is version 99 but this coffer knows up to 7: upgrade coffer"
        );
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn the_database_and_its_wal_and_shm_are_private_from_creation() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.db");
        let store = SqliteStore::open(&path).expect("open");
        store
            .create_project(
                &ProjectRecord {
                    name: "p".into(),
                    created_at: 0,
                    created_by: "t".into(),
                },
                &[],
            )
            .expect("a write");
        let mut seen = Vec::new();
        for entry in std::fs::read_dir(dir.path()).expect("list") {
            let entry = entry.expect("entry");
            let mode = entry.metadata().expect("meta").permissions().mode() & 0o777;
            seen.push((entry.file_name().to_string_lossy().into_owned(), mode));
        }
        seen.sort();
        assert_eq!(
            seen,
            [
                ("c.db".into(), 0o600),
                ("c.db-shm".into(), 0o600),
                ("c.db-wal".into(), 0o600)
            ]
        );
        drop(store);
        // An existing file keeps its mode (it is the operator's).
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        drop(SqliteStore::open(&path).expect("reopen"));
        assert_eq!(
            std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
            0o640
        );
    }
}
