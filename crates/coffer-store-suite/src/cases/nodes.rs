//! Nodes, and everything at once (export and import).

use super::fixtures::*;

/// A node's heartbeat creates its row, later ones move `heartbeat_at` (not `started_at`), and
/// removing it says whether it was there.
pub fn nodes_heartbeat_and_leave(store: &dyn Store) {
    assert!(store.list_nodes().expect("nodes").is_empty());
    let mut a = NodeRecord {
        id: "host-a:10".into(),
        started_at: 1_000,
        heartbeat_at: 1_000,
        url: "http://127.0.0.1:1".into(),
    };
    let b = NodeRecord {
        id: "host-b:20".into(),
        started_at: 2_000,
        heartbeat_at: 2_500,
        url: "http://127.0.0.1:2".into(),
    };
    store.node_heartbeat(&a).expect("a");
    store.node_heartbeat(&b).expect("b");
    a.heartbeat_at = 9_000;
    store
        .node_heartbeat(&NodeRecord {
            started_at: 5_000,
            ..a.clone()
        })
        .expect("a again");
    assert_eq!(store.list_nodes().expect("nodes"), vec![a.clone(), b.clone()]);
    let g = store.generation().expect("generation");
    assert!(store.remove_node("host-a:10").expect("remove"));
    assert!(!store.remove_node("host-a:10").expect("again"));
    assert_eq!(store.list_nodes().expect("nodes"), vec![b]);
    assert_eq!(store.generation().expect("generation"), g, "nodes are not cached state");
}

