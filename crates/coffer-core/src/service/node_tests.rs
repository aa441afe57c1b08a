//! The node use cases through the service, on one SQLite store: orphaned and lost runs, the
//! heartbeat thread, the change feed.

use super::Service;
use crate::clock::now_ms;
use crate::flights::run_token_name;
use crate::nodes::{LostNode, NodeEvent, NodeTiming};
use crate::{Caller, CreateRequest, OnConflict, RunRequest, SecretChange, SecretObserver, Started};
use coffer_crypto::LocalKeyFile;
use coffer_model::flight::FlightSpec;
use coffer_model::InputValue;
use coffer_model::Storage;
use coffer_store::{NodeRecord, StoreChange};
use coffer_store_sqlite::SqliteStore;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

fn service(dir: &std::path::Path) -> Service {
    let (kr, _) = LocalKeyFile::open_or_create(&dir.join("master.key")).expect("key");
    Service::new(
        Box::new(SqliteStore::open(&dir.join("coffer.db")).expect("db")),
        Box::new(kr),
    )
}

fn caller() -> Caller {
    Caller {
        name: "test:alice".into(),
        ..Caller::local()
    }
}

fn spec() -> FlightSpec {
    serde_json::from_value(serde_json::json!({"kind": "command", "command": ["true"], "concurrency": 5})).expect("spec")
}

/// A service with project `p` and flight `f` of the bootstrap admin (flights of a real
/// identity get a run token per run).
fn with_flight(dir: &std::path::Path) -> Service {
    let s = service(dir);
    let admin = s.bootstrap().expect("bootstrap").expect("a new store");
    let admin = s.authenticate(admin.token.expose_secret(), "test").expect("admin");
    s.create_project(&admin, "p").expect("project");
    s.create_flight(&admin, "p", "f", spec()).expect("flight");
    s
}

/// Starts a run of flight `f` recorded as run by `runner`.
fn start(s: &Service, f: &str, runner: &str) -> i64 {
    let req = RunRequest {
        runner: runner.into(),
        ..RunRequest::default()
    };
    match s.start_run(&caller(), "p", f, req).expect("start") {
        Started::Launch(l) => l.run.run_number,
        Started::Failed(r) => panic!("the run failed to start: {r:?}"),
    }
}

#[test]
fn runs_of_a_dead_process_on_this_host_fail_and_lose_their_tokens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = with_flight(dir.path());
    let dead = start(&s, "f", "here:10");
    let alive = start(&s, "f", "here:11");
    let elsewhere = start(&s, "f", "there:10");
    let failed = s.fail_orphaned_runs("here", |pid| pid == 11).expect("recover");
    assert_eq!(failed, 1);
    let f = s.store.get_flight("p", "f").expect("read").expect("flight");
    let status = |n| s.store.get_run(&f.id, n).expect("read").expect("run").status;
    assert_eq!(
        (status(dead), status(alive), status(elsewhere)),
        ("failed".into(), "running".into(), "running".into())
    );
    let revoked = |n| {
        s.store
            .get_token(&run_token_name(&f.id, n))
            .expect("read")
            .expect("run token")
            .revoked_at
            .is_some()
    };
    assert!(revoked(dead), "the dead run's token is revoked");
    assert!(!revoked(alive) && !revoked(elsewhere));
}

#[test]
fn a_lost_nodes_runs_fail_once_and_its_row_goes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = with_flight(dir.path());
    let now = now_ms();
    let old = now - 60_000;
    // Node "dead:1" beat a minute ago and runs two runs; "alive:2" beat now and runs one.
    s.store
        .node_heartbeat(&NodeRecord {
            id: "dead:1".into(),
            started_at: old,
            heartbeat_at: old,
            url: "http://dead".into(),
        })
        .expect("beat");
    s.node_heartbeat("alive:2", "http://alive", now).expect("beat");
    // This node's own row is stale too, but a node never finds itself lost.
    s.store
        .node_heartbeat(&NodeRecord {
            id: "me:3".into(),
            started_at: old,
            heartbeat_at: old,
            url: "http://me".into(),
        })
        .expect("beat");
    let dead = [start(&s, "f", "dead:1"), start(&s, "f", "dead:1")];
    let alive = start(&s, "f", "alive:2");
    let mine = start(&s, "f", "me:3");

    let lost = s.fail_lost_nodes("me:3", now, Duration::from_secs(15)).expect("sweep");
    assert_eq!(
        lost,
        vec![LostNode {
            id: "dead:1".into(),
            heartbeat_at: old,
            failed_runs: 2
        }]
    );
    let f = s.store.get_flight("p", "f").expect("read").expect("flight");
    for n in dead {
        let r = s.store.get_run(&f.id, n).expect("read").expect("run");
        assert_eq!(r.status, "failed");
        let m = r.message.expect("message");
        assert!(
            m.starts_with("node lost: dead:1 stopped sending heartbeats at 20"),
            "{m}"
        );
        assert!(
            m.ends_with("the run's process may still be running on that host"),
            "{m}"
        );
        let token = s
            .store
            .get_token(&run_token_name(&f.id, n))
            .expect("read")
            .expect("run token");
        assert!(token.revoked_at.is_some(), "the run token of a lost run is revoked");
    }
    for n in [alive, mine] {
        assert_eq!(s.store.get_run(&f.id, n).expect("read").expect("run").status, "running");
    }
    let ids: Vec<String> = s.list_nodes().expect("nodes").into_iter().map(|n| n.id).collect();
    assert_eq!(ids, ["alive:2", "me:3"]);
    // Audited as ends of runs.
    let audit = s
        .store
        .list_audit(&coffer_store::AuditFilter {
            object: Some("flight:f".into()),
            ..Default::default()
        })
        .expect("audit");
    let ends = audit
        .iter()
        .filter(|e| e.action == "flight.run.end" && e.client == "node:me:3")
        .count();
    assert_eq!(ends, 2, "{audit:?}");

    // A second sweep finds nothing more to do.
    assert!(s
        .fail_lost_nodes("me:3", now, Duration::from_secs(15))
        .expect("sweep")
        .is_empty());
    // A node whose row reappears (it was only slow, or two nodes swept at once) has no
    // run failed twice.
    s.store
        .node_heartbeat(&NodeRecord {
            id: "dead:1".into(),
            started_at: old,
            heartbeat_at: old,
            url: "http://dead".into(),
        })
        .expect("beat");
    let again = s.fail_lost_nodes("me:3", now, Duration::from_secs(15)).expect("sweep");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].failed_runs, 0);
    assert!(s.remove_node("me:3").expect("remove"));
    assert!(!s.remove_node("me:3").expect("remove"));
}

