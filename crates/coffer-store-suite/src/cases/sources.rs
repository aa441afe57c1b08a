//! Data sources: writes with optimistic versions, names, listing, deletion, audit and the
//! generation, and a project's deletion taking its sources.

use super::fixtures::*;

/// What is written is read back unchanged; names are found case-insensitively.
pub fn sources_round_trip(store: &dyn Store) {
    let pg = source("p", "warehouse", 1);
    store.put_source(&pg, Expect::Absent, &[]).expect("put");
    assert_eq!(store.get_source("p", "warehouse").expect("get"), Some(pg.clone()));
    assert_eq!(store.get_source("p", "WAREHOUSE").expect("get"), Some(pg.clone()));
    assert_eq!(store.get_source("p", "missing").expect("get"), None);
    assert_eq!(
        store.get_source("q", "warehouse").expect("get"),
        None,
        "another project's"
    );
    let lite = SourceRecord {
        source_type: "sqlite".into(),
        secret: None,
        options: BTreeMap::from([("path".to_string(), "/data/it's.db".to_string())]),
        read_only: false,
        ..source("p", "local", 1)
    };
    store
        .put_source(&lite, Expect::Absent, &[])
        .expect("put a source without a secret");
    assert_eq!(store.get_source("p", "local").expect("get"), Some(lite));
}

/// A create of a taken name (in any case) is a conflict; a replace must name the stored
/// version; neither changes anything when refused.
pub fn source_versions_are_checked(store: &dyn Store) {
    store
        .put_source(&source("p", "w", 1), Expect::Absent, &[])
        .expect("put");
    for taken in ["w", "W"] {
        match store.put_source(&source("p", taken, 1), Expect::Absent, &[]) {
            Err(StoreError::Conflict { what, .. }) => assert!(what.contains("version 1"), "{what}"),
            other => panic!("a taken name must be a conflict: {other:?}"),
        }
    }
    assert!(matches!(
        store.put_source(&source("p", "w", 2), Expect::Version(5), &[]),
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store.put_source(&source("p", "none", 2), Expect::Version(1), &[]),
        Err(StoreError::Conflict { .. })
    ));
    let mut v2 = source("p", "w", 2);
    v2.options.insert("schema".into(), "sales".into());
    v2.read_only = false;
    store.put_source(&v2, Expect::Version(1), &[]).expect("replace");
    assert_eq!(store.get_source("p", "W").expect("get"), Some(v2.clone()));
    assert!(matches!(
        store.put_source(&source("p", "w", 3), Expect::Version(1), &[]),
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.get_source("p", "w").expect("get"),
        Some(v2),
        "a refused write changes nothing"
    );
    assert_eq!(store.list_sources("p").expect("list").len(), 1);
}

/// Listing is by name, one project only; a delete reports whether there was one.
pub fn sources_list_and_delete(store: &dyn Store) {
    for n in ["c", "a", "B"] {
        store.put_source(&source("p", n, 1), Expect::Absent, &[]).expect("put");
    }
    store
        .put_source(&source("q", "z", 1), Expect::Absent, &[])
        .expect("put q");
    let names = |project: &str| -> Vec<String> {
        store
            .list_sources(project)
            .expect("list")
            .into_iter()
            .map(|s| s.name)
            .collect()
    };
    assert_eq!(names("p"), ["a", "B", "c"]);
    assert_eq!(names("q"), ["z"]);
    assert!(names("nobody").is_empty());
    assert!(store.delete_source("p", "b", &[]).expect("delete"));
    assert!(!store.delete_source("p", "b", &[]).expect("delete again"));
    assert!(!store.delete_source("p", "z", &[]).expect("another project's"));
    assert_eq!(names("p"), ["a", "c"]);
    assert_eq!(names("q"), ["z"]);
}

/// Writes carry their audit events in their transaction (none when nothing was done) and move
/// the generation.
pub fn source_writes_are_audited_and_move_the_generation(store: &dyn Store) {
    let mut last = store.generation().expect("generation");
    let mut moved = |what: &str| {
        let g = store.generation().expect("generation");
        assert_ne!(g, last, "{what} moves the generation");
        last = g;
    };
    let create = event("p", "source:w", "source.create", 1);
    store
        .put_source(&source("p", "w", 1), Expect::Absent, std::slice::from_ref(&create))
        .expect("put");
    moved("put_source");
    assert!(store
        .put_source(
            &source("p", "w", 1),
            Expect::Absent,
            &[event("p", "source:w", "source.create", 2)]
        )
        .is_err());
    store
        .put_source(
            &source("p", "w", 2),
            Expect::Version(1),
            &[event("p", "source:w", "source.replace", 3)],
        )
        .expect("replace");
    moved("a replace");
    assert!(!store
        .delete_source("p", "nope", &[event("p", "source:nope", "source.drop", 4)])
        .expect("delete"));
    assert!(store
        .delete_source("p", "w", &[event("p", "source:w", "source.drop", 5)])
        .expect("delete"));
    moved("delete_source");
    let all = store.list_audit(&AuditFilter::default()).expect("audit");
    let actions: Vec<_> = all.iter().map(|e| (e.action.as_str(), e.at)).collect();
    assert_eq!(
        actions,
        [("source.create", 1), ("source.replace", 3), ("source.drop", 5)],
        "a refused write and a delete of nothing write no event"
    );
}

/// Deleting a project deletes its sources, and only its.
pub fn project_delete_takes_sources(store: &dyn Store) {
    store.create_project(&project("Ops", 1), &[]).expect("project");
    store
        .put_source(&source("Ops", "w", 1), Expect::Absent, &[])
        .expect("put");
    store
        .put_source(&source("other", "w", 1), Expect::Absent, &[])
        .expect("put");
    assert!(store.delete_project("Ops", &[]).expect("delete project"));
    assert!(store.list_sources("Ops").expect("list").is_empty());
    assert!(store.get_source("Ops", "w").expect("get").is_none());
    assert!(store.get_source("other", "w").expect("get").is_some());
    store.create_project(&project("Ops", 2), &[]).expect("project again");
    store
        .put_source(&source("Ops", "w", 1), Expect::Absent, &[])
        .expect("the name is free again");
}