/// `export` reads every row (ids kept, the audit log oldest first); `import` writes them into a
/// fresh store so that it exports the same dump, moves its generation, and leaves later ids past
/// the imported ones; a store that is not empty is refused and left unchanged.
pub fn export_import_round_trip(make: &dyn Fn() -> Box<dyn Store>) {
    let origin = make();
    let s = &*origin;
    s.set_keep_versions(10);
    let analytics = ProjectRecord {
        name: "analytics".into(),
        created_at: 1_700_000_000_000,
        created_by: "tester".into(),
    };
    s.create_project(
        &analytics,
        &[event("analytics", "project:analytics", "project.create", 1)],
    )
    .expect("project");
    s.put_secret(
        &record("default", "api", 1),
        Expect::Absent,
        &[event("default", "secret:api", "create", 2)],
    )
    .expect("v1");
    for v in 2..=3 {
        s.put_secret(
            &record("default", "api", v),
            Expect::Version(v - 1),
            &[event("default", "secret:api", "replace", 2 + v)],
        )
        .expect("replace");
    }
    s.put_secret(&record("analytics", "lake", 1), Expect::Absent, &[])
        .expect("lake");
    let alice = s.create_identity(&identity("alice", None), &[]).expect("alice");
    let bot = s
        .create_identity(&identity("bot", Some("analytics")), &[])
        .expect("bot");
    let token = TokenRecord {
        id: 0,
        public_id: "pub-1".into(),
        identity_id: bot,
        name: "runner".into(),
        hash: vec![0xab; 32],
        created_at: 10,
        created_by: "alice".into(),
        expires_at: Some(1_800_000_000_000),
        last_used_at: None,
        revoked_at: None,
        parent_id: None,
    };
    let token_id = s.create_token(&token, &[]).expect("token");
    s.touch_token(token_id, 11).expect("touch");
    s.create_token(
        &TokenRecord {
            public_id: "pub-2".into(),
            name: "runner-child".into(),
            parent_id: Some(token_id),
            ..token.clone()
        },
        &[],
    )
    .expect("child token");
    s.set_grant(&grant("analytics", bot, "use"), &[]).expect("grant bot");
    s.set_grant(&grant("default", alice, "admin"), &[])
        .expect("grant alice");
    s.append_audit(&[event("default", "secret:api", "use", 20)])
        .expect("audit");
    let nightly = flight("f-1", "analytics", "Nightly");
    s.create_flight(&nightly, &[]).expect("flight");
    let mut updated = nightly.clone();
    updated.version = 2;
    updated.spec.concurrency = 4;
    s.update_flight(&updated, 1, "bob", &[]).expect("flight version 2");
    assert!(s.claim_tick("f-1", None, 1_700_000_000_000).expect("tick"));
    let first = s.create_run(&run("f-1"), 2, &[]).expect("run");
    s.append_log(
        "f-1",
        first,
        &[chunk("stdout", 1, b"hello\n"), chunk("stderr", 2, &[0xff, 0x00, 0xfe])],
    )
    .expect("log");
    assert!(s
        .finish_run("f-1", first, &end("failed", Some(3)), &[])
        .expect("finish"));
    let second = s.create_run(&run("f-1"), 2, &[]).expect("second run");
    s.put_source(&source("analytics", "warehouse", 1), Expect::Absent, &[])
        .expect("source");
    s.put_source(&source("analytics", "warehouse", 2), Expect::Version(1), &[])
        .expect("source v2");
    s.put_source(&source("default", "lake", 1), Expect::Absent, &[])
        .expect("another source");

    let dump = s.export().expect("export");
    for (table, n) in dump.counts() {
        assert!(n > 0, "the dump has no row of {table}");
    }
    assert!(dump.projects.iter().any(|p| p == &analytics), "{:?}", dump.projects);
    assert_eq!((dump.secrets.len(), dump.versions.len()), (2, 2));
    assert_eq!((dump.runs.len(), dump.logs.len()), (2, 2));
    assert_eq!(dump.flight_versions.len(), 2, "both versions of the flight");
    assert_eq!(dump.sources.len(), 2, "{:?}", dump.sources);
    assert!(
        dump.audit.windows(2).all(|w| w[0].id < w[1].id),
        "the audit log is exported oldest first"
    );
    assert_eq!(s.export().expect("export again"), dump, "export is stable");

    let target = make();
    let t = &*target;
    let generation = t.generation().expect("generation");
    t.import(&dump).expect("import");
    assert!(
        t.generation().expect("generation") > generation,
        "caches must see the import"
    );
    assert_eq!(t.export().expect("export the copy"), dump);
    assert_eq!(
        t.get_secret("default", "API").expect("get"),
        Some(record("default", "api", 3))
    );
    assert_eq!(t.secret_history("default", "api").expect("history").len(), 3);
    assert_eq!(
        t.token_by_public_id("pub-1").expect("token"),
        s.get_token("runner").expect("token")
    );
    assert_eq!(
        t.get_token("runner-child").expect("token").and_then(|c| c.parent_id),
        Some(token_id),
        "a token's parent survives the copy"
    );
    assert_eq!(
        t.get_grant("analytics", bot).expect("grant").map(|g| g.role),
        Some("use".into())
    );
    assert_eq!(
        t.read_log("f-1", first, 0, 10).expect("log"),
        s.read_log("f-1", first, 0, 10).expect("log")
    );
    assert_eq!(t.running_runs().expect("running"), s.running_runs().expect("running"));
    assert_eq!(
        t.get_source("analytics", "Warehouse").expect("source"),
        Some(source("analytics", "warehouse", 2)),
        "a source survives the copy at its version"
    );
    assert!(matches!(
        t.put_source(&source("analytics", "warehouse", 1), Expect::Absent, &[]),
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        t.list_flight_versions("f-1").expect("versions"),
        s.list_flight_versions("f-1").expect("versions")
    );

    // Later writes go on from the imported rows.
    let carol = t.create_identity(&identity("carol", None), &[]).expect("carol");
    assert!(carol > alice.max(bot), "a new identity reuses an imported id: {carol}");
    let last_event = dump.audit.iter().map(|e| e.id).max().unwrap_or_default();
    t.append_audit(&[event("default", "secret:api", "use", 30)])
        .expect("audit");
    let events = t.list_audit(&AuditFilter::default()).expect("audit");
    assert!(events.last().is_some_and(|e| e.id > last_event), "{events:?}");
    assert!(t
        .finish_run("f-1", second, &end("succeeded", Some(0)), &[])
        .expect("finish"));
    assert_eq!(t.create_run(&run("f-1"), 2, &[]).expect("third run"), second + 1);

    // A dump without versions (from a store that kept none) gets each flight's current one.
    let older = make();
    let mut without = dump.clone();
    without.flight_versions.clear();
    older.import(&without).expect("import without versions");
    let versions = older.list_flight_versions("f-1").expect("versions");
    assert_eq!(
        versions.iter().map(|v| (v.version, &v.spec)).collect::<Vec<_>>(),
        [(2, &updated.spec)],
        "the current version, the earlier ones unknown"
    );

    // A store that is not empty is refused, and left as it was.
    for store in [t, s] {
        let before = store.export().expect("export");
        match store.import(&dump) {
            Err(StoreError::Conflict { what, .. }) => assert!(what.contains("not empty"), "{what}"),
            other => panic!("importing into a store that is not empty must be a conflict: {other:?}"),
        }
        assert_eq!(store.export().expect("export"), before);
    }
}
