//! The scheduler with a controllable clock: ticks are explicit timestamps, runs are real
//! processes on a real SQLite store.

use coffer_core::{Caller, Service};
use coffer_crypto::LocalKeyFile;
use coffer_flights::{Runner, Scheduler, Settings};
use coffer_model::flight::{FlightKind, FlightSpec};
use coffer_store_sqlite::SqliteStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// 2030-01-01T00:00:00Z.
const T0: i64 = 1_893_456_000_000;
const HOUR: i64 = 3_600_000;

fn service(dir: &std::path::Path) -> Arc<Service> {
    let (kr, _) = LocalKeyFile::open_or_create(&dir.join("master.key")).expect("key");
    let svc = Service::new(
        Box::new(SqliteStore::open(&dir.join("coffer.db")).expect("db")),
        Box::new(kr),
    );
    svc.create_project(&Caller::local(), "default").ok();
    Arc::new(svc)
}

fn spec(schedule: &str, command: &[&str], concurrency: u32) -> FlightSpec {
    FlightSpec {
        kind: FlightKind::Command,
        command: command.iter().map(|s| s.to_string()).collect(),
        script: None,
        config: Default::default(),
        secrets: vec![],
        token_name: None,
        schedule: Some(schedule.into()),
        timezone: None,
        timeout_secs: None,
        concurrency,
        steps: vec![],
        runs_as_since: None,
        requirements: None,
        source_builds: false,
    }
}

fn wait_idle(runner: &Runner) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while runner.active() > 0 {
        assert!(Instant::now() < deadline, "runs did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The last run records its end just after it leaves the active set.
    std::thread::sleep(Duration::from_millis(100));
}

#[test]
fn a_missed_tick_runs_once_and_each_tick_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let svc = service(dir.path());
    let local = Caller::local();
    svc.create_flight(&local, "default", "hourly", spec("0 * * * *", &["true"], 1))
        .expect("create");
    let runner = Arc::new(Runner::new(Settings::default(), None));
    let sched = Scheduler::new(Arc::clone(&runner), Arc::clone(&svc));
    // Created "now" (real time, before T0): the first check at T0 + 5h finds 5 missed ticks
    // since creation and starts one run, for the latest.
    let started = sched.tick(T0 + 5 * HOUR + 10_000).expect("tick");
    assert_eq!(started.len(), 1, "one run for all missed ticks");
    let run = started[0].1.as_ref().expect("started");
    assert_eq!(run.scheduled_for, Some(T0 + 5 * HOUR));
    assert_eq!(run.trigger, "schedule");
    wait_idle(&runner);
    // The same moment again, and a bit later within the hour: nothing.
    assert!(sched.tick(T0 + 5 * HOUR + 10_000).expect("tick").is_empty());
    assert!(sched.tick(T0 + 5 * HOUR + 59 * 60_000).expect("tick").is_empty());
    // The next hour: one run.
    let next = sched.tick(T0 + 6 * HOUR).expect("tick");
    assert_eq!(next.len(), 1);
    wait_idle(&runner);
    let runs = svc.list_runs(&local, "default", "hourly", 10).expect("runs");
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.status == "succeeded"), "{runs:?}");
}

#[test]
fn a_tick_while_a_run_is_running_is_skipped_at_concurrency_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let svc = service(dir.path());
    let local = Caller::local();
    svc.create_flight(&local, "default", "slow", spec("* * * * *", &["sleep", "5"], 1))
        .expect("create");
    let runner = Arc::new(Runner::new(Settings::default(), None));
    let sched = Scheduler::new(Arc::clone(&runner), Arc::clone(&svc));
    let first = sched.tick(T0).expect("tick");
    assert!(first[0].1.is_ok());
    let second = sched.tick(T0 + 60_000).expect("tick");
    assert_eq!(second.len(), 1);
    let err = second[0].1.as_ref().expect_err("refused at concurrency 1").to_string();
    assert!(err.contains("already has 1 running run"), "{err}");
    runner.shutdown();
    wait_idle(&runner);
    // With --concurrency 2 the second tick starts a second run.
    svc.update_flight(
        &local,
        "default",
        "slow",
        coffer_core::FlightUpdate {
            concurrency: Some(2),
            command: Some(vec!["true".into()]),
            ..Default::default()
        },
    )
    .expect("update");
    let runner = Arc::new(Runner::new(Settings::default(), None));
    let sched = Scheduler::new(Arc::clone(&runner), Arc::clone(&svc));
    assert!(sched.tick(T0 + 120_000).expect("tick")[0].1.is_ok());
    wait_idle(&runner);
}
