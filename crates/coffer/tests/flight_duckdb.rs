//! End to end: the "zero-code DuckDB" of flights. A flight's child gets the project's secrets
//! as `CREATE OR REPLACE TEMPORARY SECRET` statements in `COFFER_DUCKDB_SECRETS` (a JSON
//! array of strings) and coffer's extension directory in `COFFER_DUCKDB_EXTENSION_DIR`; a
//! Python program (through `assets/sitecustomize.py`) and `coffer-engine flight-sql` then read S3
//! from a real server that checks SigV4 signatures (s3s-fs on 127.0.0.1).
//!
//! Needs `COFFER_TEST_S3S_FS` (the s3s-fs binary), `COFFER_TEST_EXTENSION_DIR` (httpfs
//! installed) and `COFFER_TEST_PYTHON` (a python3 with duckdb 1.5.5).

mod common;

use common::s3::{env_path, S3Server};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const KEY_ID: &str = "AKIAFLIGHTTEST000001";
const SECRET: &str = "flight-secret-value-9f3c2a7e51";
const WRONG: &str = "wrong-flight-secret-4d1b8c0a22";
const ROWS: usize = 42;

/// A work directory (S3 root, scripts, the children's HOME, TMPDIR and cwd) and a server
/// holding `s3://bucket/x.parquet` with [`ROWS`] rows.
struct Flight {
    work: tempfile::TempDir,
    server: S3Server,
}

impl Flight {
    fn new() -> Self {
        let work = tempfile::tempdir().expect("tempdir");
        for d in ["s3/bucket", "home", "tmp", "pylib"] {
            std::fs::create_dir_all(work.path().join(d)).expect("dir");
        }
        // The hook as the runner will install it: a copy in a directory of its own.
        let asset = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/sitecustomize.py");
        std::fs::copy(asset, work.path().join("pylib/sitecustomize.py")).expect("copy sitecustomize.py");
        let flight = Flight {
            server: S3Server::start(&work.path().join("s3"), KEY_ID, SECRET),
            work,
        };
        // The object, written by DuckDB (no secrets in this run).
        let parquet = flight.path("s3/bucket/x.parquet");
        let copy = format!(
            "COPY (SELECT range AS id, 'row' || range AS name FROM range({ROWS})) TO '{}' (FORMAT parquet)",
            parquet.display()
        );
        let out = flight.flight_sql(&copy, &[]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(parquet.is_file());
        flight
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.work.path().join(rel)
    }

    /// The statement the data plane would render for an S3 secret on `s3://bucket`.
    fn statement(&self, secret: &str) -> String {
        format!(
            "CREATE OR REPLACE TEMPORARY SECRET \"bucket_s3\" (TYPE s3, PROVIDER config, SCOPE ['s3://bucket'], KEY_ID '{KEY_ID}', SECRET '{secret}', REGION 'us-east-1', ENDPOINT '127.0.0.1:{}', URL_STYLE 'path', USE_SSL false)",
            self.server.port
        )
    }

    /// A command with the flight protocol's environment, its HOME, TMPDIR and cwd in the work
    /// directory.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>, statements: &[String]) -> Command {
        let mut c = Command::new(program);
        c.current_dir(self.work.path())
            .env("HOME", self.path("home"))
            .env("TMPDIR", self.path("tmp"))
            .env("PYTHONPATH", self.path("pylib"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env(
                "COFFER_DUCKDB_EXTENSION_DIR",
                env_path("COFFER_TEST_EXTENSION_DIR", "a directory with httpfs installed"),
            )
            .env(
                "COFFER_DUCKDB_SECRETS",
                serde_json::to_string(statements).expect("json"),
            )
            .stdin(Stdio::null());
        c
    }

    fn python(&self, script: &str, statements: &[String]) -> Output {
        let path = self.path("program.py");
        std::fs::write(&path, script).expect("write program");
        let python = env_path("COFFER_TEST_PYTHON", "a python3 with duckdb 1.5.5 installed");
        self.command(python, statements).arg(&path).output().expect("python")
    }

    fn flight_sql(&self, script: &str, statements: &[String]) -> Output {
        let path = self.path("flight.sql");
        std::fs::write(&path, script).expect("write script");
        self.command(env!("CARGO_BIN_EXE_coffer-engine"), statements)
            .args(["flight-sql"])
            .arg(&path)
            .output()
            .expect("coffer-engine flight-sql")
    }

    /// No file under the work directory holds the secret values.
    fn assert_no_file_holds_secrets(&self) {
        fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
                let p = entry.path();
                if p.is_dir() {
                    walk(&p, files);
                } else if p.is_file() {
                    files.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(self.work.path(), &mut files);
        for f in &files {
            let bytes = std::fs::read(f).expect("read");
            for value in [SECRET, WRONG] {
                assert!(
                    !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
                    "{} holds a secret value",
                    f.display()
                );
            }
        }
        assert!(files.len() >= 3, "{files:?}");
    }
}

/// The cells of the boxes a flight printed, trimmed.
fn cells(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with('│'))
        .flat_map(|l| l.split('│').map(|c| c.trim().to_string()))
        .filter(|c| !c.is_empty())
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Neither output of a process shows a secret value.
fn assert_no_secrets(out: &Output) {
    for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let s = text(bytes);
        for value in [SECRET, WRONG] {
            assert!(!s.contains(value), "{what} shows a secret value: {s}");
        }
    }
}

/// A secret statement DuckDB refuses (its values must not be echoed either).
fn broken() -> String {
    format!("CREATE OR REPLACE TEMPORARY SECRET \"broken\" (TYPE s3, KEY_ID 'k', SECRET '{SECRET}' BOGUS 1)")
}

const PROGRAM: &str = r#"
import os, subprocess, sys
print("duckdb" in sys.modules, "COFFER_DUCKDB_SECRETS" in os.environ, "COFFER_DUCKDB_EXTENSION_DIR" in os.environ)
import duckdb
con = duckdb.connect()
print(con.sql("select count(*) from read_parquet('s3://bucket/x.parquet')").fetchone()[0])
print(duckdb.sql("select count(*) from read_parquet('s3://bucket/x.parquet')").fetchone()[0])
print(len(duckdb.read_parquet("s3://bucket/x.parquet").fetchall()))
print(con.cursor().execute("select name from which_secret('s3://bucket/x.parquet', 's3')").fetchone()[0])
child = subprocess.run(["env"], capture_output=True, text=True).stdout
print("COFFER_DUCKDB" in child)
"#;

#[test]
fn a_python_program_reads_s3_through_the_sitecustomize_hook() {
    let flight = Flight::new();
    let statements = [broken(), flight.statement(SECRET)];
    let out = flight.python(PROGRAM, &statements);
    assert_no_secrets(&out);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        format!("False False False\n{ROWS}\n{ROWS}\n{ROWS}\nbucket_s3\nFalse\n"),
        "{stderr}"
    );
    // The refused statement is named with DuckDB's reason, without its text or values, and
    // the program went on.
    let line = stderr.trim();
    assert!(
        line.starts_with("coffer: DuckDB refused the secret 'broken' (ParserException: Parser Error: syntax error"),
        "{line}"
    );
    assert!(line.ends_with("; continuing without it"), "{line}");
    assert!(!line.contains(SECRET) && !line.contains('\n'), "{line}");

    // A program that never imports duckdb does not get it.
    let out = flight.python(
        "import os, sys\nprint('duckdb' in sys.modules, 'COFFER_DUCKDB_SECRETS' in os.environ)\n",
        &statements,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "False False\n");
    assert_eq!(text(&out.stderr), "");
    flight.assert_no_file_holds_secrets();
}

#[test]
fn a_wrong_secret_is_refused_by_the_server() {
    let flight = Flight::new();
    let wrong = [flight.statement(WRONG)];
    let out = flight.python(PROGRAM, &wrong);
    assert_no_secrets(&out);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("403"), "{stderr}");

