//! How the runner isolates runs, on a real SQLite store with real processes: a machine that
//! cannot sandbox refuses to start runs (saying why and how to proceed), and an unsandboxed
//! run says so in its log.

use coffer_core::{Caller, Service};
use coffer_crypto::LocalKeyFile;
use coffer_flights::{Isolation, Runner, Settings};
use coffer_model::flight::FlightSpec;
use coffer_store_sqlite::SqliteStore;

fn service(dir: &std::path::Path) -> Service {
    let (kr, _) = LocalKeyFile::open_or_create(&dir.join("master.key")).expect("key");
    let svc = Service::new(
        Box::new(SqliteStore::open(&dir.join("coffer.db")).expect("db")),
        Box::new(kr),
    );
    svc.create_project(&Caller::local(), "default").ok();
    svc
}

fn run(isolation: Isolation) -> (coffer_core::RunInfo, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let svc = service(dir.path());
    let spec: FlightSpec =
        serde_json::from_value(serde_json::json!({"kind": "command", "command": ["sh", "-c", "echo ran"]}))
            .expect("spec");
    svc.create_flight(&Caller::local(), "default", "job", spec)
        .expect("create");
    let runner = Runner::new(
        Settings {
            sandbox: isolation,
            ..Settings::default()
        },
        None,
    );
    let mut out = String::new();
    let info = runner
        .run(
            &svc,
            &Caller::local(),
            "default",
            "job",
            Default::default(),
            &mut |_, b| out.push_str(&String::from_utf8_lossy(b)),
        )
        .expect("run");
    (info, out)
}

#[test]
fn without_landlock_runs_fail_before_they_start_and_say_why() {
    let why = "Landlock is not available on this kernel; start coffer with --unsandboxed-runs";
    let (info, out) = run(Isolation::Unavailable(why.into()));
    assert_eq!(info.status, "failed");
    assert_eq!(info.message.as_deref(), Some(why));
    assert!(!out.contains("ran"), "{out}");
}

#[test]
fn an_unsandboxed_run_says_so_in_its_log() {
    let (info, out) = run(Isolation::Unsandboxed);
    assert_eq!(info.status, "succeeded", "{out}");
    assert!(
        out.contains("not sandboxed") && out.contains("--unsandboxed-runs"),
        "{out}"
    );
    assert!(out.contains("ran"), "{out}");
}
