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

/// Every stored version (current and kept) opens with the keyring: (opened, failed).
fn values(svc: &Service) -> (usize, usize) {
    let r = svc.verify_all(&Caller::local()).expect("verify");
    (r.opened, r.failed.len())
}

#[test]
fn prune_removes_unused_old_keys_and_keeps_what_is_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path(), "master.key");
    put(&svc, "api", "PRUNE-v1", OnConflict::Error);
    put(&svc, "api", "PRUNE-v2", OnConflict::Replace);
    put(&svc, "db", "PRUNE-db", OnConflict::Error);
    let before = values(&svc);
    // Nothing to prune yet: one key, the current one.
    let r = svc.prune_keys(&Caller::local()).expect("prune");
    assert!(r.holds_keys && r.removed.is_empty(), "{r:?}");
    assert_eq!(r.kept.len(), 1);

    // The kept version api v1's wrapped key under local:1, to put back later.
    let conn = rusqlite::Connection::open(dir.path().join("coffer.db")).expect("raw");
    let old: (String, Vec<u8>) = conn
        .query_row(
            "SELECT key_id, wrapped_key FROM secret_versions WHERE name = 'api' AND version = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("kept version");
    assert_eq!(old.0, "local:1");

    svc.rotate_keys(&Caller::local()).expect("rotate");
    svc.rotate_keys(&Caller::local()).expect("rotate");
    let r = svc.prune_keys(&Caller::local()).expect("prune");
    assert_eq!(r.removed, ["local:1", "local:2"]);
    assert_eq!(r.current_key, "local:3");
    assert_eq!(values(&svc), before, "every version, kept ones too, still opens");
    let text = std::fs::read_to_string(dir.path().join("master.key")).expect("key file");
    assert!(!text.contains("key 1 ") && !text.contains("key 2 ") && text.contains("key 3 "));
    let status = svc.key_status(&Caller::local()).expect("status");
    assert_eq!(status.len(), 1);

    // A version still wrapped under an old key (here: one put back as a backup would)
    // keeps that key, and the report says which versions use it.
    svc.rotate_keys(&Caller::local()).expect("rotate"); // local:4
    let under3: (String, Vec<u8>) = conn
        .query_row(
            "SELECT key_id, wrapped_key FROM secret_versions WHERE name = 'api' AND version = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("kept version");
    assert_eq!(under3.0, "local:4");
    drop(old);
    svc.rotate_keys(&Caller::local()).expect("rotate"); // local:5
    conn.execute(
        "UPDATE secret_versions SET key_id = ?1, wrapped_key = ?2 WHERE name = 'api' AND version = 1",
        rusqlite::params![under3.0, under3.1],
    )
    .expect("put back");
    let r = svc.prune_keys(&Caller::local()).expect("prune");
    assert_eq!(r.removed, ["local:3"]);
    let kept: Vec<(&str, usize, &[String])> = r
        .kept
        .iter()
        .map(|k| (k.key_id.as_str(), k.data_keys, &k.used_by[..]))
        .collect();
    assert_eq!(
        kept,
        [
            ("local:4", 1, &["default/api version 1".to_string()][..]),
            ("local:5", 2, &[][..]),
        ]
    );
    assert!(
        r.kept[0].reason.starts_with("still wraps 1 data key:"),
        "{}",
        r.kept[0].reason
    );
    assert!(r.kept[1].reason.starts_with("current"), "{}", r.kept[1].reason);
    assert_eq!(values(&svc), before);

    // Audited; and superusers only.
    let events = svc
        .list_audit(&Caller::local(), &coffer_core::AuditFilter::default())
        .expect("audit");
    let prunes: Vec<&str> = events
        .iter()
        .filter(|e| e.action == "key.prune")
        .filter_map(|e| e.detail.as_deref())
        .collect();
    assert_eq!(
        prunes,
        [
            "removing unused key-encryption keys local:1, local:2",
            "removing unused key-encryption keys local:3"
        ]
    );
    let reader = Caller {
        superuser: false,
        ..Caller::local()
    };
    assert!(matches!(svc.prune_keys(&reader), Err(CoreError::NeedsSuperuser { .. })));
}

#[test]
fn prune_with_a_keyring_that_holds_no_keys_says_so() {
    struct Kms;
    impl coffer_crypto::Keyring for Kms {
        fn current_key_id(&self) -> String {
            "kms:arn:aws:kms:eu-west-1:1:key/k".into()
        }
        fn generate_data_key(
            &self,
            _: &[u8],
        ) -> coffer_crypto::Result<(coffer_crypto::DataKey, coffer_crypto::keyring::WrappedKey)> {
            Err(coffer_crypto::CryptoError::Unsupported("test"))
        }
        fn decrypt_data_key(
            &self,
            _: &coffer_crypto::keyring::WrappedKey,
            _: &[u8],
        ) -> coffer_crypto::Result<coffer_crypto::DataKey> {
            Err(coffer_crypto::CryptoError::Unsupported("test"))
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = Service::new(
        Box::new(SqliteStore::open(&dir.path().join("coffer.db")).expect("db")),
        Box::new(Kms),
    );
    let r = svc.prune_keys(&Caller::local()).expect("prune");
    assert!(!r.holds_keys && r.removed.is_empty() && r.kept.is_empty(), "{r:?}");
    assert_eq!(r.current_key, "kms:arn:aws:kms:eu-west-1:1:key/k");
}
