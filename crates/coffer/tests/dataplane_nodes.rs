//! Two services on one database, as two `coffer serve` nodes: the live DuckDB instances of one
//! follow the secrets the other creates, replaces and drops.
//!
//! - On PostgreSQL (`COFFER_TEST_POSTGRES_URL`; skipped with a note when unset) through the
//!   store's change feed (LISTEN/NOTIFY) and [`Service::follow_store`], within a second.
//! - On SQLite (no feed) by handing the same changes to [`Service::apply_store_change`], which
//!   is what the feed's thread does with each one.
//!
//! Needs httpfs in `COFFER_TEST_EXTENSION_DIR` (scripts/test.sh installs it).

mod engine;

use coffer_core::{Caller, CreateRequest, OnConflict, Service, StoreChange};
use coffer_crypto::{LocalKeyFile, SecretString};
use coffer_engine::DataPlane;
use coffer_model::{InputValue, Storage};
use engine::{engine_config, started, Duck};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Node {
    service: Arc<Service>,
    plane: Arc<DataPlane>,
}

/// The shared key file, as a node opens it.
fn keyring(key: &Path) -> Box<LocalKeyFile> {
    Box::new(LocalKeyFile::open_or_create(key).expect("key").0)
}

fn node(service: Service) -> Node {
    let service = Arc::new(service);
    let plane = DataPlane::new(engine_config());
    service.observe(plane.clone());
    Node { service, plane }
}

fn upsert(n: &Node, project: &str, name: &str, scope: &str, on_conflict: OnConflict) {
    n.service
        .create_secret(
            &Caller::local(),
            project,
            CreateRequest {
                name: Some(name.into()),
                secret_type: "s3".into(),
                provider: None,
                scopes: vec![scope.into()],
                storage: Storage::Coffer,
                on_conflict,
                values: vec![
                    ("key_id".into(), InputValue::Text(SecretString::from("AKIANODES"))),
                    ("secret".into(), InputValue::Text(SecretString::from("NODES-SECRET-q8"))),
                    ("region".into(), InputValue::Text(SecretString::from("us-east-1"))),
                ],
            },
        )
        .expect("create");
}

fn which(duck: &Duck<'_>, path: &str) -> Option<String> {
    duck.which_secret(path, "s3").expect("which_secret")
}

