//! End to end: `coffer sql` reads S3 through coffer's scoped secrets from real S3 servers
//! that check SigV4 signatures (s3s-fs, one key pair per server), on 127.0.0.1.
//!
//! Needs `COFFER_TEST_S3S_FS` (the s3s-fs binary) and `COFFER_TEST_EXTENSION_DIR` (httpfs
//! installed); scripts/test.sh provides both.

mod common;

use common::s3::{env_path, S3Server};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

struct Coffer {
    dir: tempfile::TempDir,
}

impl Coffer {
    fn new() -> Self {
        Coffer {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn command(&self) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("coffer"));
        c.env("COFFER_HOME", self.dir.path().join("home"))
            .env(
                "COFFER_EXTENSION_DIR",
                env_path("COFFER_TEST_EXTENSION_DIR", "a directory with httpfs installed"),
            )
            .env_remove("COFFER_PROJECT");
        c
    }

    /// Runs a script through `coffer sql --format jsonl` in one process; one JSON value per
    /// statement.
    fn sql(&self, script: &str) -> Vec<Value> {
        let mut child = self
            .command()
            .args(["sql", "--format", "jsonl"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("coffer sql");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        let stdout = String::from_utf8(out.stdout).expect("utf8");
        stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    fn create_s3(&self, name: &str, scope: &str, key: &str, secret: &str, port: u16) {
        let mut child = self
            .command()
            .args([
                "secret",
                "create",
                name,
                "--type",
                "s3",
                "--scope",
                scope,
                "--or-replace",
            ])
            .args([
                "--set",
                &format!("key_id={key}"),
                "--set",
                "secret=-",
                "--set",
                "region=us-east-1",
            ])
            .args([
                "--set",
                &format!("endpoint=127.0.0.1:{port}"),
                "--set",
                "url_style=path",
                "--set",
                "use_ssl=false",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("create");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(secret.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

fn bucket(root: &Path, name: &str, rows: usize) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("bucket dir");
    let mut csv = String::from("id,name\n");
    for i in 0..rows {
        csv.push_str(&format!("{i},row{i}\n"));
    }
    std::fs::write(dir.join("data.csv"), csv).expect("data.csv");
}

fn count(v: &Value) -> i64 {
    assert_eq!(v["ok"], Value::Bool(true), "{v}");
    v["rows"][0][0].as_i64().unwrap_or_else(|| panic!("no count in {v}"))
}

fn error(v: &Value) -> String {
    assert_eq!(v["ok"], Value::Bool(false), "expected an error: {v}");
    v["error"].as_str().unwrap_or_default().to_string()
}

#[test]
fn reads_two_buckets_through_their_scoped_secrets() {
    let coffer = Coffer::new();
    let (root_a, root_b) = (coffer.dir.path().join("s3-a"), coffer.dir.path().join("s3-b"));
    bucket(&root_a, "bucket-a", 3);
    bucket(&root_b, "bucket-b", 5);
    let a = S3Server::start(&root_a, "AKIAAAAAAAAAAAAAAAAA", "secret-key-of-server-a-1234567890");
    let b = S3Server::start(&root_b, "AKIABBBBBBBBBBBBBBBB", "secret-key-of-server-b-1234567890");
    coffer.create_s3(
        "sa",
        "s3://bucket-a",
        "AKIAAAAAAAAAAAAAAAAA",
        "secret-key-of-server-a-1234567890",
        a.port,
    );
    coffer.create_s3(
        "sb",
        "s3://bucket-b",
        "AKIABBBBBBBBBBBBBBBB",
        "secret-key-of-server-b-1234567890",
        b.port,
    );

    let wrong = format!(
        "CREATE OR REPLACE PERSISTENT SECRET sb (TYPE s3, KEY_ID 'AKIABBBBBBBBBBBBBBBB', SECRET 'a-wrong-secret-key', REGION 'us-east-1', ENDPOINT '127.0.0.1:{}', URL_STYLE 'path', USE_SSL false, SCOPE 's3://bucket-b')",
        b.port
    );
    let right = wrong.replace("a-wrong-secret-key", "secret-key-of-server-b-1234567890");
    let script = [
        "SELECT count(*) FROM read_csv('s3://bucket-a/data.csv')".to_string(),
        "SELECT count(*) FROM read_csv('s3://bucket-b/data.csv')".to_string(),
        wrong,
        "SELECT count(*) FROM read_csv('s3://bucket-b/data.csv')".to_string(),
        "DROP PERSISTENT SECRET sb".to_string(),
        "SELECT count(*) FROM read_csv('s3://bucket-b/data.csv')".to_string(),
        right,
        "SELECT count(*) FROM read_csv('s3://bucket-b/data.csv')".to_string(),
    ]
    .join(";\n");
    let out = coffer.sql(&script);
    assert_eq!(out.len(), 8, "{out:?}");
    assert_eq!(count(&out[0]), 3);
    assert_eq!(count(&out[1]), 5);
    assert_eq!(out[2]["ok"], Value::Bool(true));
    let denied = error(&out[3]);
    assert!(denied.contains("403"), "{denied}");
    assert!(
        denied.contains("access denied: coffer's s3 secret 'sb' (coffer) was used for 's3://bucket-b/data.csv'"),
        "{denied}"
    );
    assert!(!denied.contains("a-wrong-secret-key"), "{denied}");
    assert_eq!(out[4]["ok"], Value::Bool(true));
    let none = error(&out[5]);
    assert!(
        none.contains("no coffer s3 secret matches 's3://bucket-b/data.csv'"),
        "{none}"
    );
    assert_eq!(out[6]["ok"], Value::Bool(true));
    assert_eq!(count(&out[7]), 5, "created again, it works without a restart");

    // A pg_duckdb-style row works the same way; its longer scope wins for its prefix.
    let insert = format!(
        "INSERT INTO duckdb.secrets (name, type, key_id, secret, region, endpoint, use_ssl, url_style, scope) VALUES ('pg_row', 'S3', 'AKIAAAAAAAAAAAAAAAAA', 'secret-key-of-server-a-1234567890', 'us-east-1', '127.0.0.1:{}', false, 'path', 's3://bucket-a/')",
        a.port
    );
    let out = coffer.sql(&format!(
        "{insert};\nSELECT name FROM which_secret('s3://bucket-a/data.csv', 's3');\nSELECT count(*) FROM read_csv('s3://bucket-a/data.csv');\nSELECT name FROM duckdb_secrets() WHERE name = 'pg_row'"
    ));
    assert_eq!(out[0]["rows"][0][0], Value::from(1), "{:?}", out[0]);
    assert_eq!(out[1]["rows"][0][0], Value::from("pg_row"));
    assert_eq!(count(&out[2]), 3);
    assert_eq!(out[3]["rows"].as_array().map(Vec::len), Some(1));
    drop((a, b));
}

/// coffer-extensions' imitation of PyPI (and of DuckDB's repository).
#[path = "../../coffer-extensions/tests/common/mod.rs"]
#[allow(clippy::all, clippy::pedantic, clippy::expect_used)]
mod pypi;

/// The real httpfs 1.5.5, as the wheel PyPI publishes would hold it.
fn httpfs_wheel() -> Vec<u8> {
    let file = env_path("COFFER_TEST_EXTENSION_DIR", "a directory with httpfs installed")
        .join("v1.5.5/linux_amd64/httpfs.duckdb_extension");
    pypi::wheel("httpfs", "1.5.5", &std::fs::read(file).expect("httpfs"))
}

/// `coffer sql -c SQL` with an empty extension directory, DuckDB's repository unreachable and
/// PyPI at `pypi`.
fn sql_installing(coffer: &Coffer, pypi: &str, sql: &str, offline: bool) -> std::process::Output {
    let mut c = coffer.command();
    c.env("COFFER_EXTENSION_DIR", coffer.dir.path().join("extensions"))
        .env("COFFER_EXTENSION_REPOSITORY", pypi::closed_port_url())
        .env("COFFER_PYPI_URL", pypi);
    if offline {
        c.env("COFFER_OFFLINE", "1");
    }
    c.args(["sql", "-c", sql]).output().expect("run")
}

#[test]
fn the_first_s3_read_installs_httpfs_itself() {
    let coffer = Coffer::new();
    let root = coffer.dir.path().join("s3");
    bucket(&root, "bucket-a", 4);
    let s3 = S3Server::start(&root, "AKIAFIRSTREAD", "first-read-secret");
    coffer.create_s3("sa", "s3://bucket-a", "AKIAFIRSTREAD", "first-read-secret", s3.port);
    let installed = coffer
        .dir
        .path()
        .join("extensions/v1.5.5/linux_amd64/httpfs.duckdb_extension");
    let read = "SELECT count(*) FROM read_csv('s3://bucket-a/data.csv')";

    // PyPI publishes another checksum: nothing is installed and the statement says why.
    let server = pypi::Server::start();
    let wheel = httpfs_wheel();
    pypi::serve_pypi(&server, "httpfs", &wheel, &"0".repeat(64));
    let out = sql_installing(&coffer, &server.url(), read, false);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("coffer could not install the DuckDB extension httpfs"),
        "{err}"
    );
    assert!(err.contains("sha256"), "{err}");
    assert!(!installed.exists());

    // Offline: no download, and how to install without network.
    let out = sql_installing(&coffer, &server.url(), read, true);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("offline") && err.contains("coffer extension install --from"),
        "{err}"
    );
    assert!(!installed.exists());

    // The published checksum: installed by coffer itself, and the statement runs.
    let good = pypi::Server::start();
    pypi::serve_pypi(&good, "httpfs", &wheel, &pypi::sha256(&wheel));
    let out = sql_installing(&coffer, &good.url(), read, false);
    let (stdout, err) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{err}");
    assert!(stdout.contains('4'), "{stdout}");
    assert!(installed.is_file());
    // Installed once: the next statement downloads nothing.
    let before = good.requests().len();
    let out = sql_installing(&coffer, &good.url(), read, false);
    assert!(out.status.success());
    assert_eq!(good.requests().len(), before);
    drop(s3);
}

#[test]
fn coffer_extension_installs_lists_and_removes() {
    let coffer = Coffer::new();
    let server = pypi::Server::start();
    let wheel = httpfs_wheel();
    pypi::serve_pypi(&server, "httpfs", &wheel, &pypi::sha256(&wheel));
    let ext = |args: &[&str]| {
        let mut c = coffer.command();
        c.env("COFFER_EXTENSION_DIR", coffer.dir.path().join("extensions"))
            .env("COFFER_EXTENSION_REPOSITORY", pypi::closed_port_url())
            .env("COFFER_PYPI_URL", server.url())
            .arg("extension")
            .args(args)
            .output()
            .expect("run")
    };
    let out = ext(&["install", "http"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.starts_with("installed DuckDB extension httpfs 1.5.5 (from PyPI"),
        "{said}"
    );
    let listed = String::from_utf8_lossy(&ext(&["list", "--format", "json"]).stdout).to_string();
    let rows: Value = serde_json::from_str(&listed).expect("json");
    assert!(
        rows.as_array()
            .expect("rows")
            .iter()
            .any(|r| r["name"] == "httpfs" && r["status"] == "installed"),
        "{listed}"
    );
    let again = ext(&["install", "httpfs"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already installed"));
    let unknown = ext(&["install", "httpfz"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("httpfs"),
        "a close match is offered"
    );
    // Air-gapped: from the wheel file itself.
    let file = coffer.dir.path().join(pypi::wheel_name("httpfs", "1.5.5"));
    std::fs::write(&file, &wheel).expect("wheel");
    assert!(ext(&["remove", "httpfs"]).status.success());
    assert_eq!(ext(&["remove", "httpfs"]).status.code(), Some(2));
    let out = ext(&["--offline", "install", "--from", &file.to_string_lossy()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(coffer
        .dir
        .path()
        .join("extensions/v1.5.5/linux_amd64/httpfs.duckdb_extension")
        .is_file());
}
