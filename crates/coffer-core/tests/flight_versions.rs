//! A flight's versions: every change of its definition makes one, kept whole and never
//! changed; a run is locked to the version current when it starts; reading versions needs
//! what reading the flight needs.

mod common;

use coffer_core::{AuditFilter, CoreError, FlightInfo, FlightUpdate, Role, RunRequest, Started};
use coffer_model::flight::{FlightKind, FlightSpec};
use common::{actor, user, Env};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn spec(argv: &[&str]) -> FlightSpec {
    FlightSpec {
        kind: FlightKind::Command,
        command: argv.iter().map(|s| s.to_string()).collect(),
        script: None,
        config: [("REGION".to_string(), "us".to_string())].into_iter().collect(),
        secrets: vec![],
        token_name: None,
        schedule: None,
        timezone: None,
        timeout_secs: None,
        concurrency: 64,
        steps: vec![],
        runs_as_since: None,
        requirements: None,
        source_builds: false,
    }
}

#[test]
fn every_change_makes_a_version_with_its_whole_content() {
    let env = Env::new();
    let svc = env.service();
    let saved = svc
        .create_flight(&actor(), "p", "job", spec(&["echo", "one"]))
        .expect("create");
    assert!(!saved.unchanged);
    let first = saved.info;
    let update = |u: FlightUpdate| svc.update_flight(&actor(), "p", "job", u).expect("update");
    let s2 = update(FlightUpdate {
        command: Some(vec!["echo".into(), "two".into()]),
        config: Some([("REGION".to_string(), "eu".to_string())].into_iter().collect()),
        ..Default::default()
    });
    assert_eq!((s2.info.version, s2.unchanged), (2, false));
    let s3 = update(FlightUpdate {
        schedule: Some(Some("0 * * * *".into())),
        timeout_secs: Some(Some(60)),
        ..Default::default()
    });
    assert_eq!(s3.info.version, 3);
    // The same definition again (a redeploy) is no change: no version.
    let same = update(FlightUpdate {
        command: Some(vec!["echo".into(), "two".into()]),
        schedule: Some(Some("0 * * * *".into())),
        ..Default::default()
    });
    assert!(same.unchanged, "an update that changes nothing says so");
    assert_eq!(same.info, svc.get_flight(&actor(), "p", "job").expect("get"));
    assert_eq!(same.info.version, 3, "and makes no version");

    let versions = svc.list_flight_versions(&actor(), "p", "job").expect("versions");
    let got: Vec<(i64, Vec<String>, &str)> = versions
        .iter()
        .map(|v| (v.version, v.changes.clone(), v.created_by.as_str()))
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        got,
        [
            (3, s(&["schedule", "timeout_secs"]), "test:alice"),
            (2, s(&["command", "config"]), "test:alice"),
            (1, s(&["created"]), "test:alice"),
        ]
    );
    assert!(versions.windows(2).all(|w| w[0].created_at >= w[1].created_at));

    // Each version reads back as the flight was then; by name or by id.
    let v1 = svc.get_flight_version(&actor(), "p", "job", 1).expect("v1");
    assert_eq!(
        v1,
        FlightInfo {
            next_run_at: None,
            ..first.clone()
        }
    );
    let v2 = svc
        .get_flight_version(&actor(), "p", &first.flight_id, 2)
        .expect("v2 by id");
    assert_eq!(
        (v2.version, v2.command.clone()),
        (2, vec!["echo".to_string(), "two".to_string()])
    );
    assert_eq!(v2.config.get("REGION").map(String::as_str), Some("eu"));
    assert_eq!((v2.schedule.clone(), v2.timeout_secs), (None, None));
    let v3 = svc.get_flight_version(&actor(), "p", "job", 3).expect("v3");
    assert_eq!(v3, svc.get_flight(&actor(), "p", "job").expect("current"));

    // A version's content never changes: later updates leave it as it was.
    update(FlightUpdate {
        command: Some(vec!["echo".into(), "four".into()]),
        ..Default::default()
    });
    assert_eq!(svc.get_flight_version(&actor(), "p", "job", 2).expect("v2 again"), v2);
    assert_eq!(svc.get_flight_version(&actor(), "p", "job", 1).expect("v1 again"), v1);
}

#[test]
fn an_unknown_version_names_the_flight_the_version_and_the_latest() {
    let env = Env::new();
    let svc = env.service();
    svc.create_flight(&actor(), "p", "job", spec(&["true"]))
        .expect("create");
    svc.update_flight(
        &actor(),
        "p",
        "job",
        FlightUpdate {
            concurrency: Some(2),
            ..Default::default()
        },
    )
    .expect("update");
    for v in [3, 0, -1] {
        let err = svc
            .get_flight_version(&actor(), "p", "job", v)
            .expect_err("no such version");
        assert!(matches!(err.inner(), CoreError::Missing(_)), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("flight 'job'")
                && msg.contains(&format!("no version {v}"))
                && msg.contains("latest version is 2"),
            "{msg}"
        );
    }
    let err = svc.list_flight_versions(&actor(), "p", "ghost").expect_err("no flight");
    assert!(err.to_string().contains("no flight named 'ghost'"), "{err}");
    let err = svc
        .get_flight_version(&actor(), "p", "ghost", 1)
        .expect_err("no flight");
    assert!(err.to_string().contains("no flight named 'ghost'"), "{err}");
}

