//! Secrets: writes, versions, names.

use super::fixtures::*;

/// What is written is read back unchanged.
pub fn put_get_round_trip(store: &dyn Store) {
    let r = record("p", "s1", 1);
    store.put_secret(&r, Expect::Absent, &[]).expect("put");
    assert_eq!(store.get_secret("p", "s1").expect("get"), Some(r));
    assert_eq!(store.get_secret("p", "missing").expect("get"), None);
}

/// Expectations are enforced.
pub fn optimistic_versions(store: &dyn Store) {
    let r1 = record("p", "s", 1);
    store.put_secret(&r1, Expect::Absent, &[]).expect("put");
    assert!(matches!(
        store.put_secret(&r1, Expect::Absent, &[]),
        Err(StoreError::Conflict { .. })
    ));
    let r2 = record("p", "s", 2);
    assert!(matches!(
        store.put_secret(&r2, Expect::Version(5), &[]),
        Err(StoreError::Conflict { .. })
    ));
    store.put_secret(&r2, Expect::Version(1), &[]).expect("replace");
    assert!(matches!(
        store.put_secret(&r2, Expect::Version(1), &[]),
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.get_secret("p", "s").expect("get").map(|r| r.version), Some(2));
    assert!(matches!(
        store.put_secret(&record("p", "nope", 2), Expect::Version(1), &[]),
        Err(StoreError::Conflict { .. })
    ));
}

/// One project's names are invisible from another.
pub fn projects_are_isolated(store: &dyn Store) {
    store
        .put_secret(&record("a", "same", 1), Expect::Absent, &[])
        .expect("put a");
    store
        .put_secret(&record("b", "same", 1), Expect::Absent, &[])
        .expect("put b");
    assert!(store.delete_secret("a", "same", &[]).expect("delete"));
    assert!(store.get_secret("a", "same").expect("get").is_none());
    assert!(store.get_secret("b", "same").expect("get").is_some());
    assert_eq!(store.list_secrets("a").expect("list").len(), 0);
    assert_eq!(store.list_secrets("b").expect("list").len(), 1);
}

/// Listing is ordered by name; deleting twice reports the second as absent.
pub fn list_and_delete(store: &dyn Store) {
    for n in ["c", "a", "b"] {
        store.put_secret(&record("p", n, 1), Expect::Absent, &[]).expect("put");
    }
    let names: Vec<String> = store
        .list_secrets("p")
        .expect("list")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert!(store.delete_secret("p", "b", &[]).expect("delete"));
    assert!(!store.delete_secret("p", "b", &[]).expect("delete again"));
}

/// Names are unique and found case-insensitively; the written case is kept.
pub fn names_are_case_insensitive(store: &dyn Store) {
    store
        .put_secret(&record("p", "My_S3", 1), Expect::Absent, &[])
        .expect("put");
    assert!(matches!(
        store.put_secret(&record("p", "my_s3", 1), Expect::Absent, &[]),
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.get_secret("p", "MY_S3").expect("get").map(|r| r.name),
        Some("My_S3".to_string())
    );
    store
        .put_secret(&record("p", "MY_S3", 2), Expect::Version(1), &[])
        .expect("replace");
    assert_eq!(store.list_secrets("p").expect("list").len(), 1);
    assert!(store.delete_secret("p", "my_s3", &[]).expect("delete"));
}

/// A replace keeps the earlier version; only the newest `keep` are kept; a drop forgets them.
pub fn replaced_versions_are_kept(store: &dyn Store) {
    store.set_keep_versions(3);
    store.put_secret(&record("p", "v", 1), Expect::Absent, &[]).expect("v1");
    for v in 2..=6 {
        store
            .put_secret(&record("p", "V", v), Expect::Version(v - 1), &[])
            .expect("replace");
    }
    let versions: Vec<i64> = store
        .secret_history("p", "v")
        .expect("history")
        .iter()
        .map(|r| r.version)
        .collect();
    assert_eq!(versions, [3, 4, 5, 6]);
    let old = &store.secret_history("p", "v").expect("history")[0];
    assert_eq!(
        old.sealed,
        record("p", "v", 3).sealed,
        "an old version is kept sealed as written"
    );
    assert_eq!(store.get_secret("p", "v").expect("get").map(|r| r.version), Some(6));
    assert_eq!(store.list_secrets("p").expect("list").len(), 1, "history is not listed");
    store.set_keep_versions(0);
    store
        .put_secret(&record("p", "v", 7), Expect::Version(6), &[])
        .expect("v7");
    assert_eq!(
        store
            .secret_history("p", "v")
            .expect("history")
            .iter()
            .map(|r| r.version)
            .collect::<Vec<_>>(),
        [7]
    );
    store.set_keep_versions(10);
    store
        .put_secret(&record("p", "v", 8), Expect::Version(7), &[])
        .expect("v8");
    assert!(store.delete_secret("p", "v", &[]).expect("drop"));
    assert!(store.secret_history("p", "v").expect("history").is_empty());
    store
        .put_secret(&record("p", "v", 1), Expect::Absent, &[])
        .expect("again");
    assert_eq!(store.secret_history("p", "v").expect("history").len(), 1);
}

/// Rewrapping replaces one version's wrapped key only if it is unchanged.
pub fn rewrap_is_compare_and_swap(store: &dyn Store) {
    store.put_secret(&record("p", "w", 1), Expect::Absent, &[]).expect("v1");
    store
        .put_secret(&record("p", "w", 2), Expect::Version(1), &[])
        .expect("v2");
    store.put_secret(&record("q", "x", 1), Expect::Absent, &[]).expect("x");
    assert_eq!(store.all_versions().expect("all").len(), 3);
    let old = record("p", "w", 1).sealed;
    let g = store.generation().expect("generation");
    assert!(store
        .rewrap_version("p", "w", 1, (&old.key_id, &old.wrapped_key), ("local:2", &[5, 5]))
        .expect("rewrap old version"));
    assert_ne!(store.generation().expect("generation"), g);
    assert!(!store
        .rewrap_version("p", "w", 1, (&old.key_id, &old.wrapped_key), ("local:3", &[6]))
        .expect("stale"));
    let kept = &store.secret_history("p", "w").expect("history")[0];
    assert_eq!(
        (kept.sealed.key_id.as_str(), kept.sealed.wrapped_key.as_slice()),
        ("local:2", &[5u8, 5][..])
    );
    let cur = record("p", "w", 2).sealed;
    assert!(store
        .rewrap_version("p", "w", 2, (&cur.key_id, &cur.wrapped_key), ("local:2", &[7]))
        .expect("rewrap current"));
    assert_eq!(
        store.get_secret("p", "w").expect("get").map(|r| r.sealed.key_id),
        Some("local:2".into())
    );
}
