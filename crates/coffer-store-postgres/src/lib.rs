//! coffer's PostgreSQL store, for several `coffer serve` nodes on one database.
//!
//! [`PgStore::connect`] takes a `postgres://` URL, runs the versioned migrations in
//! `migrations/` (under an advisory lock, so nodes starting together migrate once) and refuses
//! a database whose schema is newer than this binary knows.
//!
//! - **The same semantics as the SQLite store**: what the store does is written once in
//!   `coffer-store` ([`coffer_store::sql`]) and checked by the one store suite
//!   (`coffer-store-suite`); this crate supplies PostgreSQL's connections and dialect
//!   (`rows.rs`), its migrations and its change feed (`feed.rs`). Every transaction that changes cached
//!   state (a secret, project, identity, token or grant) first bumps the generation row in
//!   `meta`, taking its row lock: such writes commit one at a time across all nodes, as
//!   SQLite's single writer does, and every node's caches see the new generation on their
//!   next request.
//! - **A change feed**: those transactions also `pg_notify` what they changed; a node's
//!   [`NodeStore::subscribe`](coffer_store::NodeStore::subscribe) LISTENs and reports changes
//!   made by the other nodes (its own are skipped), so their live DuckDB instances follow
//!   within milliseconds.
//! - **Synchronous API over an async driver**: the store traits are blocking (it is called
//!   from blocking threads and from async handlers alike). The store owns a small tokio
//!   runtime that drives the connections (tokio-postgres, pooled by deadpool); a call blocks
//!   the calling thread on its future, never on another runtime's scheduler, so it works from
//!   any thread.
#![deny(missing_docs)]

mod config;
mod error;
mod feed;
mod migrations;
mod rows;

use config::settings;
pub use config::{connect_config, redact_url};

use coffer_store::sql::{Conn, SqlBackend, SqlState, Value};
use coffer_store::{AuditEvent, Result, StoreChange, StoreError};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use error::{pg, pool_err};
use futures_executor::block_on;
use rows::Pg;
use std::future::Future;
use std::time::Duration;

/// The PostgreSQL store.
pub struct PgStore {
    /// Drives the connections; `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    pool: Pool,
    config: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    state: SqlState,
    /// This store's id in the change feed, so it can skip its own notifications.
    origin: String,
    url: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropping a runtime from inside another runtime's thread would panic; this never
        // blocks.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://USER:PASSWORD@HOST:PORT/DB`) and
    /// migrates it.
    ///
    /// # Errors
    /// [`StoreError::SchemaTooNew`]; [`StoreError::Backend`] when the URL is invalid, the server
    /// cannot be reached or refuses the login (the message never holds the password).
    pub fn connect(url: &str) -> Result<Self> {
        let redacted = redact_url(url);
        let (config, tls, pool_size) = settings(url)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("coffer-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Backend(format!("cannot start the PostgreSQL driver: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = {
            let _in = runtime.enter();
            Pool::builder(manager)
                .max_size(pool_size)
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .wait_timeout(Some(Duration::from_secs(30)))
                .create_timeout(Some(Duration::from_secs(15)))
                .build()
                .map_err(|e| StoreError::Backend(format!("cannot set up the PostgreSQL pool: {e}")))?
        };
        let store = PgStore {
            runtime: Some(runtime),
            pool,
            config,
            tls,
            state: SqlState::new(&rows::Postgres),
            origin: uuid_like(),
            url: redacted,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Runs `fut` to its end on this thread, with the store's runtime as the context its
    /// connections need.
    fn block<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        let _in = self.enter()?;
        block_on(fut)
    }

    /// The store's runtime as this thread's context (the pool's timeouts need it), until the
    /// guard drops.
    fn enter(&self) -> Result<tokio::runtime::EnterGuard<'_>> {
        match &self.runtime {
            Some(rt) => Ok(rt.enter()),
            None => Err(StoreError::Backend("the store is closed".into())),
        }
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pool_err)
    }

    /// `client` as a [`Conn`] of this store.
    fn conn<'a, C>(&'a self, client: &'a C) -> Pg<'a, C> {
        Pg {
            client,
            origin: &self.origin,
        }
    }
}

/// A random id for this store in the change feed.
fn uuid_like() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

/// A call blocks the calling thread on each statement in turn, in the store's runtime.
impl SqlBackend for PgStore {
    fn state(&self) -> &SqlState {
        &self.state
    }

    /// On a pooled connection.
    fn read<R>(&self, f: impl FnOnce(&dyn Conn) -> Result<R>) -> Result<R> {
        let _in = self.enter()?;
        let c = block_on(self.client())?;
        f(&self.conn(&c))
    }

    fn write<R>(&self, f: impl FnOnce(&dyn Conn) -> Result<Option<R>>) -> Result<Option<R>> {
        let _in = self.enter()?;
        let mut c = block_on(self.client())?;
        let tx = block_on(c.transaction()).map_err(pg)?;
        let out = f(&self.conn(&tx))?;
        if out.is_some() {
            block_on(tx.commit()).map_err(pg)?;
        }
        Ok(out)
    }

    /// A read-only repeatable-read transaction.
    fn snapshot<R>(&self, f: impl FnOnce(&dyn Conn) -> Result<R>) -> Result<R> {
        let _in = self.enter()?;
        let mut c = block_on(self.client())?;
        let tx = block_on(
            c.build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start(),
        )
        .map_err(pg)?;
        let out = f(&self.conn(&tx))?;
        block_on(tx.commit()).map_err(pg)?;
        Ok(out)
    }

    /// On a pooled connection: one statement is one transaction.
    fn execute(&self, sql: &str, params: &[Value<'_>]) -> Result<u64> {
        let _in = self.enter()?;
        let c = block_on(self.client())?;
        self.conn(&c).execute(sql, params)
    }

    /// One statement, one transaction: no BEGIN/COMMIT round trips.
    fn commit_audit(&self, events: &[AuditEvent]) -> Result<()> {
        self.block(async {
            let c = self.client().await?;
            rows::insert_audit(&c, events).await
        })
        .map_err(|e| match e {
            StoreError::Audit(m) => StoreError::Audit(m),
            other => StoreError::Audit(other.to_string()),
        })
    }

    fn change_feed(&self) -> Result<Option<std::sync::mpsc::Receiver<StoreChange>>> {
        let Some(rt) = &self.runtime else {
            return Err(StoreError::Backend("the store is closed".into()));
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        rt.spawn(feed::listen(
            self.config.clone(),
            self.tls.clone(),
            self.origin.clone(),
            tx,
            ready_tx,
        ));
        // The first LISTEN must be in place before this returns, so no later change is missed.
        match ready_rx.recv_timeout(Duration::from_secs(20)) {
            Ok(Ok(())) => Ok(Some(rx)),
            Ok(Err(e)) => Err(StoreError::Backend(format!("cannot listen for changes: {e}"))),
            Err(_) => Err(StoreError::Backend(
                "cannot listen for changes: no answer in 20 s".into(),
            )),
        }
    }
}