#[test]
fn reading_versions_needs_read_and_making_them_needs_write() {
    let env = Env::new();
    let svc = env.service();
    svc.create_flight(&actor(), "p", "job", spec(&["echo", "secret-plan"]))
        .expect("create");
    let outsider = user(&svc, "outsider", None);
    let reader = user(&svc, "reader", Some(Role::Read));
    // No role in the project: neither the list nor a version, and not whether it exists.
    for err in [
        svc.list_flight_versions(&outsider, "p", "job")
            .map(|_| ())
            .expect_err("no role"),
        svc.get_flight_version(&outsider, "p", "job", 1)
            .map(|_| ())
            .expect_err("no role"),
        svc.get_flight_version(&outsider, "p", "ghost", 1)
            .map(|_| ())
            .expect_err("no role"),
    ] {
        assert!(matches!(err.inner(), CoreError::Forbidden { .. }), "{err:?}");
        assert!(!err.to_string().contains("secret-plan"), "{err}");
    }
    // Another project's role is no role here.
    svc.grant(&actor(), "q", Role::Admin, "outsider").expect("grant q");
    assert!(svc.list_flight_versions(&outsider, "p", "job").is_err());
    // `read` reads them ...
    assert_eq!(svc.list_flight_versions(&reader, "p", "job").expect("list").len(), 1);
    assert_eq!(
        svc.get_flight_version(&reader, "p", "job", 1).expect("v1").command,
        ["echo", "secret-plan"]
    );
    // ... and cannot make one.
    let err = svc
        .update_flight(
            &reader,
            "p",
            "job",
            FlightUpdate {
                command: Some(vec!["sh".into(), "-c".into(), "curl evil".into()]),
                ..Default::default()
            },
        )
        .expect_err("read cannot update");
    assert!(matches!(err.inner(), CoreError::Forbidden { .. }), "{err:?}");
    let versions = svc.list_flight_versions(&actor(), "p", "job").expect("versions");
    assert_eq!(versions.len(), 1, "no version was made");
    // The refusals are audited.
    let denied = svc
        .list_audit(
            &actor(),
            &AuditFilter {
                object: Some("flight:job".into()),
                ..Default::default()
            },
        )
        .expect("audit")
        .into_iter()
        .filter(|e| e.result == "denied")
        .count();
    assert!(denied >= 3, "{denied}");
}

#[test]
fn a_run_is_locked_to_the_version_current_when_it_starts() {
    let env = Env::new();
    let svc = Arc::new(env.service());
    svc.create_flight(&actor(), "p", "job", spec(&["echo", "v1"]))
        .expect("create");
    // Updates race the starts: each run must run exactly the content of the version it names.
    let stop = Arc::new(AtomicBool::new(false));
    let updater = {
        let (svc, stop) = (svc.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 1;
            while !stop.load(Ordering::Relaxed) && n < 200 {
                let update = FlightUpdate {
                    command: Some(vec!["echo".into(), format!("v{}", n + 1)]),
                    ..Default::default()
                };
                match svc.update_flight(&actor(), "p", "job", update) {
                    Ok(saved) => {
                        n += 1;
                        assert_eq!(saved.info.version, n);
                    }
                    Err(e) if matches!(e.inner(), CoreError::Conflict(_)) => {}
                    Err(e) => panic!("{e}"),
                }
            }
        })
    };
    let mut versions_seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let started = svc
            .start_run(&actor(), "p", "job", RunRequest::default())
            .expect("start");
        let Started::Launch(launch) = started else {
            panic!("the run did not launch");
        };
        let v = launch.run.flight_version;
        versions_seen.insert(v);
        let content = svc.get_flight_version(&actor(), "p", "job", v).expect("its version");
        assert_eq!(launch.steps[0].command, content.command, "run of version {v}");
        assert_eq!(content.command[1], format!("v{v}"), "version {v}'s own content");
        let end = coffer_store::RunEnd {
            status: "succeeded".into(),
            exit_code: Some(0),
            finished_at: 1,
            message: None,
        };
        svc.finish_run(&launch, &end).expect("finish");
        let recorded = svc.get_run(&actor(), "p", "job", launch.run.run_number).expect("run");
        assert_eq!(recorded.flight_version, v, "the record names the version it ran");
    }
    stop.store(true, Ordering::Relaxed);
    updater.join().expect("updater");
    assert!(!versions_seen.is_empty());
}

/// A read-modify-write names the version it read: written over that version only, refused
/// (nothing changed) once another change came in between.
#[test]
fn an_update_for_a_version_is_refused_once_the_flight_moved_on() {
    let env = Env::new();
    let svc = env.service();
    svc.create_flight(&actor(), "p", "job", spec(&["echo", "one"]))
        .expect("create");
    let edit = |argv: &[&str], read: i64| {
        svc.update_flight(
            &actor(),
            "p",
            "job",
            FlightUpdate {
                command: Some(argv.iter().map(|s| s.to_string()).collect()),
                if_version: Some(read),
                ..Default::default()
            },
        )
    };
    assert_eq!(edit(&["echo", "two"], 1).expect("over version 1").info.version, 2);
    let stale = edit(&["echo", "three"], 1).expect_err("version 1 is gone");
    let text = stale.to_string();
    assert!(text.contains("is at version 2, not 1"), "{text}");
    let now = svc.get_flight(&actor(), "p", "job").expect("get");
    assert_eq!((now.version, now.command.join(" ")), (2, "echo two".to_string()));
}
