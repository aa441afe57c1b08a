//! Flights, runs and logs.

use super::fixtures::*;

/// Flights: written and read back unchanged, found case-insensitively, one name per project,
/// listed by project then name, updated only at the expected version.
pub fn flights_round_trip(store: &dyn Store) {
    let f = flight("f-1", "p", "Nightly");
    store.create_flight(&f, &[]).expect("create");
    assert_eq!(store.get_flight("p", "NIGHTLY").expect("get"), Some(f.clone()));
    assert_eq!(store.get_flight_by_id("f-1").expect("by id"), Some(f.clone()));
    let order: Vec<String> = store
        .get_flight("p", "nightly")
        .expect("get")
        .expect("some")
        .spec
        .config
        .keys()
        .cloned()
        .collect();
    assert_eq!(order, ["ZONE", "ALPHA", "MIDDLE"], "config order is kept");
    assert!(store.get_flight("p", "missing").expect("get").is_none());
    assert!(store.get_flight("q", "Nightly").expect("get").is_none());
    assert!(store.get_flight_by_id("f-404").expect("by id").is_none());
    match store.create_flight(&flight("f-2", "p", "nightly"), &[]) {
        Err(StoreError::Conflict { name, what }) => {
            assert_eq!(name, "nightly");
            assert!(what.contains("already exists"), "{what}");
        }
        other => panic!("a second 'nightly' in p must conflict: {other:?}"),
    }
    store
        .create_flight(&flight("f-2", "q", "nightly"), &[])
        .expect("same name, other project");
    store.create_flight(&flight("f-3", "p", "alpha"), &[]).expect("alpha");
    store.create_flight(&flight("f-4", "a", "zulu"), &[]).expect("zulu");
    let names = |project: Option<&str>| -> Vec<(String, String)> {
        store
            .list_flights(project)
            .expect("list")
            .into_iter()
            .map(|f| (f.project, f.name))
            .collect()
    };
    let pair = |p: &str, n: &str| (p.to_string(), n.to_string());
    assert_eq!(names(Some("p")), [pair("p", "alpha"), pair("p", "Nightly")]);
    assert_eq!(
        names(None),
        [
            pair("a", "zulu"),
            pair("p", "alpha"),
            pair("p", "Nightly"),
            pair("q", "nightly")
        ]
    );
    assert!(names(Some("none")).is_empty());

    // Update: spec, version and updated_at change; id, name, owner and last_tick stay.
    assert!(store.claim_tick("f-1", None, 500).expect("tick"));
    let mut next = f.clone();
    next.spec.command = vec!["date".into()];
    next.spec.config.insert("NEW".into(), "v".into());
    next.spec.concurrency = 5;
    next.version = 2;
    next.updated_at = f.updated_at + 10;
    next.owner = "mallory".into();
    next.owner_id = None;
    next.last_tick = None;
    next.created_at = 1;
    store.update_flight(&next, 1, "bob", &[]).expect("update at version 1");
    let got = store.get_flight_by_id("f-1").expect("get").expect("some");
    assert_eq!(got.spec, next.spec);
    assert_eq!((got.version, got.updated_at), (2, next.updated_at));
    assert_eq!(
        (
            got.name.as_str(),
            got.owner.as_str(),
            got.owner_id,
            got.last_tick,
            got.created_at
        ),
        ("Nightly", "alice", Some(7), Some(500), f.created_at),
        "update keeps name, owner, last_tick and created_at"
    );
    let mut stale = next.clone();
    stale.version = 3;
    stale.spec.concurrency = 9;
    match store.update_flight(&stale, 1, "bob", &[]) {
        Err(StoreError::Conflict { name, what }) => {
            assert_eq!(name, "Nightly");
            assert!(what.contains("version 2"), "{what}");
        }
        other => panic!("a stale update must conflict: {other:?}"),
    }
    assert_eq!(
        store
            .get_flight_by_id("f-1")
            .expect("get")
            .map(|f| (f.version, f.spec.concurrency)),
        Some((2, 5)),
        "a refused update changes nothing"
    );
    assert!(matches!(
        store.update_flight(&flight("f-404", "p", "ghost"), 1, "bob", &[]),
        Err(StoreError::Conflict { .. })
    ));
    store.update_flight(&stale, 2, "bob", &[]).expect("update at version 2");
    assert_eq!(
        store.get_flight("p", "nightly").expect("get").map(|f| f.version),
        Some(3)
    );
}

