//! What only the SQLite store has: corrupt rows and migrations from older schemas.

use crate::migrations::MIGRATIONS;
use crate::SqliteStore;
use coffer_store::prelude::*;
use coffer_store::{FlightRecord, ProjectRecord, RunRecord, StoreError};
use rusqlite::Connection;

fn spec() -> coffer_model::flight::FlightSpec {
    coffer_model::flight::FlightSpec {
        kind: coffer_model::flight::FlightKind::Command,
        command: vec!["true".into()],
        script: None,
        config: Default::default(),
        secrets: vec![],
        token_name: None,
        schedule: None,
        timezone: None,
        timeout_secs: None,
        concurrency: 1,
        steps: vec![],
        runs_as_since: None,
        requirements: None,
        source_builds: false,
    }
}

#[test]
fn undecodable_flight_rows_are_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.db");
    let store = SqliteStore::open(&path).expect("open");
    let f = FlightRecord {
        id: "f-1".into(),
        project: "p".into(),
        name: "Broken".into(),
        spec: spec(),
        version: 1,
        owner: "o".into(),
        owner_id: None,
        created_at: 1,
        updated_at: 1,
        last_tick: None,
    };
    store.create_flight(&f, &[]).expect("create");
    let run = RunRecord {
        flight_id: "f-1".into(),
        run_number: 0,
        status: "running".into(),
        flight_version: 1,
        config: Default::default(),
        exit_code: None,
        trigger: "manual".into(),
        started_by: "o".into(),
        started_at: 2,
        finished_at: None,
        message: None,
        runner: None,
        cancel_requested: false,
        scheduled_for: None,
    };
    assert_eq!(store.create_run(&run, 1, &[]).expect("run"), 1);
    assert!(store.get_flight("p", "broken").expect("readable").is_some());
    {
        let conn = store.lock().expect("lock");
        conn.execute("UPDATE flights SET spec = '{\"kind\":\"rocket\"}'", [])
            .expect("break spec");
        conn.execute("UPDATE flight_runs SET config = '[1'", [])
            .expect("break config");
    }
    for got in [
        store.get_flight("p", "broken").map(|_| ()),
        store.get_flight_by_id("f-1").map(|_| ()),
        store.list_flights(None).map(|_| ()),
    ] {
        match got {
            Err(StoreError::Corrupt { name, reason }) => {
                assert_eq!(name, "Broken");
                assert!(reason.contains("spec"), "{reason}");
            }
            other => panic!("a bad spec must be Corrupt: {other:?}"),
        }
    }
    for got in [
        store.get_run("f-1", 1).map(|_| ()),
        store.list_runs("f-1", 5).map(|_| ()),
        store.running_runs().map(|_| ()),
    ] {
        assert!(matches!(got, Err(StoreError::Corrupt { .. })), "{got:?}");
    }
}

#[test]
fn migrates_a_version_4_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.db");
    {
        let conn = Connection::open(&path).expect("raw");
        for sql in &MIGRATIONS[..4] {
            conn.execute_batch(sql).expect("old migration");
        }
        conn.pragma_update(None, "user_version", 4).expect("version");
    }
    let store = SqliteStore::open(&path).expect("open");
    assert!(store.list_flights(None).expect("flights table").is_empty());
    let version: i64 = store
        .lock()
        .expect("lock")
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, MIGRATIONS.len() as i64);
}

#[test]
fn tokens_from_before_parents_have_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.db");
    {
        let conn = Connection::open(&path).expect("raw");
        for sql in &MIGRATIONS[..6] {
            conn.execute_batch(sql).expect("old migration");
        }
        conn.execute_batch(
            "INSERT INTO identities (name, kind, created_at, created_by) VALUES ('alice', 'user', 1, 't'); \
             INSERT INTO tokens (public_id, identity_id, name, hash, created_at, created_by) \
             VALUES ('ab', 1, 'old', x'00', 1, 't');",
        )
        .expect("old rows");
        conn.pragma_update(None, "user_version", 6).expect("version");
    }
    let store = SqliteStore::open(&path).expect("open");
    let old = store.get_token("old").expect("get").expect("kept");
    assert_eq!(old.parent_id, None);
    assert!(store.token_ancestors(old.id).expect("ancestors").is_empty());
}

