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

#[test]
fn a_missing_httpfs_says_how_to_install_it() {
    let coffer = Coffer::new();
    let out = Command::new(assert_cmd::cargo::cargo_bin("coffer"))
        .env("COFFER_HOME", coffer.dir.path().join("home"))
        .env("COFFER_EXTENSION_DIR", coffer.dir.path().join("no-extensions"))
        .args(["sql", "-c", "SELECT count(*) FROM read_csv('s3://bucket-a/data.csv')"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("hint: the DuckDB httpfs extension (v1.5.5) is not installed in"),
        "{err}"
    );
    assert!(err.contains("bash scripts/install-httpfs.sh"), "{err}");
}