    let out = flight.flight_sql("SELECT count(*) FROM read_parquet('s3://bucket/x.parquet');", &wrong);
    assert_no_secrets(&out);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("statement 1 (line 1)"), "{stderr}");
    assert!(stderr.contains("403"), "{stderr}");
    flight.assert_no_file_holds_secrets();
}

#[test]
fn flight_sql_runs_a_script_with_the_secrets() {
    let flight = Flight::new();
    let statements = [flight.statement(SECRET), broken()];
    let out = flight.flight_sql(
        "-- a flight\nCREATE TABLE t AS SELECT * FROM read_parquet('s3://bucket/x.parquet');\n\
         SELECT count(*) AS n FROM t;\n\
         SELECT name FROM which_secret('s3://bucket/x.parquet', 's3');\n\
         SELECT count(*) AS n FROM duckdb_secrets() WHERE secret_string LIKE '%redacted%';\n",
        &statements,
    );
    assert_no_secrets(&out);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // CREATE TABLE AS prints its count too.
    let values = cells(&stdout);
    assert_eq!(
        values,
        [
            "Count",
            "int64",
            &ROWS.to_string(),
            "n",
            "int64",
            &ROWS.to_string(),
            "name",
            "varchar",
            "bucket_s3",
            "n",
            "int64",
            "1"
        ],
        "{stdout}"
    );
    assert!(
        stderr.contains("warning: DuckDB refused the secret 'broken'"),
        "{stderr}"
    );
    // The first failing statement ends the run with exit code 1 and its number.
    let out = flight.flight_sql(
        "SELECT 'before' AS step;\nSELECT count(*) FROM read_parquet('s3://bucket/missing.parquet');\nSELECT 'after' AS step;\n",
        &statements,
    );
    assert_no_secrets(&out);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_eq!(cells(&stdout), ["step", "varchar", "before"], "{stdout}");
    assert!(stderr.contains("error: statement 2 (line 2) of "), "{stderr}");
    assert!(stderr.contains("missing.parquet"), "{stderr}");
    flight.assert_no_file_holds_secrets();
}