#[test]
fn flights_from_before_versions_get_their_current_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.db");
    {
        let conn = Connection::open(&path).expect("raw");
        for sql in &MIGRATIONS[..7] {
            conn.execute_batch(sql).expect("old migration");
        }
        let spec = coffer_store::sql::codec::json(&spec()).expect("spec");
        conn.execute(
            "INSERT INTO flights (id, project, name, spec, version, owner, owner_id, created_at, updated_at) \
             VALUES ('f-1', 'default', 'old', ?1, 3, 'alice', NULL, 1, 50), \
                    ('f-2', 'default', 'quiet', ?1, 1, 'carol', NULL, 1, 60)",
            [&spec],
        )
        .expect("old flights");
        conn.execute_batch(
            "INSERT INTO audit_events (at, actor, project, object, action, result, client) VALUES \
             (1, 'alice', 'default', 'flight:old', 'flight.create', 'ok', 'cli'), \
             (40, 'bob', 'default', 'flight:old', 'flight.update', 'ok', 'cli'), \
             (45, 'mallory', 'default', 'flight:old', 'flight.update', 'denied', 'cli')",
        )
        .expect("old events");
        conn.pragma_update(None, "user_version", 7).expect("version");
    }
    let store = SqliteStore::open(&path).expect("open");
    let versions = store.list_flight_versions("f-1").expect("versions");
    let got: Vec<_> = versions
        .iter()
        .map(|v| (v.version, v.created_at, v.created_by.as_str()))
        .collect();
    assert_eq!(
        got,
        [(3, 50, "bob")],
        "only the current version is known, by its last writer"
    );
    assert_eq!(versions[0].spec, spec());
    let quiet = store.list_flight_versions("f-2").expect("versions");
    assert_eq!(quiet.len(), 1);
    assert_eq!(quiet[0].created_by, "carol", "no audit event: the owner");
}

#[test]
fn a_written_flight_version_cannot_be_changed() {
    use coffer_store::sql::SqlBackend;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("c.db")).expect("open");
    let f = FlightRecord {
        id: "f-1".into(),
        project: "default".into(),
        name: "fixed".into(),
        spec: spec(),
        version: 1,
        owner: "alice".into(),
        owner_id: None,
        created_at: 1,
        updated_at: 1,
        last_tick: None,
    };
    store.create_flight(&f, &[]).expect("create");
    let err = store
        .execute("UPDATE flight_versions SET spec = '{}', created_by = 'mallory'", &[])
        .expect_err("immutable");
    assert!(err.to_string().contains("flight versions are immutable"), "{err}");
    let v = store.get_flight_version("f-1", 1).expect("get").expect("kept");
    assert_eq!((v.spec, v.created_by.as_str()), (spec(), "alice"));
}

#[test]
fn refuses_a_newer_schema() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.db");
    drop(SqliteStore::open(&path).expect("open"));
    let conn = Connection::open(&path).expect("raw");
    conn.pragma_update(None, "user_version", 99).expect("bump");
    drop(conn);
    let err = SqliteStore::open(&path).expect_err("newer schema");
    assert_eq!(
        err.to_string(),
        format!(
            "the database schema is version 99 but this coffer knows up to {}: upgrade coffer",
            MIGRATIONS.len()
        )
    );
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn the_database_and_its_wal_and_shm_are_private_from_creation() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.db");
    let store = SqliteStore::open(&path).expect("open");
    store
        .create_project(
            &ProjectRecord {
                name: "p".into(),
                created_at: 0,
                created_by: "t".into(),
            },
            &[],
        )
        .expect("a write");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(dir.path()).expect("list") {
        let entry = entry.expect("entry");
        let mode = entry.metadata().expect("meta").permissions().mode() & 0o777;
        seen.push((entry.file_name().to_string_lossy().into_owned(), mode));
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            ("c.db".into(), 0o600),
            ("c.db-shm".into(), 0o600),
            ("c.db-wal".into(), 0o600)
        ]
    );
    drop(store);
    // An existing file keeps its mode (it is the operator's).
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    drop(SqliteStore::open(&path).expect("reopen"));
    assert_eq!(
        std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
        0o640
    );
}
