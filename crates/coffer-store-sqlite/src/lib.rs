//! coffer's embedded default store: one SQLite file (WAL mode) behind a mutex.
//!
//! [`SqliteStore::open`] creates the file `0600` (and so its `-wal`, `-shm` and `-journal`
//! files, which SQLite gives the database file's mode), runs the versioned migrations in
//! `migrations/` (`migrations.rs`) and refuses a database whose schema is newer than this binary
//! knows. The store is a [`coffer_store::sql::SqlBackend`]: what it does is written once in
//! `coffer-store`; this crate supplies SQLite's connections (`rows.rs`: its dialect, and
//! rusqlite's connections and rows as the shared logic reads them) and its group commit of
//! audit events.
#![deny(missing_docs)]

mod migrations;
mod rows;

use coffer_store::sql::{Conn, SqlBackend, SqlState, Value};
use coffer_store::{AuditEvent, Result, StoreError};
use rows::{backend, Db};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The SQLite store: one writer connection, a pool of read-only connections (WAL lets them
/// read while the writer commits).
pub struct SqliteStore {
    conn: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    group: Mutex<Group>,
    group_done: std::sync::Condvar,
    state: SqlState,
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
            state: SqlState::new(&rows::Sqlite),
            path: path.to_path_buf(),
        };
        migrations::migrate(&mut *store.lock()?)?;
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

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| StoreError::Backend("the database lock is poisoned".into()))
    }
}

impl SqlBackend for SqliteStore {
    fn state(&self) -> &SqlState {
        &self.state
    }

    /// On a pooled read connection.
    fn read<R>(&self, f: impl FnOnce(&dyn Conn) -> Result<R>) -> Result<R> {
        let conn = self.reader()?;
        f(&Db(&conn))
    }

    /// In an immediate transaction on the writer connection.
    fn write<R>(&self, f: impl FnOnce(&dyn Conn) -> Result<Option<R>>) -> Result<Option<R>> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(backend)?;
        let out = f(&Db(&tx))?;
        if out.is_some() {
            tx.commit().map_err(backend)?;
        }
        Ok(out)
    }

    /// One read transaction: WAL gives it a snapshot at its first read, so every table is
    /// read as of the same commit while writers go on. Read-only: dropping it ends it.
    fn snapshot<R>(&self, f: impl FnOnce(&dyn Conn) -> Result<R>) -> Result<R> {
        let conn = self.reader()?;
        let tx = conn.unchecked_transaction().map_err(backend)?;
        f(&Db(&tx))
    }

    /// On the writer connection, outside a transaction.
    fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64> {
        Db(&*self.lock()?).execute(sql, params)
    }

    fn commit_audit(&self, events: &[AuditEvent]) -> Result<()> {
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
            let insert = self.statements().audit_insert();
            let result = self
                .write(|tx| tx.insert_audit(insert, &all).map(Some))
                .map(|_| ())
                .map_err(|e| match e {
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
}

#[cfg(test)]
mod tests;