/// Polls (every 20 ms) until `done` holds, failing after `limit`; returns how long it took.
fn within(limit: Duration, what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    loop {
        if done() {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{what}: not seen within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn postgres_live_instances_follow_another_nodes_changes_within_a_second() {
    if coffer_store_postgres_testing::server_url().is_none() {
        eprintln!(
            "note: postgres_live_instances_follow_another_nodes_changes_within_a_second skipped: set {} to a PostgreSQL server URL (scripts/test.sh and CI do)",
            coffer_store_postgres_testing::ENV
        );
        return;
    }
    let url = coffer_store_postgres_testing::fresh_database();
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("master.key");
    let connect = || {
        let store = coffer_store_postgres::PgStore::connect(&url).expect("connect");
        node(Service::new(Box::new(store), keyring(&key)))
    };
    let (a, b) = (connect(), connect());
    for p in ["p", "q"] {
        a.service.create_project(&Caller::local(), p).expect("project");
    }
    let feed = b
        .service
        .follow_store()
        .expect("follow")
        .expect("PostgreSQL has a change feed");
    let duck = started(&b.plane, &b.service, &Caller::local(), "p");
    assert_eq!(which(&duck, "s3://one/x"), None);
    let second = Duration::from_secs(1);
    let mut seen = Vec::new();

    upsert(&a, "p", "shared", "s3://one", OnConflict::Error);
    seen.push((
        "create",
        within(second, "a create on A", || {
            which(&duck, "s3://one/x").as_deref() == Some("shared")
        }),
    ));

    upsert(&a, "p", "shared", "s3://two", OnConflict::Replace);
    seen.push((
        "replace",
        within(second, "a replace on A", || {
            which(&duck, "s3://one/x").is_none() && which(&duck, "s3://two/x").as_deref() == Some("shared")
        }),
    ));

    a.service
        .drop_secret(&Caller::local(), "p", "shared", false, None)
        .expect("drop");
    seen.push((
        "drop",
        within(second, "a drop on A", || {
            which(&duck, "s3://two/x").is_none() && duck.registered_count() == 0
        }),
    ));

    // A deleted project leaves B's instances of it holding nothing.
    upsert(&a, "q", "elsewhere", "s3://three", OnConflict::Error);
    let duck_q = started(&b.plane, &b.service, &Caller::local(), "q");
    assert_eq!(which(&duck_q, "s3://three/x").as_deref(), Some("elsewhere"));
    a.service
        .delete_project(&Caller::local(), "q", true)
        .expect("delete project");
    seen.push((
        "project delete",
        within(second, "a project delete on A", || duck_q.registered_count() == 0),
    ));
    assert_eq!(which(&duck_q, "s3://three/x"), None);

    let shown: Vec<String> = seen
        .iter()
        .map(|(what, took)| format!("{what} {:.1} ms", took.as_secs_f64() * 1000.0))
        .collect();
    eprintln!(
        "postgres: another node's changes reached a live DuckDB instance in: {}",
        shown.join(", ")
    );
    // The feed's thread ends with its service.
    drop(duck);
    drop(duck_q);
    drop(b);
    let ended = within(Duration::from_secs(5), "the feed thread ending", || feed.is_finished());
    eprintln!(
        "postgres: the feed thread ended {:.0} ms after its service",
        ended.as_secs_f64() * 1000.0
    );
}

#[test]
fn a_store_change_brings_another_services_instances_up_to_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("master.key");
    let db = dir.path().join("coffer.db");
    let open = || {
        let store = coffer_store_sqlite::SqliteStore::open(&db).expect("db");
        node(Service::new(Box::new(store), keyring(&key)))
    };
    let (a, b) = (open(), open());
    for p in ["p", "q"] {
        a.service.create_project(&Caller::local(), p).expect("project");
    }
    // SQLite has no feed: the changes are handed over as the feed's thread would.
    assert!(b.service.follow_store().expect("follow").is_none());
    let duck = started(&b.plane, &b.service, &Caller::local(), "p");
    let change = |name: &str| StoreChange::SecretUpserted {
        project: "p".into(),
        name: name.into(),
    };

    upsert(&a, "p", "shared", "s3://one", OnConflict::Error);
    assert_eq!(which(&duck, "s3://one/x"), None, "not told yet");
    b.service.apply_store_change(&change("shared"));
    assert_eq!(which(&duck, "s3://one/x").as_deref(), Some("shared"));

    upsert(&a, "p", "shared", "s3://two", OnConflict::Replace);
    b.service.apply_store_change(&change("SHARED"));
    assert_eq!(which(&duck, "s3://one/x"), None);
    assert_eq!(which(&duck, "s3://two/x").as_deref(), Some("shared"));

    a.service
        .drop_secret(&Caller::local(), "p", "shared", false, None)
        .expect("drop");
    b.service.apply_store_change(&StoreChange::SecretDropped {
        project: "p".into(),
        name: "shared".into(),
    });
    assert_eq!(which(&duck, "s3://two/x"), None);
    assert_eq!(duck.registered_count(), 0);

    // Changes the feed missed are picked up by a resync, and only those are touched.
    upsert(&a, "p", "kept", "s3://kept", OnConflict::Error);
    b.service.apply_store_change(&change("kept"));
    upsert(&a, "p", "missed", "s3://missed", OnConflict::Error);
    a.service
        .drop_secret(&Caller::local(), "p", "kept", false, None)
        .expect("drop");
    assert_eq!(which(&duck, "s3://kept/x").as_deref(), Some("kept"));
    b.service.apply_store_change(&StoreChange::Resync);
    assert_eq!(which(&duck, "s3://kept/x"), None);
    assert_eq!(which(&duck, "s3://missed/x").as_deref(), Some("missed"));
    assert_eq!(duck.registered_count(), 1);

    // A deleted project leaves the instances of it holding nothing; others keep theirs.
    upsert(&a, "q", "elsewhere", "s3://three", OnConflict::Error);
    let duck_q = started(&b.plane, &b.service, &Caller::local(), "q");
    assert_eq!(which(&duck_q, "s3://three/x").as_deref(), Some("elsewhere"));
    a.service
        .delete_project(&Caller::local(), "q", true)
        .expect("delete project");
    b.service
        .apply_store_change(&StoreChange::ProjectDropped { project: "q".into() });
    assert_eq!(duck_q.registered_count(), 0);
    assert_eq!(which(&duck_q, "s3://three/x"), None);
    assert_eq!(which(&duck, "s3://missed/x").as_deref(), Some("missed"));
}