/// Deleting a flight takes its runs and logs and nothing of another flight's.
pub fn flight_delete_takes_runs_and_logs(store: &dyn Store) {
    store.create_flight(&flight("f-1", "p", "Doomed"), &[]).expect("create");
    store.create_flight(&flight("f-2", "p", "kept"), &[]).expect("create");
    for id in ["f-1", "f-2"] {
        let n = store.create_run(&run(id), 4, &[]).expect("run");
        store.append_log(id, n, &[chunk("stdout", 1, b"hello\n")]).expect("log");
    }
    assert!(store.delete_flight("p", "DOOMED", &[]).expect("delete"));
    assert!(store.get_flight("p", "doomed").expect("get").is_none());
    assert!(store.get_flight_by_id("f-1").expect("get").is_none());
    assert!(store.get_run("f-1", 1).expect("run").is_none());
    assert!(store.list_runs("f-1", 10).expect("runs").is_empty());
    assert!(store.read_log("f-1", 1, 0, 10).expect("log").is_empty());
    assert_eq!(
        run_numbers(&store.running_runs().expect("running")),
        [("f-2".to_string(), 1)]
    );
    assert_eq!(store.read_log("f-2", 1, 0, 10).expect("log").len(), 1);
    assert!(!store.delete_flight("p", "doomed", &[]).expect("delete again"));
    assert!(!store.delete_flight("q", "kept", &[]).expect("other project"));
    // The same id and name again start from nothing.
    store.create_flight(&flight("f-1", "p", "Doomed"), &[]).expect("again");
    assert_eq!(store.create_run(&run("f-1"), 1, &[]).expect("run"), 1);
    assert!(store.read_log("f-1", 1, 0, 10).expect("log").is_empty());
}

/// Deleting a project takes its flights with their runs and logs.
pub fn project_delete_takes_flights(store: &dyn Store) {
    store.create_project(&project("Ops", 1), &[]).expect("project");
    store
        .create_flight(&flight("f-1", "Ops", "backup"), &[])
        .expect("create");
    store
        .create_flight(&flight("f-2", "other", "backup"), &[])
        .expect("create");
    for id in ["f-1", "f-2"] {
        store.create_run(&run(id), 1, &[]).expect("run");
        store.append_log(id, 1, &[chunk("stderr", 2, b"x")]).expect("log");
    }
    assert!(store.delete_project("Ops", &[]).expect("delete project"));
    assert!(store.get_flight("Ops", "backup").expect("get").is_none());
    assert!(store.get_flight_by_id("f-1").expect("get").is_none());
    assert!(store.list_flights(Some("Ops")).expect("list").is_empty());
    assert!(store.get_run("f-1", 1).expect("run").is_none());
    assert!(store.read_log("f-1", 1, 0, 10).expect("log").is_empty());
    assert!(store.get_flight("other", "backup").expect("get").is_some());
    assert!(store.get_run("f-2", 1).expect("run").is_some());
    assert_eq!(store.read_log("f-2", 1, 0, 10).expect("log").len(), 1);
    assert_eq!(
        run_numbers(&store.running_runs().expect("running")),
        [("f-2".to_string(), 1)]
    );
}

