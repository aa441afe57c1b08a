//! The shared store suite on real SQLite files: one test a case, each on a fresh database.

use coffer_store::Store;
use coffer_store_sqlite::SqliteStore;
use std::cell::Cell;

/// Databases in one temporary directory, deleted with it.
struct Sqlite {
    dir: tempfile::TempDir,
    made: Cell<u32>,
}

impl coffer_store_suite::Backend for Sqlite {
    fn new() -> Option<Self> {
        Some(Sqlite {
            dir: tempfile::tempdir().expect("tempdir"),
            made: Cell::new(0),
        })
    }

    fn store(&self) -> Box<dyn Store> {
        self.made.set(self.made.get() + 1);
        let path = self.dir.path().join(format!("store-{}.db", self.made.get()));
        Box::new(SqliteStore::open(&path).expect("open"))
    }
}

coffer_store_suite::store_suite!(Sqlite);
