//! The first statement of a fresh `coffer sql` process (a fresh DuckDB instance: the engine
//! starts, the project's secrets are registered, the data sources the statement names are
//! attached), against DuckDB itself opening an in-memory database and answering one query
//! (`coffer-engine builtin-extensions`, the same libduckdb), side by side in one run:
//!
//! - 0, 10 and 100 data sources the statement does not name (lazy attach: the cost stays flat);
//! - 1,000 secrets of mixed types (s3, r2, gcs, azure, huggingface, http, postgres, mysql,
//!   openai, generic), all registered in DuckDB at start but the last three kinds (not DuckDB's).
//!
//! `COFFER_TEST_EXTENSION_DIR` must hold httpfs, azure, postgres_scanner and mysql_scanner
//! (scripts/test.sh installs them). Run: `cargo bench -p coffer --bench first_statement`
//! (add `--no-default-features` with `DUCKDB_LIB_DIR`/`LD_LIBRARY_PATH` for a prebuilt
//! libduckdb).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn coffer(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_coffer"));
    c.env("COFFER_HOME", home)
        .env("COFFER_OFFLINE", "1")
        .env(
            "COFFER_EXTENSION_DIR",
            std::env::var("COFFER_TEST_EXTENSION_DIR").expect("COFFER_TEST_EXTENSION_DIR with httpfs, azure, ..."),
        )
        .env_remove("COFFER_PROJECT")
        .env_remove("COFFER_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Runs a SQL script in one `coffer sql` process over `home`.
fn script(home: &Path, sql: &str) {
    let mut child = coffer(home)
        .args(["sql", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("coffer sql");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(sql.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let failed = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("\"ok\":false"))
        .take(3)
        .map(String::from)
        .collect::<Vec<_>>();
    assert!(failed.is_empty(), "{failed:?}");
}

/// A home with `sources` postgres sources (on a port nothing listens on: never attached unless
/// named) and `secrets` secrets of mixed types.
fn home(dir: &Path, name: &str, sources: usize, secrets: usize) -> PathBuf {
    let home = dir.join(name);
    let mut sql = String::from(
        "CREATE PERSISTENT SECRET pg_bench (TYPE postgres, HOST '127.0.0.1', PORT 1, USER 'u', PASSWORD 'p', DATABASE 'd');\n",
    );
    for i in 0..sources {
        sql.push_str(&format!("CREATE SOURCE src{i:03} (TYPE postgres, SECRET pg_bench);\n"));
    }
    for i in 0..secrets {
        let body = match i % 10 {
            0 => format!("TYPE s3, KEY_ID 'AKIA{i}', SECRET 'v{i}', SCOPE 's3://bucket-{i}/'"),
            1 => format!("TYPE r2, KEY_ID 'k{i}', SECRET 'v{i}', ACCOUNT_ID 'acct{i}', SCOPE 'r2://b-{i}/'"),
            2 => format!("TYPE gcs, KEY_ID 'k{i}', SECRET 'v{i}', SCOPE 'gcs://b-{i}/'"),
            3 => format!("TYPE azure, CONNECTION_STRING 'AccountName=a{i};AccountKey=dmFsdWU=', SCOPE 'az://c-{i}/'"),
            4 => format!("TYPE huggingface, TOKEN 'hf_{i}', SCOPE 'hf://datasets/d{i}/'"),
            5 => format!("TYPE http, BEARER_TOKEN 'b{i}', SCOPE 'https://api-{i}.example.com/'"),
            6 => format!("TYPE postgres, HOST 'db{i}.internal', USER 'u', PASSWORD 'p{i}'"),
            7 => format!("TYPE mysql, HOST 'db{i}.internal', USER 'u', PASSWORD 'p{i}'"),
            8 => format!("TYPE openai, API_KEY 'sk-{i}'"),
            _ => format!("TYPE generic, VALUE 'value-{i}'"),
        };
        sql.push_str(&format!("CREATE PERSISTENT SECRET sec{i:04} ({body});\n"));
    }
    script(&home, &sql);
    home
}

fn first_statement(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("0 sources", home(dir.path(), "s0", 0, 0)),
        ("10 sources", home(dir.path(), "s10", 10, 0)),
        ("100 sources", home(dir.path(), "s100", 100, 0)),
        ("1,000 secrets of mixed types", home(dir.path(), "m1000", 0, 1000)),
    ];
    let mut g = c.benchmark_group("first statement of a fresh instance");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("DuckDB itself: open in memory, one query (coffer-engine)", |b| {
        b.iter(|| {
            let out = Command::new(env!("CARGO_BIN_EXE_coffer-engine"))
                .arg("builtin-extensions")
                .output()
                .expect("engine");
            assert!(out.status.success());
        })
    });
    for (name, home) in &cases {
        g.bench_with_input(BenchmarkId::new("coffer sql -c 'SELECT 42'", name), home, |b, home| {
            b.iter(|| {
                let out = coffer(home)
                    .args(["sql", "-c", "SELECT 42"])
                    .output()
                    .expect("coffer sql");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            })
        });
    }
    g.finish();
}

criterion_group!(benches, first_statement);
criterion_main!(benches);
