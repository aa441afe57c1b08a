//! The CLI on a PostgreSQL store (`--database` / `COFFER_DATABASE_URL`): the same commands
//! work, values decrypt, nothing in the database is plaintext, and bad URLs, unreachable
//! servers and a schema newer than the binary fail clearly without showing the password.
//! Needs COFFER_TEST_POSTGRES_URL (scripts/test.sh starts a server); skipped without it.

mod common;

use coffer_store_postgres_testing as testing;
use common::{stderr, stdout, Harness};

fn database() -> Option<String> {
    if testing::server_url().is_none() {
        eprintln!("{} is not set: PostgreSQL CLI tests skipped", testing::ENV);
        return None;
    }
    Some(testing::fresh_database())
}

/// The value `coffer run` hands `NAME_SECRET`, read back through a file (the run's output is
/// masked).
fn value_of(h: &Harness, env: &[(&str, &str)], secret: &str, var: &str) -> String {
    let out = h.root().join("value.txt");
    h.run_env(
        &[
            "run",
            "--secret",
            secret,
            "--",
            "sh",
            "-c",
            &format!("printf '%s' \"${var}\" > '{}'", out.display()),
        ],
        env,
    )
    .success();
    let v = std::fs::read_to_string(&out).expect("the run wrote the value");
    std::fs::remove_file(&out).expect("remove");
    v
}

#[test]
fn the_cli_works_on_a_postgres_store() {
    let Some(url) = database() else { return };
    let h = Harness::new();
    let env = [("COFFER_DATABASE_URL", url.as_str())];
    let a = h
        .run_full(
            &[
                "secret",
                "create",
                "pg_s3",
                "--type",
                "s3",
                "--set",
                "key_id=AKIAPG",
                "--set",
                "region=eu-west-1",
                "--set",
                "secret=-",
                "--scope",
                "s3://bucket-pg",
            ],
            Some(b"PG-SECRET-value-1"),
            &env,
        )
        .success();
    let created = stderr(&a);
    assert!(created.contains("created a new store"), "{created}");
    assert!(
        !created.contains("coffer-test"),
        "the password is never shown: {created}"
    );
    assert!(created.contains(":***@"), "{created}");
    h.run_full(
        &[
            "secret",
            "create",
            "pg_s3",
            "--type",
            "s3",
            "--set",
            "key_id=AKIAPG",
            "--set",
            "region=eu-west-1",
            "--set",
            "secret=-",
            "--scope",
            "s3://bucket-pg",
            "--or-replace",
        ],
        Some(b"PG-SECRET-value-2"),
        &env,
    )
    .success();
    let list = stdout(&h.run_env(&["secret", "list"], &env).success());
    assert!(list.contains("pg_s3") && list.contains("s3://bucket-pg"), "{list}");
    let which = stdout(
        &h.run_env(&["which", "s3://bucket-pg/x.parquet", "--type", "s3"], &env)
            .success(),
    );
    assert!(which.contains("pg_s3"), "{which}");
    assert_eq!(value_of(&h, &env, "pg_s3", "PG_S3_SECRET"), "PG-SECRET-value-2");
    // The SQLite file of the home is not used at all.
    assert!(!h.db_path().exists(), "no coffer.db beside a PostgreSQL store");
    // Nothing in the database is the plaintext, in text or as bytes (bytea shows as hex).
    let dump = testing::dump_text(&url);
    assert!(dump.contains("pg_s3"), "the dump holds the rows");
    for v in ["PG-SECRET-value-1", "PG-SECRET-value-2"] {
        assert!(!dump.contains(v), "plaintext {v} in the database");
        let hex: String = v.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(!dump.contains(&hex), "plaintext {v} (hex) in the database");
    }
    // Another home with the same key file reads the same store: the key travels separately.
    let other = Harness::new();
    std::fs::create_dir_all(other.home()).expect("home");
    std::fs::copy(h.key_path(), other.key_path()).expect("copy the key file");
    assert_eq!(value_of(&other, &env, "pg_s3", "PG_S3_SECRET"), "PG-SECRET-value-2");
    // Without it, the store is there but its secrets do not open.
    let stranger = Harness::new();
    stranger
        .run_env(&["run", "--secret", "pg_s3", "--", "true"], &env)
        .failure();
}

#[test]
fn bad_database_urls_fail_clearly() {
    let h = Harness::new();
    let a = h
        .run_env(
            &["secret", "list"],
            &[("COFFER_DATABASE_URL", "mysql://u:hunter2@db/x")],
        )
        .code(2);
    let err = stderr(&a);
    assert!(
        err.contains("invalid database URL") && err.contains("postgres://"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
    let a = h
        .run(&["--database", "postgres://u:hunter2@127.0.0.1:1/x", "secret", "list"])
        .code(1);
    let err = stderr(&a);
    assert!(
        err.contains("cannot reach PostgreSQL") && err.contains("refused"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn a_newer_schema_is_refused() {
    let Some(url) = database() else { return };
    let h = Harness::new();
    h.run(&["--database", &url, "secret", "list"]).success();
    testing::execute(&url, "UPDATE coffer_schema SET version = version + 1");
    let a = h.run(&["--database", &url, "secret", "list"]).code(1);
    let err = stderr(&a);
    assert!(
        err.contains("but this coffer knows up to") && err.contains("upgrade coffer"),
        "{err}"
    );
}
