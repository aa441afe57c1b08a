//! What only the PostgreSQL store has: its migrations under concurrent starts, its change
//! feed, and compare-and-set writes racing from two stores (two nodes) on one database.

mod common;

use coffer_store::prelude::*;
use coffer_store::{Expect, StoreChange, StoreError};
use coffer_store_postgres::PgStore;
use coffer_store_postgres_testing as testing;
use coffer_store_suite::{event, flight, record, run, source};
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// Two stores (two nodes) on one fresh database, unless no server is configured.
fn two_nodes() -> Option<(String, PgStore, PgStore)> {
    let url = common::fresh_database()?;
    let a = PgStore::connect(&url).expect("node a");
    let b = PgStore::connect(&url).expect("node b");
    Some((url, a, b))
}

#[test]
fn refuses_a_newer_schema() {
    let Some(url) = common::fresh_database() else { return };
    let store = PgStore::connect(&url).expect("connect");
    assert_eq!(
        store.schema_version().expect("version"),
        PgStore::known_schema_version()
    );
    drop(store);
    testing::execute(&url, "UPDATE coffer_schema SET version = 99");
    let err = PgStore::connect(&url).expect_err("newer schema");
    assert!(matches!(err, StoreError::SchemaTooNew { found: 99, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "the database schema is version 99 but this coffer knows up to {}: upgrade coffer",
            PgStore::known_schema_version()
        )
    );
}

#[test]
fn nodes_starting_together_migrate_once() {
    let Some(url) = common::fresh_database() else { return };
    let url = Arc::new(url);
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (url, barrier) = (url.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                PgStore::connect(&url).map(|s| s.schema_version())
            })
        })
        .collect();
    for h in handles {
        let version = h.join().expect("thread").expect("connect").expect("version");
        assert_eq!(version, PgStore::known_schema_version());
    }
    let store = PgStore::connect(&url).expect("again");
    assert_eq!(
        store.list_projects().expect("projects").len(),
        1,
        "the default project once"
    );
}

