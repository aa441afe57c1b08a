//! Which DuckDB extensions an engine loads: every installed one but the large on-demand ones
//! (`coffer_engine::ON_DEMAND`: aws, azure, postgres_scanner, mysql_scanner, sqlite_scanner,
//! ducklake, iceberg), which it loads when the project's secrets or data sources need them, or
//! when a statement asks for one (the engine then starts again with it). The real binary in a
//! temporary home, with the extension directory the suite installs (httpfs, aws, azure,
//! postgres_scanner, mysql_scanner, sqlite_scanner, ducklake).

mod common;

use common::{stdout, Harness};

/// The extensions loaded, each known by what it registers (`duckdb_extensions()` reads the
/// extension directory, which a sandboxed engine's DuckDB may not).
const LOADED: &str = "SELECT name FROM (VALUES \
    ('httpfs', EXISTS (FROM duckdb_secret_types() WHERE type = 's3')), \
    ('aws', EXISTS (FROM duckdb_functions() WHERE function_name = 'load_aws_credentials')), \
    ('azure', EXISTS (FROM duckdb_secret_types() WHERE type = 'azure')), \
    ('postgres_scanner', EXISTS (FROM duckdb_functions() WHERE function_name = 'postgres_query')), \
    ('mysql_scanner', EXISTS (FROM duckdb_functions() WHERE function_name = 'mysql_query')), \
    ('sqlite_scanner', EXISTS (FROM duckdb_functions() WHERE function_name = 'sqlite_scan')), \
    ('ducklake', EXISTS (FROM duckdb_functions() WHERE function_name = 'ducklake_snapshots')) \
    ) t(name, loaded) WHERE loaded ORDER BY 1";

/// The extensions loaded in a new engine of the default project (`--safe`: as a remote
/// caller's, sandboxed, without DuckDB's autoloading).
fn loaded(h: &Harness, safe: bool) -> Vec<String> {
    let mut args = vec!["sql", "--format", "csv", "-c", LOADED];
    if safe {
        args.insert(1, "--safe");
    }
    stdout(&h.run(&args).success())
        .lines()
        .skip(1)
        .map(String::from)
        .collect()
}

fn has(list: &[String], name: &str) -> bool {
    list.iter().any(|e| e == name)
}

#[test]
fn an_engine_loads_the_large_extensions_its_project_needs() {
    let h = Harness::new();
    // Nothing in the project: httpfs (and the small ones), none of the large ones.
    for safe in [false, true] {
        let none = loaded(&h, safe);
        assert!(has(&none, "httpfs"), "{none:?}");
        for ext in coffer_engine::ON_DEMAND {
            assert!(!has(&none, ext), "{ext} loaded with nothing needing it: {none:?}");
        }
    }

    // A postgres secret: postgres_scanner, in every engine of the project.
    h.run(&[
        "secret",
        "create",
        "pg",
        "--type",
        "postgres",
        "--set",
        "host=db.internal",
    ])
    .success();
    for safe in [false, true] {
        let with_pg = loaded(&h, safe);
        assert!(has(&with_pg, "postgres_scanner"), "{with_pg:?}");
        assert!(!has(&with_pg, "azure") && !has(&with_pg, "ducklake"), "{with_pg:?}");
    }

    // A ducklake source (never attached here): ducklake too.
    h.run(&[
        "source",
        "create",
        "lake",
        "--type",
        "ducklake",
        "--secret",
        "pg",
        "--option",
        "path=dbname=lake",
        "--option",
        "data_path=s3://bucket/lake/",
    ])
    .success();
    let with_lake = loaded(&h, true);
    assert!(
        has(&with_lake, "ducklake") && has(&with_lake, "postgres_scanner"),
        "{with_lake:?}"
    );

    // A statement that needs one nothing in the project needs: the sandboxed engine (no
    // autoloading) is started again with it, the statement runs again, and the engine keeps it.
    let script = "SELECT * FROM mysql_query('nothing', 'SELECT 1');\n".to_string() + LOADED + ";\n";
    let a = h.run_stdin(&["sql", "--safe", "--format", "jsonl"], &script);
    let out = stdout(&a);
    let answers: Vec<&str> = out.lines().collect();
    assert_eq!(answers.len(), 2, "{out}");
    assert!(
        !answers[0].contains("mysql_scanner extension") && !answers[0].contains("INSTALL mysql"),
        "the engine should have been started again with mysql_scanner: {}",
        answers[0]
    );
    assert!(answers[1].contains("\"mysql_scanner\""), "{}", answers[1]);
}
