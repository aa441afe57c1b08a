//! The shared store suite on a real SQLite file.

use coffer_store_sqlite::SqliteStore;

#[test]
fn sqlite_passes_the_store_suite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = std::cell::Cell::new(0);
    coffer_store::suite::run_all(&|| {
        counter.set(counter.get() + 1);
        let path = dir.path().join(format!("store-{}.db", counter.get()));
        Box::new(SqliteStore::open(&path).expect("open"))
    });
}
