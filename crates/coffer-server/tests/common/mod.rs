//! What the API tests share: a service over a fresh store.

use coffer_core::Service;
use coffer_crypto::LocalKeyFile;
use coffer_store_sqlite::SqliteStore;
use std::path::Path;
use std::sync::Arc;

/// A service over a new SQLite store and key file in `dir`, and the token of its bootstrap
/// superuser.
pub fn bootstrapped(dir: &Path) -> (Arc<Service>, String) {
    let (keyring, _) = LocalKeyFile::open_or_create(&dir.join("master.key")).expect("key");
    let store = SqliteStore::open(&dir.join("coffer.db")).expect("db");
    let service = Arc::new(Service::new(Box::new(store), Box::new(keyring)));
    let admin = service
        .bootstrap()
        .expect("bootstrap")
        .expect("an empty store")
        .token
        .expose_secret()
        .to_string();
    (service, admin)
}
