//! The test suite every [`Store`] backend must pass. A backend's tests call [`run_all`] with a
//! function that makes a fresh, empty store.

use crate::{Expect, SealedRecord, SecretRecord, Store, StoreError};
use coffer_model::FieldValue;
use std::collections::BTreeMap;

/// A record for tests.
pub fn record(project: &str, name: &str, version: i64) -> SecretRecord {
    let mut public_fields = BTreeMap::new();
    public_fields.insert("key_id".to_string(), FieldValue::Text("AKIAEXAMPLE".into()));
    public_fields.insert("use_ssl".to_string(), FieldValue::Bool(false));
    public_fields.insert("port".to_string(), FieldValue::Int(5432));
    SecretRecord {
        project: project.into(),
        name: name.into(),
        secret_type: "s3".into(),
        provider: "config".into(),
        scopes: vec!["s3://a".into(), "s3://b/c".into()],
        public_fields,
        sensitive_keys: vec!["secret".into()],
        sealed: SealedRecord {
            key_id: "local:1".into(),
            wrapped_key: vec![1, 2, 3, version as u8],
            nonce: vec![9; 12],
            ciphertext: vec![7; 33],
        },
        version,
        created_at: 1_700_000_000_000,
        created_by: "tester".into(),
        updated_at: 1_700_000_000_000 + version,
        updated_by: "tester".into(),
    }
}

/// Runs every test against stores made by `make`.
pub fn run_all(make: &dyn Fn() -> Box<dyn Store>) {
    put_get_round_trip(&*make());
    optimistic_versions(&*make());
    projects_are_isolated(&*make());
    list_and_delete(&*make());
    names_are_case_insensitive(&*make());
}

/// Names are unique and found case-insensitively; the written case is kept.
pub fn names_are_case_insensitive(store: &dyn Store) {
    store.put_secret(&record("p", "My_S3", 1), Expect::Absent).expect("put");
    assert!(matches!(
        store.put_secret(&record("p", "my_s3", 1), Expect::Absent),
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.get_secret("p", "MY_S3").expect("get").map(|r| r.name),
        Some("My_S3".to_string())
    );
    store
        .put_secret(&record("p", "MY_S3", 2), Expect::Version(1))
        .expect("replace");
    assert_eq!(store.list_secrets("p").expect("list").len(), 1);
    assert!(store.delete_secret("p", "my_s3").expect("delete"));
}

/// What is written is read back unchanged.
pub fn put_get_round_trip(store: &dyn Store) {
    let r = record("p", "s1", 1);
    store.put_secret(&r, Expect::Absent).expect("put");
    assert_eq!(store.get_secret("p", "s1").expect("get"), Some(r));
    assert_eq!(store.get_secret("p", "missing").expect("get"), None);
}

/// Expectations are enforced.
pub fn optimistic_versions(store: &dyn Store) {
    let r1 = record("p", "s", 1);
    store.put_secret(&r1, Expect::Absent).expect("put");
    assert!(matches!(
        store.put_secret(&r1, Expect::Absent),
        Err(StoreError::Conflict { .. })
    ));
    let r2 = record("p", "s", 2);
    assert!(matches!(
        store.put_secret(&r2, Expect::Version(5)),
        Err(StoreError::Conflict { .. })
    ));
    store.put_secret(&r2, Expect::Version(1)).expect("replace");
    assert!(matches!(
        store.put_secret(&r2, Expect::Version(1)),
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.get_secret("p", "s").expect("get").map(|r| r.version), Some(2));
    assert!(matches!(
        store.put_secret(&record("p", "nope", 2), Expect::Version(1)),
        Err(StoreError::Conflict { .. })
    ));
}

/// One project's names are invisible from another.
pub fn projects_are_isolated(store: &dyn Store) {
    store
        .put_secret(&record("a", "same", 1), Expect::Absent)
        .expect("put a");
    store
        .put_secret(&record("b", "same", 1), Expect::Absent)
        .expect("put b");
    assert!(store.delete_secret("a", "same").expect("delete"));
    assert!(store.get_secret("a", "same").expect("get").is_none());
    assert!(store.get_secret("b", "same").expect("get").is_some());
    assert_eq!(store.list_secrets("a").expect("list").len(), 0);
    assert_eq!(store.list_secrets("b").expect("list").len(), 1);
}

/// Listing is ordered by name; deleting twice reports the second as absent.
pub fn list_and_delete(store: &dyn Store) {
    for n in ["c", "a", "b"] {
        store.put_secret(&record("p", n, 1), Expect::Absent).expect("put");
    }
    let names: Vec<String> = store
        .list_secrets("p")
        .expect("list")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert!(store.delete_secret("p", "b").expect("delete"));
    assert!(!store.delete_secret("p", "b").expect("delete again"));
}
