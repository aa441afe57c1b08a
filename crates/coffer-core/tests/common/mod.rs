//! What the service tests share: a Service on a real SQLite file and a real key file in a
//! temporary directory, and the caller they act as.

// Each test binary includes this module and uses a different part of it.
#![allow(dead_code)]

use coffer_core::{Caller, Role, Service};
use coffer_crypto::LocalKeyFile;
use coffer_store_sqlite::SqliteStore;
use std::path::PathBuf;

/// A temporary directory holding `coffer.db` and `master.key`.
pub struct Env {
    /// The directory.
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("coffer.db")
    }

    /// A service over the directory's store, with projects p, q, a, b and other.
    pub fn service(&self) -> Service {
        let (kr, _) = LocalKeyFile::open_or_create(&self.dir.path().join("master.key")).expect("key");
        let svc = Service::new(Box::new(SqliteStore::open(&self.db()).expect("db")), Box::new(kr));
        for p in ["p", "q", "a", "b", "other"] {
            let _ = svc.create_project(&actor(), p);
        }
        svc
    }

    /// Every byte of the database files (main file, WAL, shared memory).
    pub fn db_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).expect("read dir") {
            let path = entry.expect("entry").path();
            if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("coffer.db"))
            {
                all.extend(std::fs::read(&path).expect("read db file"));
            }
        }
        all
    }
}

/// The superuser the tests act as.
pub fn actor() -> Caller {
    Caller {
        name: "test:alice".into(),
        ..Caller::local()
    }
}

/// A new user with `role` in project p (none when `None`), as its token authenticates it.
pub fn user(svc: &Service, name: &str, role: Option<Role>) -> Caller {
    svc.create_user(&actor(), name, false).expect("user");
    if let Some(role) = role {
        svc.grant(&actor(), "p", role, name).expect("grant");
    }
    let t = svc
        .create_token(&actor(), Some(name), &format!("{name}-t"), None)
        .expect("token");
    svc.authenticate(t.token.expose_secret(), "test").expect("authenticate")
}