#[test]
fn bad_urls_and_unreachable_servers_say_so_without_the_password() {
    let err = PgStore::connect("postgres://u:hunter2@127.0.0.1:1/db").expect_err("nothing listens on port 1");
    let msg = err.to_string();
    assert!(
        msg.contains("cannot reach PostgreSQL") && msg.contains("refused"),
        "{msg}"
    );
    assert!(!msg.contains("hunter2"), "{msg}");
    let err = PgStore::connect("postgres://u:hunter2@127.0.0.1:1/db?sslmode=bogus").expect_err("bad URL");
    assert!(err.to_string().contains("invalid PostgreSQL URL"), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    for bad in ["0", "many", "5000"] {
        let err = PgStore::connect(&format!("postgres://u:hunter2@127.0.0.1:1/db?pool_size={bad}"))
            .expect_err("bad pool size");
        assert!(
            err.to_string()
                .contains(&format!("pool_size={bad}: use a number of connections from 1 to 1000")),
            "{err}"
        );
    }
    let Some(fresh) = common::fresh_database() else { return };
    let small = format!("{}{}pool_size=1", fresh, if fresh.contains('?') { "&" } else { "?" });
    let store = PgStore::connect(&small).expect("a pool of one");
    store
        .put_secret(&record("p", "one", 1), Expect::Absent, &[])
        .expect("write with one connection");
    assert_eq!(store.list_secrets("p").expect("read").len(), 1);
    drop(store);
    let url = testing::server_url().expect("server");
    let wrong = url.replacen("coffer-test", "not-the-password", 1);
    let err = PgStore::connect(&wrong).expect_err("wrong password");
    assert!(err.to_string().contains("password authentication failed"), "{err}");
}

fn next(rx: &std::sync::mpsc::Receiver<StoreChange>) -> StoreChange {
    rx.recv_timeout(Duration::from_secs(5)).expect("a change within 5 s")
}

#[test]
fn the_change_feed_reports_the_other_nodes_changes() {
    let Some((_url, a, b)) = two_nodes() else { return };
    let feed = a.subscribe().expect("subscribe").expect("postgres has a feed");
    // A's own write is not reported back to A.
    a.put_secret(&record("p", "mine", 1), Expect::Absent, &[])
        .expect("a writes");
    b.put_secret(&record("p", "S1", 1), Expect::Absent, &[])
        .expect("b writes");
    assert_eq!(
        next(&feed),
        StoreChange::SecretUpserted {
            project: "p".into(),
            name: "S1".into()
        }
    );
    b.put_secret(&record("p", "S1", 2), Expect::Version(1), &[])
        .expect("replace");
    assert!(matches!(next(&feed), StoreChange::SecretUpserted { .. }));
    assert!(b.delete_secret("p", "s1", &[]).expect("drop"));
    assert_eq!(
        next(&feed),
        StoreChange::SecretDropped {
            project: "p".into(),
            name: "S1".into()
        },
        "the stored spelling of the name"
    );
    // A rolled-back write notifies nobody.
    assert!(!b.delete_secret("p", "nope", &[]).expect("nothing to drop"));
    // Data sources: every write, the drop with the stored spelling.
    let warehouse = StoreChange::SourceChanged {
        project: "p".into(),
        name: "Warehouse".into(),
    };
    b.put_source(&source("p", "Warehouse", 1), Expect::Absent, &[])
        .expect("source");
    assert_eq!(next(&feed), warehouse);
    b.put_source(&source("p", "Warehouse", 2), Expect::Version(1), &[])
        .expect("replace the source");
    assert_eq!(next(&feed), warehouse);
    assert!(b.delete_source("p", "warehouse", &[]).expect("drop the source"));
    assert_eq!(next(&feed), warehouse);
    assert!(!b.delete_source("p", "warehouse", &[]).expect("nothing to drop"));
    b.create_project(
        &coffer_store::ProjectRecord {
            name: "q".into(),
            created_at: 1,
            created_by: "t".into(),
        },
        &[],
    )
    .expect("project");
    assert!(b.delete_project("q", &[]).expect("delete project"));
    assert_eq!(next(&feed), StoreChange::ProjectDropped { project: "q".into() });
    assert!(feed.try_recv().is_err(), "nothing else: {:?}", feed.try_recv());
}

/// `n` threads over the two stores run `f` at once; returns how many returned true.
fn race(
    a: &Arc<PgStore>,
    b: &Arc<PgStore>,
    n: usize,
    f: impl Fn(&PgStore, usize) -> bool + Send + Sync + 'static,
) -> usize {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            let (f, barrier) = (f.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                f(&store, i)
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .filter(|won| *won)
        .count()
}

#[test]
fn compare_and_set_writes_have_one_winner_across_nodes() {
    let Some((_url, a, b)) = two_nodes() else { return };
    let (a, b) = (Arc::new(a), Arc::new(b));
    // Creating one name: one wins, the others conflict.
    let won = race(&a, &b, 8, |s, i| {
        let mut r = record("p", "race", 1);
        r.created_by = format!("writer{i}");
        match s.put_secret(&r, Expect::Absent, &[event("p", "secret:race", "create", 1)]) {
            Ok(()) => true,
            Err(StoreError::Conflict { .. }) => false,
            Err(e) => panic!("{e}"),
        }
    });
    assert_eq!(won, 1);
    // Replacing version 1: one wins.
    let won = race(&a, &b, 8, |s, _| {
        match s.put_secret(&record("p", "race", 2), Expect::Version(1), &[]) {
            Ok(()) => true,
            Err(StoreError::Conflict { .. }) => false,
            Err(e) => panic!("{e}"),
        }
    });
    assert_eq!(won, 1);
    assert_eq!(a.secret_history("p", "race").expect("history").len(), 2);
    assert_eq!(
        a.list_audit(&Default::default()).expect("audit").len(),
        1,
        "only the winner's event"
    );
    // One schedule tick: one node claims it.
    a.create_flight(&flight("f-1", "p", "nightly"), &[]).expect("flight");
    let won = race(&a, &b, 8, |s, _| s.claim_tick("f-1", None, 60_000).expect("claim"));
    assert_eq!(won, 1);
    // Starting runs at concurrency 1: one starts.
    let won = race(&a, &b, 8, |s, _| match s.create_run(&run("f-1"), 1, &[]) {
        Ok(_) => true,
        Err(StoreError::Conflict { .. }) => false,
        Err(e) => panic!("{e}"),
    });
    assert_eq!(won, 1);
    // At concurrency 8, all start, numbered 2..=9 without gaps or duplicates.
    let won = race(&a, &b, 8, |s, _| s.create_run(&run("f-1"), 9, &[]).is_ok());
    assert_eq!(won, 8);
    let mut numbers: Vec<i64> = a
        .list_runs("f-1", 100)
        .expect("runs")
        .iter()
        .map(|r| r.run_number)
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=9).collect::<Vec<_>>());
}

#[test]
fn works_and_drops_inside_an_async_runtime() {
    let Some(url) = common::fresh_database() else { return };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        // As coffer serve's read handlers do: blocking store calls on a runtime worker.
        let store = PgStore::connect(&url).expect("connect");
        store
            .put_secret(&record("p", "x", 1), Expect::Absent, &[])
            .expect("write");
        assert!(store.get_secret("p", "X").expect("read").is_some());
        drop(store);
    });
}