/// Runs are numbered 1, 2, 3... per flight; no more than `max_running` run at once.
pub fn runs_are_numbered_and_limited(store: &dyn Store) {
    store.create_flight(&flight("f-1", "p", "Busy"), &[]).expect("create");
    store.create_flight(&flight("f-2", "p", "calm"), &[]).expect("create");
    assert_eq!(store.create_run(&run("f-1"), 2, &[]).expect("run 1"), 1);
    assert_eq!(store.create_run(&run("f-1"), 2, &[]).expect("run 2"), 2);
    match store.create_run(&run("f-1"), 2, &[]) {
        Err(StoreError::Conflict { name, what }) => {
            assert_eq!(name, "Busy");
            assert!(what.contains("2 running") && what.contains("concurrency 2"), "{what}");
        }
        other => panic!("a third run at concurrency 2 must be refused: {other:?}"),
    }
    assert_eq!(
        store.list_runs("f-1", 10).expect("runs").len(),
        2,
        "a refused run is not stored"
    );
    assert_eq!(store.create_run(&run("f-2"), 1, &[]).expect("other flight"), 1);
    assert_eq!(store.create_run(&run("f-1"), 3, &[]).expect("run 3"), 3);
    assert!(matches!(
        store.create_run(&run("f-1"), 3, &[]),
        Err(StoreError::Conflict { .. })
    ));
    assert!(store
        .finish_run("f-1", 1, &end("succeeded", Some(0)), &[])
        .expect("finish"));
    assert_eq!(store.create_run(&run("f-1"), 3, &[]).expect("run 4"), 4);
    assert!(
        matches!(store.create_run(&run("f-2"), 1, &[]), Err(StoreError::Conflict { .. })),
        "each flight counts its own running runs"
    );

    let mut want = run("f-1");
    want.run_number = 2;
    assert_eq!(
        store.get_run("f-1", 2).expect("get"),
        Some(want),
        "a run reads back as written"
    );
    let keys: Vec<String> = store
        .get_run("f-1", 2)
        .expect("get")
        .expect("some")
        .config
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["ZONE", "ALPHA"], "config order is kept");
    assert!(store.get_run("f-1", 5).expect("get").is_none());
    let newest: Vec<i64> = store
        .list_runs("f-1", 10)
        .expect("runs")
        .iter()
        .map(|r| r.run_number)
        .collect();
    assert_eq!(newest, [4, 3, 2, 1]);
    let two: Vec<i64> = store
        .list_runs("f-1", 2)
        .expect("runs")
        .iter()
        .map(|r| r.run_number)
        .collect();
    assert_eq!(two, [4, 3]);
    let s = |id: &str, n: i64| (id.to_string(), n);
    let mut running = run_numbers(&store.running_runs().expect("running"));
    running.sort();
    assert_eq!(running, [s("f-1", 2), s("f-1", 3), s("f-1", 4), s("f-2", 1)]);
    assert!(
        store.create_run(&run("f-404"), 1, &[]).is_err(),
        "no run of a missing flight"
    );
}

/// A run ends once: the first end is kept.
pub fn runs_finish_once(store: &dyn Store) {
    store.create_flight(&flight("f-1", "p", "once"), &[]).expect("create");
    let n = store.create_run(&run("f-1"), 1, &[]).expect("run");
    assert!(store
        .finish_run("f-1", n, &end("failed", Some(3)), &[])
        .expect("finish"));
    assert!(!store
        .finish_run("f-1", n, &end("succeeded", Some(0)), &[])
        .expect("finish again"));
    let r = store.get_run("f-1", n).expect("get").expect("some");
    assert_eq!(
        (r.status.as_str(), r.exit_code, r.finished_at, r.message.as_deref()),
        ("failed", Some(3), Some(1_700_000_009_000), Some("it failed"))
    );
    assert_eq!((r.trigger.as_str(), r.runner.as_deref()), ("manual", Some("host:42")));
    assert!(store.running_runs().expect("running").is_empty());
    assert!(!store
        .finish_run("f-1", 9, &end("failed", None), &[])
        .expect("no such run"));
    assert!(store.get_run("f-1", 9).expect("get").is_none());
}

