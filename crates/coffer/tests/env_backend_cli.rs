//! Kestra's environment secrets backend through the CLI: `SECRET_<NAME>` variables (base64)
//! as read-only secrets of storage `env`.

mod common;

use common::{stderr, stdout, Harness};

/// `printf %s value | base64`.
const VALUE_B64: &str = "dmFsdWU=";

fn pg() -> [(&'static str, &'static str); 1] {
    [("SECRET_POSTGRES_PASSWORD", VALUE_B64)]
}

#[test]
fn env_secrets_are_listed_shown_in_sql_and_injected_in_runs() {
    let h = Harness::new();
    let a = h.run_env(&["secret", "list"], &pg()).success();
    let out = stdout(&a);
    let line = out
        .lines()
        .find(|l| l.contains("POSTGRES_PASSWORD"))
        .unwrap_or_else(|| panic!("not listed: {out}"));
    assert!(line.contains("env"), "{out}");
    assert!(line.contains("generic"), "{out}");

    let list = h.run_env(&["secret", "list", "--format", "json"], &pg()).success();
    let list: serde_json::Value = serde_json::from_str(&stdout(&list)).expect("json");
    let entry = list
        .as_array()
        .expect("array")
        .iter()
        .find(|s| s["name"] == "POSTGRES_PASSWORD")
        .expect("listed");
    assert_eq!(entry["storage"], "env");
    assert_eq!(entry["persistent"], false);

    let a = h.run_env(&["sql", "-c", "FROM duckdb_secrets()"], &pg()).success();
    let out = stdout(&a);
    assert!(out.contains("POSTGRES_PASSWORD"), "{out}");
    assert!(out.contains("env"), "{out}");
    assert!(out.contains("redacted"), "{out}");
    let a = h
        .run_env(
            &[
                "sql",
                "--format",
                "csv",
                "-c",
                "SELECT name, storage, persistent FROM duckdb_secrets()",
            ],
            &pg(),
        )
        .success();
    assert_eq!(stdout(&a), "name,storage,persistent\nPOSTGRES_PASSWORD,env,false\n");

    let a = h
        .run_env(&["run", "--", "sh", "-c", "echo $POSTGRES_PASSWORD"], &pg())
        .success();
    assert_eq!(stdout(&a), "****\n");

    // Without the variable it is gone: nothing was stored.
    let a = h.run(&["secret", "list", "--format", "json"]).success();
    assert!(!stdout(&a).contains("POSTGRES_PASSWORD"), "{}", stdout(&a));
    let db = std::fs::read(h.db_path()).expect("db");
    assert!(
        !db.windows(8).any(|w| w == VALUE_B64.as_bytes()),
        "base64 value in the database"
    );
}

#[test]
fn a_bad_variable_stops_the_command_with_exit_2_naming_it() {
    let h = Harness::new();
    let a = h
        .run_env(
            &["secret", "list"],
            &[
                ("SECRET_POSTGRES_PASSWORD", VALUE_B64),
                ("SECRET_BROKEN", "hunter2-not-base64!"),
                ("SECRET_ALSO_BROKEN", "c2VjcmV0=tail-hunter3"),
            ],
        )
        .code(2);
    let err = stderr(&a);
    assert!(err.contains("SECRET_BROKEN"), "{err}");
    assert!(err.contains("SECRET_ALSO_BROKEN"), "{err}");
    assert!(!err.contains("SECRET_POSTGRES_PASSWORD"), "{err}");
    for value in ["hunter2", "hunter3", "c2VjcmV0"] {
        assert!(!err.contains(value), "{value} shown: {err}");
        assert!(!stdout(&a).contains(value), "{value} shown: {}", stdout(&a));
    }
    // Runs do not start either.
    h.run_env(&["run", "--", "true"], &[("SECRET_BROKEN", "%%%")]).code(2);
}

#[test]
fn a_variable_that_is_not_utf8_is_named_too() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let h = Harness::new();
    let mut cmd = h.command();
    cmd.args(["secret", "list"])
        .env("SECRET_RAW", OsStr::from_bytes(b"\xffhunter4"))
        .env(OsStr::from_bytes(b"SECRET_N\xfeME"), "eA==");
    let a = h.exec(cmd, vec!["secret".into(), "list".into()], None, &[]).code(2);
    let err = stderr(&a);
    assert!(err.contains("SECRET_RAW"), "{err}");
    assert!(err.contains("SECRET_N"), "{err}");
    assert!(!err.contains("hunter4"), "{err}");
}

#[test]
fn env_secrets_cannot_be_dropped_or_created() {
    let h = Harness::new();
    let a = h.run_env(&["secret", "drop", "POSTGRES_PASSWORD"], &pg()).code(2);
    let err = stderr(&a);
    assert!(err.contains("SECRET_POSTGRES_PASSWORD"), "{err}");
    assert!(err.contains("read-only"), "{err}");

    let a = h
        .run_env(&["sql", "-c", "DROP SECRET POSTGRES_PASSWORD"], &pg())
        .code(2);
    assert!(stderr(&a).contains("SECRET_POSTGRES_PASSWORD"), "{}", stderr(&a));

    let a = h
        .run_env(
            &[
                "sql",
                "-c",
                "CREATE SECRET POSTGRES_PASSWORD IN env (TYPE generic, VALUE 'x')",
            ],
            &pg(),
        )
        .failure();
    assert!(stderr(&a).contains("read-only"), "{}", stderr(&a));

    // Still there.
    let a = h.run_env(&["secret", "list"], &pg()).success();
    assert!(stdout(&a).contains("POSTGRES_PASSWORD"));
}

#[test]
fn coffer_run_does_not_hand_the_encoded_variables_to_the_command() {
    let h = common::Harness::new();
    let a = h
        .run_env(&["run", "--", "env"], &[("SECRET_KESTRA_ONLY", "c2VjcmV0LXZhbHVl")])
        .success();
    let out = common::stdout(&a);
    assert!(
        !out.contains("SECRET_KESTRA_ONLY") && !out.contains("c2VjcmV0LXZhbHVl"),
        "{out}"
    );
    assert!(out.contains("KESTRA_ONLY=****"), "{out}");
}
