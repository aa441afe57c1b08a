//! Key verification: every stored version opens with the keyring, and a tampered version or
//! another key file is named, never a value.

use coffer_core::keys::VerifyReport;
use coffer_core::{Caller, CoreError, CreateRequest, OnConflict, Service};
use coffer_crypto::LocalKeyFile;
use coffer_model::{InputValue, Storage};
use coffer_store_sqlite::SqliteStore;
use std::path::Path;

fn service(dir: &Path, key: &str) -> Service {
    let (kr, _) = LocalKeyFile::open_or_create(&dir.join(key)).expect("key");
    Service::new(
        Box::new(SqliteStore::open(&dir.join("coffer.db")).expect("db")),
        Box::new(kr),
    )
}

fn put(svc: &Service, name: &str, value: &str, on_conflict: OnConflict) {
    let req = CreateRequest {
        name: Some(name.into()),
        secret_type: "generic".into(),
        provider: None,
        scopes: vec![],
        storage: Storage::Coffer,
        on_conflict,
        values: vec![(
            "value".into(),
            InputValue::Text(coffer_crypto::SecretString::from(value)),
        )],
    };
    svc.create_secret(&Caller::local(), "default", req).expect("create");
}

#[test]
fn verify_opens_every_version_and_names_the_ones_that_fail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "master.key");
    put(&svc, "api", "VERIFY-v1", OnConflict::Error);
    put(&svc, "api", "VERIFY-v2", OnConflict::Replace);
    put(&svc, "db", "VERIFY-db", OnConflict::Error);
    let report = svc.verify_all(&Caller::local()).expect("verify");
    assert_eq!(
        report,
        VerifyReport {
            opened: 3,
            failed: vec![]
        }
    );
    let report = svc.verify_each_key(&Caller::local()).expect("verify each key");
    assert_eq!((report.opened, report.failed.len()), (1, 0));

    let reader = Caller {
        superuser: false,
        ..Caller::local()
    };
    assert!(matches!(svc.verify_all(&reader), Err(CoreError::NeedsSuperuser { .. })));

    // A kept version whose ciphertext was changed fails alone, by name and version.
    let conn = rusqlite::Connection::open(dir.path().join("coffer.db")).expect("raw");
    conn.execute(
        "UPDATE secret_versions SET ciphertext = zeroblob(length(ciphertext)) WHERE name = 'api'",
        [],
    )
    .expect("tamper");
    let report = svc.verify_all(&Caller::local()).expect("verify");
    assert_eq!(report.opened, 2);
    let [f] = &report.failed[..] else {
        panic!("one failure expected: {report:?}")
    };
    assert_eq!((f.project.as_str(), f.name.as_str(), f.version), ("default", "api", 1));
    assert!(f.reason.contains("integrity"), "{}", f.reason);
    assert!(!f.reason.contains("VERIFY"), "{}", f.reason);

    // Another key file opens nothing.
    let other = service(dir.path(), "other.key");
    let report = other.verify_all(&Caller::local()).expect("verify");
    assert_eq!((report.opened, report.failed.len()), (0, 3));
    let report = other.verify_each_key(&Caller::local()).expect("verify each key");
    assert_eq!((report.opened, report.failed.len()), (0, 1));
}