#[test]
fn the_heartbeat_thread_registers_sweeps_and_leaves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Arc::new(service(dir.path()));
    let old = now_ms() - 60_000;
    s.store
        .node_heartbeat(&NodeRecord {
            id: "dead:1".into(),
            started_at: old,
            heartbeat_at: old,
            url: "http://dead".into(),
        })
        .expect("beat");
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let timing = NodeTiming::new(Duration::from_millis(20), Duration::from_secs(5)).expect("timing");
    let node = s
        .join_nodes("me:3", "http://me", timing, move |e| {
            sink.lock().expect("events").push(e);
        })
        .expect("join");
    assert_eq!(node.id(), "me:3");
    let first = s.list_nodes().expect("nodes");
    assert!(first.iter().any(|n| n.id == "me:3" && n.url == "http://me"));
    // The dead node is swept and the heartbeat moves on.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let nodes = s.list_nodes().expect("nodes");
        let me = nodes.iter().find(|n| n.id == "me:3").expect("registered");
        let beat = first.iter().find(|n| n.id == "me:3").expect("registered").heartbeat_at;
        if nodes.len() == 1 && me.heartbeat_at > beat {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{nodes:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(matches!(
        events.lock().expect("events").as_slice(),
        [NodeEvent::Lost(LostNode { id, failed_runs: 0, .. })] if id == "dead:1"
    ));
    assert!(node.stop(true).expect("stop"));
    assert!(s.list_nodes().expect("nodes").is_empty());
}

/// Records what observers are told.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl SecretObserver for Recorder {
    fn changed(&self, _: &Service, project: &str, change: &SecretChange) {
        let line = match change {
            SecretChange::Upserted(i) => format!("{project}: upserted {} v{}", i.name, i.version),
            SecretChange::Dropped { name, storage } => format!("{project}: dropped {name} from {}", storage.name()),
        };
        self.0.lock().expect("lines").push(line);
    }

    fn resync(&self, _: &Service, project: Option<&str>) {
        self.0
            .lock()
            .expect("lines")
            .push(format!("resync {}", project.unwrap_or("*")));
    }
}

#[test]
fn a_store_change_reaches_observers_as_the_store_now_has_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = service(dir.path());
    let b = service(dir.path());
    a.create_project(&caller(), "p").expect("project");
    let seen = Arc::new(Recorder::default());
    b.observe(seen.clone());
    let create = |replace: bool| {
        let req = CreateRequest {
            name: Some("Tok".into()),
            secret_type: "generic".into(),
            provider: None,
            scopes: Vec::new(),
            storage: Storage::Coffer,
            on_conflict: if replace {
                OnConflict::Replace
            } else {
                OnConflict::Error
            },
            values: vec![("value".into(), InputValue::Text("v".into()))],
        };
        a.create_secret(&caller(), "p", req).expect("create");
    };
    let upserted = StoreChange::SecretUpserted {
        project: "p".into(),
        name: "tok".into(),
    };
    create(false);
    b.apply_store_change(&upserted);
    create(true);
    b.apply_store_change(&upserted);
    a.drop_secret(&caller(), "p", "Tok", false, None).expect("drop");
    // Told late (after the drop): observers get the drop, not a stale upsert.
    b.apply_store_change(&upserted);
    b.apply_store_change(&StoreChange::SecretDropped {
        project: "p".into(),
        name: "Tok".into(),
    });
    b.apply_store_change(&StoreChange::ProjectDropped { project: "p".into() });
    b.apply_store_change(&StoreChange::Resync);
    assert_eq!(
        *seen.0.lock().expect("lines"),
        [
            "p: upserted Tok v1",
            "p: upserted Tok v2",
            "p: dropped tok from coffer",
            "p: dropped Tok from coffer",
            "resync p",
            "resync *",
        ]
    );
}

#[test]
fn without_a_feed_nothing_is_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Arc::new(service(dir.path()));
    assert!(s.follow_store().expect("follow").is_none());
}
