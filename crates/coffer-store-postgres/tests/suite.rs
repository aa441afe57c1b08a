//! The store suite (the same one the SQLite store passes) on a real PostgreSQL server: one
//! test a case, each on a fresh database; skipped with a note when no server is configured.

mod common;

use coffer_store::Store;
use coffer_store_postgres::PgStore;
use coffer_store_postgres_testing as testing;

/// The test server.
struct Postgres;

impl coffer_store_suite::Backend for Postgres {
    fn new() -> Option<Self> {
        common::server_configured().then_some(Postgres)
    }

    fn store(&self) -> Box<dyn Store> {
        Box::new(PgStore::connect(&testing::fresh_database()).expect("connect"))
    }
}

coffer_store_suite::store_suite!(Postgres);
