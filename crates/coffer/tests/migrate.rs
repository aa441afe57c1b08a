//! `coffer migrate`: a whole store copied into another database, sealed as it was, checked
//! (counts and decryption), usable from the copy; a target that is not empty, a wrong home and
//! bad arguments change nothing.

mod common;

use common::{stderr, stdout, Harness};
use std::path::{Path, PathBuf};

const V1: &str = "MIGRATE-api-key-version-1";
const V2: &str = "MIGRATE-api-key-version-2";
const S3: &str = "MIGRATE-s3-secret-value";

/// A store with a replaced secret (two versions), a second project holding an s3 secret, and a
/// flight that ran once.
fn filled() -> Harness {
    let h = Harness::new();
    h.run_stdin(
        &["secret", "create", "api", "--type", "generic", "--set", "value=-"],
        V1,
    )
    .success();
    h.run_stdin(
        &[
            "secret",
            "create",
            "api",
            "--type",
            "generic",
            "--set",
            "value=-",
            "--or-replace",
        ],
        V2,
    )
    .success();
    h.run(&["project", "create", "analytics"]).success();
    h.run_stdin(
        &[
            "--project",
            "analytics",
            "secret",
            "create",
            "lake",
            "--type",
            "s3",
            "--set",
            "key_id=AKIAEXAMPLE",
            "--set",
            "region=eu-west-1",
            "--set",
            "secret=-",
            "--scope",
            "s3://lake",
        ],
        S3,
    )
    .success();
    h.run(&["flight", "create", "job", "--", "echo", "hello from the flight"])
        .success();
    h.run(&["flight", "run", "job", "--wait"]).success();
    h
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

/// What a store holds, as the CLI shows it (no value): secrets of both projects, the
/// history of `api`, flights, projects and the audit log.
fn listing(h: &Harness, database: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for args in [
        &["secret", "list", "--format", "json"][..],
        &["--project", "analytics", "secret", "list", "--format", "json"],
        &["secret", "history", "api", "--format", "json"],
        &["flight", "list", "--format", "json"],
        &["project", "list", "--format", "json"],
        &["audit", "--all-projects", "--format", "json"],
    ] {
        let mut all = vec!["--database", database];
        all.extend_from_slice(args);
        out.push(h.json(&all));
    }
    out
}

/// Every byte of a SQLite database (main file, WAL, shared memory).
fn db_bytes(path: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(bytes) = std::fs::read(PathBuf::from(p)) {
            all.extend(bytes);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// `coffer env export NAME` on `database`: the secret's variables, opened.
fn exported(h: &Harness, database: &str, project: &str, name: &str) -> String {
    stdout(
        &h.run(&["--database", database, "--project", project, "env", "export", name])
            .success(),
    )
}

#[test]
fn migrate_copies_everything_sealed_and_the_copy_works() {
    let h = filled();
    let source = sqlite_url(&h.db_path());
    let before = listing(&h, &source);
    let copy = h.root().join("other.db");
    let to = sqlite_url(&copy);

    let a = h.run(&["migrate", "--to", &to]).success();
    let out = stdout(&a);
    assert!(
        out.contains("copied 2 secrets (3 stored versions), 2 projects"),
        "{out}"
    );
    for line in [
        "secrets          2       2     ok",
        "secret_versions  1       1     ok",
        "flights          1       1     ok",
        "flight_versions  1       1     ok",
        "flight_runs      1       1     ok",
    ] {
        assert!(out.contains(line), "missing '{line}' in:\n{out}");
    }
    assert!(
        out.contains("every stored version decrypts with this home's keyring (3 checked; key local:1)"),
        "{out}"
    );
    assert!(out.contains("Copy master.key"), "{out}");
    assert_eq!(h.mode(&copy), 0o600);

    // The copy holds what the source holds, and its values open with this home's key.
    assert_eq!(listing(&h, &to)[..5], before[..5]);
    assert_eq!(exported(&h, &to, "default", "api"), format!("api={V2}\n"));
    assert!(exported(&h, &to, "analytics", "lake").contains(&format!("LAKE_SECRET={S3}")));
    let log = stdout(&h.run(&["--database", &to, "flight", "logs", "job", "1"]).success());
    assert!(log.contains("hello from the flight"), "{log}");
    // The kept version opens too: roll back to it and read it.
    h.run(&["--database", &to, "secret", "rollback", "api", "--version", "1"])
        .success();
    assert_eq!(exported(&h, &to, "default", "api"), format!("api={V1}\n"));
    // Writes to the copy go on (new ids after the copied ones) and leave the source alone.
    h.run_stdin(
        &[
            "--database",
            &to,
            "secret",
            "create",
            "fresh",
            "--type",
            "generic",
            "--set",
            "value=-",
        ],
        "MIGRATE-fresh",
    )
    .success();
    assert_eq!(listing(&h, &source)[..5], before[..5]);
    assert_eq!(exported(&h, &source, "default", "api"), format!("api={V2}\n"));

    // Sealed: no value is in the copy's bytes.
    let bytes = db_bytes(&copy);
    assert!(bytes.len() > 4096, "the copy looks empty");
    for v in [V1, V2, S3, "MIGRATE-fresh"] {
        assert!(!contains(&bytes, v), "plaintext {v} in the copy");
    }

    // A target that is not empty is refused and left as it was.
    let copied = listing(&h, &to);
    let a = h.run(&["migrate", "--to", &to]).code(1);
    let err = stderr(&a);
    assert!(
        err.contains("is not empty") && err.contains("nothing was written"),
        "{err}"
    );
    assert_eq!(listing(&h, &to), copied);

    // And back: the copy migrates into a third database, from --from.
    let third = h.root().join("third.db");
    h.run(&["migrate", "--from", &to, "--to", &sqlite_url(&third)])
        .success();
    assert_eq!(listing(&h, &sqlite_url(&third)), listing(&h, &to));
}

#[test]
fn a_home_without_the_key_writes_nothing() {
    let h = filled();
    let other = Harness::new();
    other.run(&["init"]).success();
    let target = other.root().join("copy.db");
    let a = other
        .run(&[
            "migrate",
            "--from",
            &sqlite_url(&h.db_path()),
            "--to",
            &sqlite_url(&target),
        ])
        .code(1);
    let err = stderr(&a);
    assert!(err.contains("nothing was written"), "{err}");
    assert!(
        err.contains("analytics/lake version 1"),
        "names the version it could not open: {err}"
    );
    assert!(!target.exists(), "a copy was written");
    for v in [V1, V2, S3] {
        assert!(!err.contains(v) && !stdout(&a).contains(v), "{v} leaked: {err}");
    }

    // A home with no key file at all says so, and creates none.
    let bare = Harness::new();
    let a = bare
        .run(&[
            "migrate",
            "--from",
            &sqlite_url(&h.db_path()),
            "--to",
            &sqlite_url(&target),
        ])
        .code(2);
    assert!(stderr(&a).contains("has no key file"), "{}", stderr(&a));
    assert!(!bare.key_path().exists() && !target.exists());
}

#[test]
fn bad_arguments_change_nothing() {
    let h = filled();
    let source = sqlite_url(&h.db_path());
    let before = listing(&h, &source);
    let a = h.run(&["migrate", "--to", &source]).code(2);
    assert!(stderr(&a).contains("the same database"), "{}", stderr(&a));
    let nowhere = h.root().join("nowhere.db");
    let a = h
        .run(&["migrate", "--from", &sqlite_url(&nowhere), "--to", "sqlite:x.db"])
        .code(2);
    assert!(stderr(&a).contains("there is no store at"), "{}", stderr(&a));
    assert!(!nowhere.exists() && !h.root().join("x.db").exists());
    h.run(&["migrate", "--to", "mysql://u:hunter2@h/db"]).code(2);
    h.run(&["migrate"]).code(2);
    h.run(&["--server", "http://127.0.0.1:1", "migrate", "--to", "sqlite:x.db"])
        .code(2);
    // A PostgreSQL target that cannot be reached: the password is never printed.
    h.run(&["migrate", "--to", "postgres://coffer:hunter2@127.0.0.1:1/coffer"])
        .code(1);
    for s in h.seen().iter() {
        assert!(
            !s.stdout_text().contains("hunter2") && !s.stderr_text().contains("hunter2"),
            "the password was printed by `coffer {}`",
            s.args.join(" ")
        );
    }
    assert_eq!(listing(&h, &source), before);
}

/// SQLite → PostgreSQL → SQLite, when a test server is configured (scripts/test.sh sets
/// COFFER_TEST_POSTGRES_URL).
#[test]
fn migrate_round_trips_through_postgres() {
    if coffer_store_postgres_testing::server_url().is_none() {
        eprintln!(
            "skipped: set {} to a PostgreSQL server (scripts/postgres.sh start DIR) to run it",
            coffer_store_postgres_testing::ENV
        );
        return;
    }
    let h = filled();
    let source = sqlite_url(&h.db_path());
    let before = listing(&h, &source);
    let pg = coffer_store_postgres_testing::fresh_database();
    // The target in the environment: its password stays off the command line.
    let a = h.run_env(&["migrate"], &[("COFFER_MIGRATE_TO", pg.as_str())]).success();
    let out = stdout(&a);
    assert!(out.contains("every stored version decrypts"), "{out}");
    let password = pg
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(auth, _)| auth.split_once(':'))
        .map(|(_, pw)| pw.to_string())
        .filter(|pw| !pw.is_empty());
    if let Some(pw) = &password {
        assert!(
            !out.contains(pw.as_str()) && !stderr(&a).contains(pw.as_str()),
            "password printed"
        );
    }
    assert_eq!(listing(&h, &pg)[..5], before[..5]);
    assert_eq!(exported(&h, &pg, "default", "api"), format!("api={V2}\n"));
    assert!(exported(&h, &pg, "analytics", "lake").contains(&format!("LAKE_SECRET={S3}")));
    // Not empty any more: refused.
    let a = h.run(&["migrate", "--to", &pg]).code(1);
    assert!(stderr(&a).contains("is not empty"), "{}", stderr(&a));

    // And back into SQLite: the same store again.
    let back = h.root().join("back.db");
    h.run(&["migrate", "--from", &pg, "--to", &sqlite_url(&back)]).success();
    let back = sqlite_url(&back);
    assert_eq!(listing(&h, &back)[..5], before[..5]);
    assert_eq!(listing(&h, &back), listing(&h, &pg));
    h.run(&["--database", &back, "secret", "rollback", "api", "--version", "1"])
        .success();
    assert_eq!(exported(&h, &back, "default", "api"), format!("api={V1}\n"));
}