/// Only a running run can be marked for cancellation.
pub fn cancel_only_running_runs(store: &dyn Store) {
    store.create_flight(&flight("f-1", "p", "stop"), &[]).expect("create");
    let a = store.create_run(&run("f-1"), 2, &[]).expect("run a");
    let b = store.create_run(&run("f-1"), 2, &[]).expect("run b");
    assert!(store.request_cancel("f-1", a, &[]).expect("cancel"));
    let cancelled = |n: i64| store.get_run("f-1", n).expect("get").expect("some").cancel_requested;
    assert!(cancelled(a));
    assert!(!cancelled(b), "only the named run is marked");
    assert!(store
        .finish_run("f-1", b, &end("succeeded", Some(0)), &[])
        .expect("finish"));
    assert!(!store.request_cancel("f-1", b, &[]).expect("cancel a finished run"));
    assert!(!cancelled(b));
    assert!(!store.request_cancel("f-1", 77, &[]).expect("cancel a missing run"));
    assert!(!store
        .request_cancel("f-404", a, &[])
        .expect("cancel of a missing flight"));
}

/// Log chunks are numbered in order per run, paged with `after`, their bytes kept exactly.
pub fn logs_append_and_page(store: &dyn Store) {
    store.create_flight(&flight("f-1", "p", "chatty"), &[]).expect("create");
    let a = store.create_run(&run("f-1"), 2, &[]).expect("run a");
    let b = store.create_run(&run("f-1"), 2, &[]).expect("run b");
    let binary: &[u8] = &[0, 255, 0xC3, 0x28, b'\n', 0];
    let mut first = vec![
        chunk("coffer", 10, b"started\n"),
        chunk("stdout", 11, binary),
        chunk("stderr", 12, b"warn\n"),
    ];
    first[1].seq = 42;
    store.append_log("f-1", a, &first).expect("append");
    store.append_log("f-1", a, &[]).expect("append nothing");
    store
        .append_log(
            "f-1",
            a,
            &[chunk("stdout", 13, b"more"), chunk("coffer", 14, b"exit 0\n")],
        )
        .expect("append more");
    store
        .append_log("f-1", b, &[chunk("stdout", 20, b"b's")])
        .expect("append b");
    let all = store.read_log("f-1", a, 0, 100).expect("read");
    assert_eq!(all.iter().map(|c| c.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    let mut want = chunk("stdout", 11, binary);
    want.seq = 2;
    assert_eq!(all[1], want, "bytes, stream and time read back unchanged");
    assert_eq!(
        all.iter().map(|c| c.stream.as_str()).collect::<Vec<_>>(),
        ["coffer", "stdout", "stderr", "stdout", "coffer"]
    );
    let page = store.read_log("f-1", a, 2, 2).expect("page");
    assert_eq!(
        page.iter().map(|c| (c.seq, c.data.as_slice())).collect::<Vec<_>>(),
        [(3, &b"warn\n"[..]), (4, &b"more"[..])]
    );
    assert_eq!(store.read_log("f-1", a, 4, 10).expect("tail").len(), 1);
    assert!(store.read_log("f-1", a, 5, 10).expect("end").is_empty());
    assert!(store.read_log("f-1", a, 0, 0).expect("none").is_empty());
    let other = store.read_log("f-1", b, 0, 10).expect("b");
    assert_eq!(
        other.iter().map(|c| (c.seq, c.data.as_slice())).collect::<Vec<_>>(),
        [(1, &b"b's"[..])],
        "each run numbers its own chunks"
    );
    assert!(store.read_log("f-1", 3, 0, 10).expect("no run").is_empty());
}

/// `claim_tick` moves `last_tick` only from the expected value (`None` included).
pub fn claim_tick_is_compare_and_set(store: &dyn Store) {
    store.create_flight(&flight("f-1", "p", "cron"), &[]).expect("create");
    store.create_flight(&flight("f-2", "p", "other"), &[]).expect("create");
    let tick = |id: &str| store.get_flight_by_id(id).expect("get").expect("some").last_tick;
    assert!(!store
        .claim_tick("f-1", Some(100), 200)
        .expect("not from a tick it never had"));
    assert_eq!(tick("f-1"), None);
    assert!(store.claim_tick("f-1", None, 100).expect("first claim"));
    assert_eq!(tick("f-1"), Some(100));
    assert!(!store.claim_tick("f-1", None, 200).expect("second node, same tick"));
    assert!(!store.claim_tick("f-1", Some(50), 200).expect("stale expectation"));
    assert_eq!(tick("f-1"), Some(100));
    assert!(store.claim_tick("f-1", Some(100), 200).expect("next tick"));
    assert_eq!(tick("f-1"), Some(200));
    assert_eq!(tick("f-2"), None, "another flight's tick is untouched");
    assert!(!store.claim_tick("f-404", None, 1).expect("missing flight"));
}

/// Every flight write carries its audit events in the same transaction; a refused or
/// no-op write leaves none, and logs are not audited.
pub fn flight_writes_are_audited(store: &dyn Store) {
    let ev = |action: &str, at: i64| [event("p", "flight:audited", action, at)];
    let f = flight("f-1", "p", "audited");
    store.create_flight(&f, &ev("create", 1)).expect("create");
    assert!(store.create_flight(&f, &ev("create-refused", 2)).is_err());
    let mut next = f.clone();
    next.version = 2;
    store.update_flight(&next, 1, "bob", &ev("update", 3)).expect("update");
    assert!(store.update_flight(&next, 1, "bob", &ev("update-refused", 4)).is_err());
    let a = store.create_run(&run("f-1"), 2, &ev("run", 5)).expect("run a");
    let b = store.create_run(&run("f-1"), 2, &ev("run", 6)).expect("run b");
    assert!(store.create_run(&run("f-1"), 2, &ev("run-refused", 7)).is_err());
    store.append_log("f-1", a, &[chunk("stdout", 8, b"x")]).expect("log");
    assert!(store.claim_tick("f-1", None, 9).expect("tick"));
    assert!(store
        .finish_run("f-1", a, &end("succeeded", Some(0)), &ev("finish", 10))
        .expect("finish"));
    assert!(!store
        .finish_run("f-1", a, &end("failed", Some(1)), &ev("finish-noop", 11))
        .expect("finish again"));
    assert!(store.request_cancel("f-1", b, &ev("cancel", 12)).expect("cancel"));
    assert!(!store
        .request_cancel("f-1", a, &ev("cancel-noop", 13))
        .expect("cancel finished"));
    assert!(store.delete_flight("p", "audited", &ev("delete", 14)).expect("delete"));
    assert!(!store
        .delete_flight("p", "audited", &ev("delete-noop", 15))
        .expect("delete again"));
    let actions: Vec<String> = store
        .list_audit(&AuditFilter {
            object: Some("flight:audited".into()),
            ..Default::default()
        })
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["create", "update", "run", "run", "finish", "cancel", "delete"]
    );
}

/// Flights, runs and logs are not cached: their writes leave the generation alone.
pub fn flight_writes_leave_the_generation(store: &dyn Store) {
    let before = store.generation().expect("generation");
    let f = flight("f-1", "p", "quiet");
    store.create_flight(&f, &[]).expect("create");
    let mut next = f.clone();
    next.version = 2;
    store.update_flight(&next, 1, "bob", &[]).expect("update");
    assert!(store.claim_tick("f-1", None, 5).expect("tick"));
    let n = store.create_run(&run("f-1"), 2, &[]).expect("run");
    store.append_log("f-1", n, &[chunk("stdout", 1, b"x")]).expect("log");
    assert!(store.request_cancel("f-1", n, &[]).expect("cancel"));
    assert!(store
        .finish_run("f-1", n, &end("cancelled", None), &[])
        .expect("finish"));
    assert!(store.delete_flight("p", "quiet", &[]).expect("delete"));
    assert_eq!(store.generation().expect("generation"), before);
}

/// Versions: create writes version 1 and each update its version, with the whole definition,
/// when and by whom; they are listed newest first and read one by one; a refused update
/// writes none; a version once written never changes (writing its number again fails and
/// changes nothing); they go with their flight and with its project.
pub fn flight_versions_are_kept_and_immutable(store: &dyn Store) {
    let project = ProjectRecord {
        name: "p".into(),
        created_at: 1,
        created_by: "t".into(),
    };
    store.create_project(&project, &[]).expect("project");
    let f = flight("f-1", "p", "versioned");
    store.create_flight(&f, &[]).expect("create");
    let v1 = store.get_flight_version("f-1", 1).expect("get").expect("version 1");
    assert_eq!(
        (
            v1.flight_id.as_str(),
            v1.version,
            &v1.spec,
            v1.created_at,
            v1.created_by.as_str()
        ),
        ("f-1", 1, &f.spec, f.updated_at, "alice"),
        "version 1 is the created definition, written by its owner"
    );
    let mut next = f.clone();
    next.spec.command = vec!["date".into()];
    next.spec.config.insert("NEW".into(), "v".into());
    next.version = 2;
    next.updated_at = f.updated_at + 10;
    store.update_flight(&next, 1, "bob", &[]).expect("update");
    let v2 = store.get_flight_version("f-1", 2).expect("get").expect("version 2");
    assert_eq!(
        (&v2.spec, v2.created_at, v2.created_by.as_str()),
        (&next.spec, next.updated_at, "bob")
    );
    let order: Vec<&String> = v2.spec.config.keys().collect();
    assert_eq!(order, ["ZONE", "ALPHA", "MIDDLE", "NEW"], "config order is kept");
    assert_eq!(
        store.get_flight_version("f-1", 1).expect("get"),
        Some(v1.clone()),
        "an update leaves the earlier version as it was"
    );

    // A refused update (stale) writes no version.
    let mut stale = next.clone();
    stale.version = 3;
    stale.spec.concurrency = 9;
    assert!(store.update_flight(&stale, 1, "mallory", &[]).is_err());
    assert!(store.get_flight_version("f-1", 3).expect("get").is_none());

    // Writing a version the flight has already is refused, whole: the flight and the version
    // stay as they were.
    let mut rewrite = next.clone();
    rewrite.spec.command = vec!["rm".into(), "-rf".into(), "/".into()];
    assert!(
        store.update_flight(&rewrite, 2, "mallory", &[]).is_err(),
        "version 2 exists: it cannot be written again"
    );
    assert_eq!(store.get_flight_version("f-1", 2).expect("get"), Some(v2.clone()));
    assert_eq!(
        store.get_flight_by_id("f-1").expect("get").map(|f| (f.version, f.spec)),
        Some((2, next.spec.clone())),
        "the flight did not move either"
    );

    let listed = store.list_flight_versions("f-1").expect("list");
    assert_eq!(listed, [v2, v1], "newest first");
    assert!(store.list_flight_versions("f-404").expect("list").is_empty());
    assert!(store.get_flight_version("f-1", 7).expect("get").is_none());

    // Another flight's versions are its own; deleting goes with the flight and the project.
    store.create_flight(&flight("f-2", "p", "other"), &[]).expect("other");
    store
        .create_flight(&flight("f-3", "q", "elsewhere"), &[])
        .expect("elsewhere");
    assert_eq!(store.list_flight_versions("f-2").expect("list").len(), 1);
    assert!(store.delete_flight("p", "versioned", &[]).expect("delete"));
    assert!(store.list_flight_versions("f-1").expect("list").is_empty());
    assert!(store.get_flight_version("f-1", 1).expect("get").is_none());
    assert_eq!(store.list_flight_versions("f-2").expect("list").len(), 1);
    assert!(store.delete_project("p", &[]).expect("delete project"));
    assert!(store.list_flight_versions("f-2").expect("list").is_empty());
    assert_eq!(
        store.list_flight_versions("f-3").expect("list").len(),
        1,
        "other projects keep theirs"
    );
    // A flight created again under a deleted one's id starts over at version 1.
    store
        .create_flight(&flight("f-1", "q", "versioned"), &[])
        .expect("again");
    assert_eq!(store.list_flight_versions("f-1").expect("list").len(), 1);
}