/// Whether connections made with the store's settings for `url` use TLS, as PostgreSQL sees
/// them (pg_stat_ssl of the connection itself); the store itself connects first.
fn uses_tls(url: &str) -> bool {
    let probe = testing::with_database(url, "postgres");
    let store = PgStore::connect(url).expect("connect");
    drop(store);
    testing::with_client(&probe, async |client| {
        let row = client
            .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
            .await
            .expect("pg_stat_ssl");
        row.get::<_, bool>(0)
    })
}

/// The test server (scripts/postgres.sh) offers TLS with a certificate from its own CA, named
/// in its URL as `sslrootcert`.
fn tls_server() -> Option<String> {
    if !common::server_configured() {
        return None;
    }
    let url = testing::server_url()?;
    if url.contains("sslrootcert=") {
        Some(url)
    } else {
        eprintln!("the test server does not offer TLS (no sslrootcert in its URL): TLS tests skipped");
        None
    }
}

#[test]
fn tls_is_used_and_verified_when_the_server_offers_it() {
    let Some(url) = tls_server() else { return };
    assert!(
        uses_tls(&url),
        "sslmode=prefer (the default) with a trusted CA uses TLS"
    );
    let require = format!("{url}&sslmode=verify-full");
    assert!(uses_tls(&require));
    let plain = format!("{url}&sslmode=disable");
    assert!(!uses_tls(&plain), "sslmode=disable is plain text");
    // A certificate from a CA nobody named is refused, not silently accepted.
    let dir = tempfile::tempdir().expect("tempdir");
    let other_ca = dir.path().join("other-ca.crt");
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=other",
        ])
        .arg("-keyout")
        .arg(dir.path().join("other-ca.key"))
        .arg("-out")
        .arg(&other_ca)
        .output()
        .expect("openssl");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let (base, _) = url.split_once('?').expect("query");
    let untrusted = format!("{base}?sslrootcert={}&sslmode=require", other_ca.display());
    let err = PgStore::connect(&untrusted).expect_err("untrusted certificate");
    eprintln!("untrusted: {err}");
    assert!(err.to_string().to_lowercase().contains("certificate"), "{err}");
    let missing = format!("{base}?sslrootcert=/nonexistent/ca.crt");
    let err = PgStore::connect(&missing).expect_err("no such CA file");
    assert!(
        err.to_string().contains("cannot read sslrootcert /nonexistent/ca.crt"),
        "{err}"
    );
}

#[test]
fn a_written_flight_version_cannot_be_changed() {
    use coffer_store::sql::SqlBackend;
    let Some(url) = common::fresh_database() else { return };
    let store = PgStore::connect(&url).expect("connect");
    let f = flight("f-1", "p", "fixed");
    store.create_flight(&f, &[]).expect("create");
    let err = store
        .execute("UPDATE flight_versions SET spec = '{}', created_by = 'mallory'", &[])
        .expect_err("immutable");
    assert!(err.to_string().contains("flight versions are immutable"), "{err}");
    let v = store.get_flight_version("f-1", 1).expect("get").expect("kept");
    assert_eq!((v.spec, v.created_by.as_str()), (f.spec, "alice"));
}

#[test]
fn flights_from_before_versions_get_their_current_one() {
    let Some(url) = common::fresh_database() else { return };
    drop(PgStore::connect(&url).expect("connect"));
    // Back to the schema before versions (and data sources), with a flight updated twice.
    testing::execute(
        &url,
        "DROP TABLE sources; DROP TABLE flight_versions; DROP FUNCTION flight_versions_immutable(); \
         UPDATE coffer_schema SET version = 2; \
         INSERT INTO flights (id, project, name, spec, version, owner, owner_id, created_at, updated_at) \
         VALUES ('f-1', 'default', 'old', '{\"kind\":\"command\",\"command\":[\"true\"]}', 3, 'alice', NULL, 1, 50); \
         INSERT INTO audit_events (at, actor, project, object, action, result, client) VALUES \
         (1, 'alice', 'default', 'flight:old', 'flight.create', 'ok', 'cli'), \
         (40, 'bob', 'default', 'flight:old', 'flight.update', 'ok', 'cli'), \
         (45, 'mallory', 'default', 'flight:old', 'flight.update', 'denied', 'cli')",
    );
    let store = PgStore::connect(&url).expect("migrate");
    assert_eq!(
        store.schema_version().expect("version"),
        PgStore::known_schema_version()
    );
    let got: Vec<_> = store
        .list_flight_versions("f-1")
        .expect("versions")
        .into_iter()
        .map(|v| (v.version, v.created_at, v.created_by))
        .collect();
    assert_eq!(got, [(3, 50, "bob".to_string())]);
}
