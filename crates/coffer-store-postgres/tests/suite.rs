//! The store suite (the same one the SQLite store passes) on a real PostgreSQL server: each
//! test gets a fresh database.

use coffer_store::Store;
use coffer_store_postgres::{testing, PgStore};

fn fresh() -> Box<dyn Store> {
    Box::new(PgStore::connect(&testing::fresh_database()).expect("connect"))
}

#[test]
fn store_suite() {
    coffer_store::suite::run_all(&fresh);
}
