//! End to end: every DuckDB secret type coffer stores works in coffer's DuckDB against a real
//! server on 127.0.0.1, started and stopped by the test, and the wrong credential is refused:
//!
//! - `mysql`: a private MariaDB 10.11 (`COFFER_TEST_MARIADBD`), `ATTACH '' (TYPE mysql)`;
//! - `postgres`: a fresh database on the suite's PostgreSQL 15 (`COFFER_TEST_POSTGRES_URL`);
//! - `azure` with a connection string: Azurite 3.37's blob service (`COFFER_TEST_AZURITE`),
//!   `az://` and `azure://` reads;
//! - `s3` with `PROVIDER credential_chain` (DuckDB's aws extension): s3s-fs, which checks
//!   SigV4 signatures (`COFFER_TEST_S3S_FS`), with the key pair from coffer's environment or
//!   from an AWS profile file.
//!
//! DuckDB's extensions come from `COFFER_TEST_EXTENSION_DIR`: scripts/test.sh installs httpfs,
//! aws, azure, postgres_scanner and mysql_scanner there; coffer installs a missing one itself
//! (from PyPI) on first use. A missing server binary fails the test with how to get it.

mod common;

use common::azurite::{base64, hmac_sha256, http_date, Azurite};
use common::mariadb::MariaDb;
use common::s3::{env_path, S3Server};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, UNIX_EPOCH};

/// A coffer home in a temporary directory, run with a clean environment: no AWS or Azure
/// variables of the machine, `HOME` inside the directory (no ~/.aws).
struct Coffer {
    dir: tempfile::TempDir,
}

impl Coffer {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("coffer-types-")
            .tempdir()
            .expect("tempdir");
        std::fs::create_dir(dir.path().join("user-home")).expect("user home");
        Coffer { dir }
    }

    fn command(&self, env: &[(&str, &str)]) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("coffer"));
        c.current_dir(self.dir.path())
            .env("COFFER_HOME", self.dir.path().join("home"))
            .env("HOME", self.dir.path().join("user-home"))
            .env(
                "COFFER_EXTENSION_DIR",
                env_path(
                    "COFFER_TEST_EXTENSION_DIR",
                    "a DuckDB 1.5.5 extension directory (scripts/test.sh installs httpfs, aws, azure, postgres_scanner and mysql_scanner into ~/.cache/coffer-extensions)",
                ),
            )
            .env_remove("COFFER_PROJECT")
            .env_remove("COFFER_URL")
            .env_remove("COFFER_DATABASE_URL");
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k.starts_with("AWS_") || k.starts_with("AZURE_") || k == "GOOGLE_APPLICATION_CREDENTIALS" {
                c.env_remove(&*k);
            }
        }
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }

    /// `coffer secret create ARGS` with `stdin` (the sensitive field given as `FIELD=-`).
    fn create(&self, args: &[&str], stdin: &str) {
        let mut child = self
            .command(&[])
            .args(["secret", "create"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("coffer secret create");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "coffer secret create {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs a script through `coffer sql --format jsonl` with `env`; one JSON value per
    /// statement, and stderr.
    fn sql_env(&self, script: &str, env: &[(&str, &str)]) -> (Vec<Value>, String) {
        let mut child = self
            .command(env)
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
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let values = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\nstderr:\n{stderr}")))
            .collect();
        (values, stderr)
    }

    fn sql(&self, script: &str) -> (Vec<Value>, String) {
        self.sql_env(script, &[])
    }
}

/// The rows of a statement that succeeded.
fn rows(v: &Value, stderr: &str) -> Vec<Value> {
    assert_eq!(v["ok"], Value::Bool(true), "{v}\nstderr:\n{stderr}");
    v["rows"].as_array().cloned().unwrap_or_default()
}

/// The one number a `SELECT count(*)` returned.
fn count(v: &Value, stderr: &str) -> i64 {
    rows(v, stderr)
        .first()
        .and_then(|r| r[0].as_i64())
        .unwrap_or_else(|| panic!("no count in {v}"))
}

/// The error of a statement that failed.
fn error(v: &Value) -> String {
    assert_eq!(v["ok"], Value::Bool(false), "expected an error: {v}");
    v["error"].as_str().unwrap_or_default().to_string()
}

/// `n` statements' results, or a panic showing them and stderr.
fn expect_len(out: &[Value], n: usize, stderr: &str) {
    assert_eq!(out.len(), n, "{out:?}\nstderr:\n{stderr}");
}

// ---- mysql: MariaDB ----------------------------------------------------------------------

const MYSQL_PASSWORD: &str = "Maria-pw-3141-secret";

/// A MariaDB with database `shop`, user `app` (password [`MYSQL_PASSWORD`]) and a table of
/// three rows.
fn mariadb() -> MariaDb {
    MariaDb::start(&format!(
        "CREATE DATABASE shop;\n\
         CREATE USER 'app'@'%' IDENTIFIED BY '{MYSQL_PASSWORD}';\n\
         GRANT ALL PRIVILEGES ON shop.* TO 'app'@'%';\n\
         CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(20));\n\
         INSERT INTO shop.items VALUES (1, 'anvil'), (2, 'bucket'), (3, 'chisel');\n"
    ))
}

fn create_mysql(coffer: &Coffer, name: Option<&str>, port: u16, password: &str) {
    let port = format!("port={port}");
    let mut args: Vec<&str> = name.into_iter().collect();
    args.extend(["--type", "mysql", "--set", "host=127.0.0.1", "--set", &port]);
    args.extend(["--set", "user=app", "--set", "database=shop", "--set", "password=-"]);
    coffer.create(&args, password);
}

#[test]
fn mysql_secret_reads_mariadb_and_a_wrong_password_is_refused() {
    let db = mariadb();
    // Unnamed: __default_mysql, which `ATTACH '' (TYPE mysql)` uses as DuckDB does.
    let coffer = Coffer::new();
    create_mysql(&coffer, None, db.port, MYSQL_PASSWORD);
    let (out, stderr) = coffer.sql(
        "ATTACH '' AS shop (TYPE mysql, READ_ONLY);\n\
         SELECT count(*) FROM shop.items;\n\
         SELECT name FROM shop.items ORDER BY id",
    );
    expect_len(&out, 3, &stderr);
    rows(&out[0], &stderr);
    assert_eq!(count(&out[1], &stderr), 3);
    assert_eq!(
        rows(&out[2], &stderr),
        vec![
            serde_json::json!(["anvil"]),
            serde_json::json!(["bucket"]),
            serde_json::json!(["chisel"])
        ]
    );

    let wrong = Coffer::new();
    create_mysql(&wrong, None, db.port, "not-the-password-2718");
    let (out, stderr) = wrong.sql("ATTACH '' AS shop (TYPE mysql, READ_ONLY);\nSELECT count(*) FROM shop.items");
    expect_len(&out, 2, &stderr);
    let denied = error(&out[0]);
    assert!(denied.contains("Access denied for user 'app'"), "{denied}");
    assert!(!denied.contains("not-the-password-2718"), "{denied}");
    assert!(!stderr.contains("not-the-password-2718"), "{stderr}");
}

#[test]
fn mysql_secret_is_picked_by_name_in_attach() {
    let db = mariadb();
    let coffer = Coffer::new();
    create_mysql(&coffer, Some("shop_db"), db.port, MYSQL_PASSWORD);
    create_mysql(&coffer, Some("shop_wrong"), db.port, "not-the-password-2718");
    let (out, stderr) = coffer.sql(
        "ATTACH '' AS shop (TYPE mysql, SECRET shop_db, READ_ONLY);\n\
         SELECT count(*) FROM shop.items;\n\
         ATTACH '' AS other (TYPE mysql, SECRET shop_wrong, READ_ONLY)",
    );
    expect_len(&out, 3, &stderr);
    rows(&out[0], &stderr);
    assert_eq!(count(&out[1], &stderr), 3);
    let denied = error(&out[2]);
    assert!(denied.contains("Access denied for user 'app'"), "{denied}");
}

// ---- postgres: the suite's PostgreSQL 15 -------------------------------------------------

/// A fresh database on the suite's PostgreSQL with a table of four rows, readable by a new
/// role (password `password`); returns (host, port, database, role).
fn postgres_database(password: &str) -> (String, u16, String, String) {
    let url = coffer_store_postgres_testing::fresh_database();
    let db = url
        .split('?')
        .next()
        .and_then(|u| u.rsplit('/').next())
        .expect("a database name")
        .to_string();
    let role = format!("{db}_reader");
    let authority = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| a.rsplit('@').next())
        .expect("host:port in COFFER_TEST_POSTGRES_URL");
    let (host, port) = authority.rsplit_once(':').expect("a port in COFFER_TEST_POSTGRES_URL");
    coffer_store_postgres_testing::execute(
        &url,
        &format!(
            "CREATE ROLE {role} LOGIN PASSWORD '{password}';\n\
             CREATE TABLE items (id int PRIMARY KEY, name text);\n\
             INSERT INTO items VALUES (1, 'anvil'), (2, 'bucket'), (3, 'chisel'), (4, 'drill');\n\
             GRANT SELECT ON items TO {role};"
        ),
    );
    (host.to_string(), port.parse().expect("a port"), db, role)
}

fn create_postgres(coffer: &Coffer, name: Option<&str>, pg: &(String, u16, String, String), password: &str) {
    let (host, port, db, role) = pg;
    let (host, port, db, role) = (
        format!("host={host}"),
        format!("port={port}"),
        format!("database={db}"),
        format!("user={role}"),
    );
    let mut args: Vec<&str> = name.into_iter().collect();
    args.extend(["--type", "postgres", "--set", &host, "--set", &port, "--set", &db]);
    args.extend(["--set", &role, "--set", "password=-"]);
    coffer.create(&args, password);
}

const PG_PASSWORD: &str = "Pg-pw-1618-secret";

#[test]
fn postgres_secret_reads_postgresql_and_a_wrong_password_is_refused() {
    let pg = postgres_database(PG_PASSWORD);
    let coffer = Coffer::new();
    create_postgres(&coffer, None, &pg, PG_PASSWORD);
    let (out, stderr) = coffer.sql(
        "ATTACH '' AS pg (TYPE postgres, READ_ONLY);\n\
         SELECT count(*) FROM pg.public.items;\n\
         SELECT name FROM pg.public.items WHERE id = 4",
    );
    expect_len(&out, 3, &stderr);
    rows(&out[0], &stderr);
    assert_eq!(count(&out[1], &stderr), 4);
    assert_eq!(rows(&out[2], &stderr), vec![serde_json::json!(["drill"])]);

    let wrong = Coffer::new();
    create_postgres(&wrong, None, &pg, "not-the-password-1414");
    let (out, stderr) = wrong.sql("ATTACH '' AS pg (TYPE postgres, READ_ONLY);\nSELECT count(*) FROM pg.public.items");
    expect_len(&out, 2, &stderr);
    let denied = error(&out[0]);
    assert!(
        denied.contains(&format!("password authentication failed for user \"{}\"", pg.3)),
        "{denied}"
    );
    assert!(!denied.contains("not-the-password-1414"), "{denied}");
    assert!(!stderr.contains("not-the-password-1414"), "{stderr}");
}

#[test]
fn postgres_secret_is_picked_by_name_in_attach() {
    let pg = postgres_database(PG_PASSWORD);
    let coffer = Coffer::new();
    create_postgres(&coffer, Some("pg_db"), &pg, PG_PASSWORD);
    create_postgres(&coffer, Some("pg_wrong"), &pg, "not-the-password-1414");
    let (out, stderr) = coffer.sql(
        "ATTACH '' AS pg (TYPE postgres, SECRET pg_db, READ_ONLY);\n\
         SELECT count(*) FROM pg.public.items;\n\
         ATTACH '' AS other (TYPE postgres, SECRET pg_wrong, READ_ONLY)",
    );
    expect_len(&out, 3, &stderr);
    rows(&out[0], &stderr);
    assert_eq!(count(&out[1], &stderr), 4);
    let denied = error(&out[2]);
    assert!(denied.contains("password authentication failed"), "{denied}");
}

// ---- azure: Azurite ----------------------------------------------------------------------

#[test]
fn azure_connection_string_reads_azurite_and_a_wrong_key_is_refused() {
    let key: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37).wrapping_add(11)).collect();
    let azurite = Azurite::start("cofferacct", &key);
    azurite.create_container("data");
    azurite.put_blob(
        "data",
        "items.csv",
        b"id,name\n1,anvil\n2,bucket\n3,chisel\n4,drill\n5,easel\n",
    );

    let coffer = Coffer::new();
    coffer.create(
        &["az", "--type", "azure", "--set", "connection_string=-"],
        &azurite.connection_string(&key),
    );
    let (out, stderr) = coffer.sql(
        "SELECT count(*) FROM read_csv('az://data/items.csv');\n\
         SELECT count(*) FROM read_csv('azure://data/items.csv');\n\
         SELECT name FROM which_secret('az://data/items.csv', 'azure')",
    );
    expect_len(&out, 3, &stderr);
    assert_eq!(count(&out[0], &stderr), 5);
    assert_eq!(count(&out[1], &stderr), 5);
    assert_eq!(rows(&out[2], &stderr), vec![serde_json::json!(["az"])]);

    let wrong_key: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(91).wrapping_add(7)).collect();
    let wrong = Coffer::new();
    wrong.create(
        &["az", "--type", "azure", "--set", "connection_string=-"],
        &azurite.connection_string(&wrong_key),
    );
    let (out, stderr) = wrong.sql("SELECT count(*) FROM read_csv('az://data/items.csv')");
    expect_len(&out, 1, &stderr);
    let denied = error(&out[0]);
    assert!(denied.contains("AuthorizationFailure"), "{denied}");
    assert!(!denied.contains(&base64(&wrong_key)), "{denied}");
    assert!(!stderr.contains(&base64(&wrong_key)), "{stderr}");
}

// ---- s3 credential_chain: s3s-fs ---------------------------------------------------------

const CHAIN_KEY_ID: &str = "AKIACHAINCHAINCHAIN0";
const CHAIN_SECRET: &str = "chain-secret-key-of-the-server-123456";

/// An s3s-fs accepting only [`CHAIN_KEY_ID`]/[`CHAIN_SECRET`], with `bkt/data.csv` (4 rows).
fn chain_server(coffer: &Coffer) -> S3Server {
    let root = coffer.dir.path().join("s3");
    std::fs::create_dir_all(root.join("bkt")).expect("bucket");
    std::fs::write(root.join("bkt/data.csv"), "id,name\n1,a\n2,b\n3,c\n4,d\n").expect("data.csv");
    S3Server::start(&root, CHAIN_KEY_ID, CHAIN_SECRET)
}

/// `coffer secret create NAME --type s3 --provider credential_chain` for `server`, plus
/// `extra` fields (`chain=config`, `profile=x`).
fn create_chain(coffer: &Coffer, name: &str, server: &S3Server, extra: &[&str]) {
    let endpoint = format!("endpoint=127.0.0.1:{}", server.port);
    let mut args = vec![name, "--or-replace", "--type", "s3", "--provider", "credential_chain"];
    args.extend(["--set", "region=us-east-1", "--set", &endpoint]);
    args.extend(["--set", "url_style=path", "--set", "use_ssl=false"]);
    for e in extra {
        args.extend(["--set", e]);
    }
    coffer.create(&args, "");
}

#[test]
fn credential_chain_takes_the_key_from_coffers_environment() {
    let coffer = Coffer::new();
    let server = chain_server(&coffer);
    create_chain(&coffer, "chain", &server, &[]);
    let read = "SELECT count(*) FROM read_csv('s3://bkt/data.csv')";
    let (out, stderr) = coffer.sql_env(
        read,
        &[
            ("AWS_ACCESS_KEY_ID", CHAIN_KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", CHAIN_SECRET),
        ],
    );
    expect_len(&out, 1, &stderr);
    assert_eq!(count(&out[0], &stderr), 4);

    let (out, stderr) = coffer.sql_env(
        read,
        &[
            ("AWS_ACCESS_KEY_ID", CHAIN_KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", "a-wrong-secret-key-0000000000000"),
        ],
    );
    expect_len(&out, 1, &stderr);
    let denied = error(&out[0]);
    assert!(denied.contains("403"), "{denied}");
    assert!(!denied.contains("a-wrong-secret-key"), "{denied}");
}

#[test]
fn credential_chain_takes_the_key_from_an_aws_profile_and_a_missing_profile_fails() {
    let coffer = Coffer::new();
    let server = chain_server(&coffer);
    let aws = coffer.dir.path().join("aws");
    std::fs::create_dir(&aws).expect("aws dir");
    // The default profile holds a key the server refuses; profile x the right one. DuckDB's
    // aws extension looks a profile up in the config file, so both files name it.
    std::fs::write(
        aws.join("credentials"),
        format!(
            "[default]\naws_access_key_id = AKIAWRONGWRONGWRONG0\naws_secret_access_key = not-the-secret-0000\n\n\
             [x]\naws_access_key_id = {CHAIN_KEY_ID}\naws_secret_access_key = {CHAIN_SECRET}\n"
        ),
    )
    .expect("credentials");
    std::fs::write(
        aws.join("config"),
        "[default]\nregion = us-east-1\n\n[profile x]\nregion = us-east-1\n",
    )
    .expect("config");
    let (credentials, config) = (aws.join("credentials"), aws.join("config"));
    let env = [
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().expect("utf8")),
        ("AWS_CONFIG_FILE", config.to_str().expect("utf8")),
    ];
    let read = "SELECT count(*) FROM read_csv('s3://bkt/data.csv')";

    create_chain(&coffer, "chain", &server, &["chain=config", "profile=x"]);
    let (out, stderr) = coffer.sql_env(read, &env);
    expect_len(&out, 1, &stderr);
    assert_eq!(count(&out[0], &stderr), 4);

    // The default profile's key: signed, and refused by the server.
    create_chain(&coffer, "chain", &server, &["chain=config"]);
    let (out, stderr) = coffer.sql_env(read, &env);
    expect_len(&out, 1, &stderr);
    let denied = error(&out[0]);
    assert!(denied.contains("403"), "{denied}");

    // A profile the files do not have: the read fails saying so (DuckDB refuses the secret:
    // "Secret Validation Failure: no profile 'nosuch' found in config file ..."), and does not
    // fall through to an unsigned request to AWS.
    create_chain(&coffer, "chain", &server, &["chain=config", "profile=nosuch"]);
    let (out, stderr) = coffer.sql_env(read, &env);
    expect_len(&out, 1, &stderr);
    let refused = error(&out[0]);
    assert!(
        refused.contains("no profile '") && refused.contains("found in config file"),
        "{refused}\nstderr:\n{stderr}"
    );
    assert!(!refused.contains("amazonaws.com"), "{refused}");
    let all = format!("{out:?}\n{stderr}");
    assert!(!all.contains(CHAIN_SECRET), "{all}");
}

// ---- the helpers' own primitives ---------------------------------------------------------

#[test]
fn azurite_signing_primitives_match_their_rfcs() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    // RFC 4231, test case 2.
    assert_eq!(
        hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(
        http_date(UNIX_EPOCH + Duration::from_secs(1_796_549_223)),
        "Sun, 06 Dec 2026 09:27:03 GMT"
    );
}

// ---- data sources: secrets referenced by name --------------------------------------------

/// `coffer source ARGS`.
fn source(coffer: &Coffer, args: &[&str]) -> std::process::Output {
    coffer
        .command(&[])
        .arg("source")
        .args(args)
        .output()
        .expect("coffer source")
}

#[test]
fn a_postgres_source_just_works_follows_its_secret_and_names_it_when_gone() {
    let pg = postgres_database(PG_PASSWORD);
    let coffer = Coffer::new();
    create_postgres(&coffer, Some("pg_prod"), &pg, PG_PASSWORD);
    let made = source(
        &coffer,
        &["create", "warehouse", "--type", "postgres", "--secret", "pg_prod"],
    );
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    // A source whose database is down: only the statements naming it fail.
    create_postgres(
        &coffer,
        Some("pg_down"),
        &(pg.0.clone(), 1, pg.2.clone(), pg.3.clone()),
        PG_PASSWORD,
    );
    assert!(source(
        &coffer,
        &["create", "down", "--type", "postgres", "--secret", "pg_down"]
    )
    .status
    .success());
    let (out, stderr) = coffer.sql(
        "SELECT count(*) FROM warehouse.public.items;\n\
         SELECT 42 AS unrelated;\n\
         SELECT * FROM down.public.items;\n\
         CREATE TABLE warehouse.public.mine (a int);\n\
         SELECT name FROM warehouse.public.items WHERE id = 4",
    );
    expect_len(&out, 5, &stderr);
    assert_eq!(count(&out[0], &stderr), 4);
    assert_eq!(count(&out[1], &stderr), 42);
    let down = error(&out[2]);
    assert!(
        down.contains("cannot attach data source 'down' (postgres, secret 'pg_down')"),
        "{down}"
    );
    assert!(error(&out[3]).contains("read-only"), "read-only by default");
    assert_eq!(rows(&out[4], &stderr), vec![serde_json::json!(["drill"])]);

    // Rotating the secret (here to a wrong password) attaches it again with the new
    // credentials, in the same session; dropping it makes the source fail naming it.
    let wrong = "not-the-password-2718";
    let rotate = format!(
        "CREATE OR REPLACE PERSISTENT SECRET pg_prod (TYPE postgres, HOST '{}', PORT {}, DATABASE '{}', USER '{}', PASSWORD '{wrong}')",
        pg.0, pg.1, pg.2, pg.3
    );
    let (out, stderr) = coffer.sql(&format!(
        "SELECT count(*) FROM warehouse.public.items;\n{rotate};\nSELECT count(*) FROM warehouse.public.items;\n\
         DROP PERSISTENT SECRET pg_prod;\nSELECT count(*) FROM warehouse.public.items"
    ));
    expect_len(&out, 5, &stderr);
    assert_eq!(count(&out[0], &stderr), 4);
    let refused = error(&out[2]);
    assert!(refused.contains("password authentication failed"), "{refused}");
    assert!(!refused.contains(wrong) && !stderr.contains(wrong), "{refused}");
    let gone = error(&out[4]);
    assert!(gone.contains("pg_prod") && gone.contains("warehouse"), "{gone}");

    // A definition holding a credential is refused, pointing at secrets; nothing is stored.
    let bad = source(
        &coffer,
        &[
            "create",
            "leaky",
            "--type",
            "postgres",
            "--secret",
            "pg_down",
            "--option",
            "path=host=x password=hunter2",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(said.contains("coffer secret") && !said.contains("hunter2"), "{said}");
    let listed = String::from_utf8_lossy(&source(&coffer, &["list"]).stdout).to_string();
    assert!(!listed.contains("leaky"), "{listed}");
}

#[test]
fn a_mysql_source_reads_mariadb_through_its_secret() {
    let db = mariadb();
    let coffer = Coffer::new();
    create_mysql(&coffer, Some("shop_db"), db.port, MYSQL_PASSWORD);
    let (out, stderr) = coffer.sql(
        "CREATE SOURCE shop (TYPE mysql, SECRET shop_db);\n\
         SELECT count(*) FROM shop.items;\n\
         FROM coffer_sources()",
    );
    expect_len(&out, 3, &stderr);
    rows(&out[0], &stderr);
    assert_eq!(count(&out[1], &stderr), 3);
    assert_eq!(rows(&out[2], &stderr)[0][0], "shop");
    // The wrong password: the source fails with MySQL's refusal, the password never shown.
    let wrong = Coffer::new();
    create_mysql(&wrong, Some("shop_db"), db.port, "not-the-password-1234");
    let (out, stderr) = wrong.sql("CREATE SOURCE shop (TYPE mysql, SECRET shop_db);\nSELECT count(*) FROM shop.items");
    expect_len(&out, 2, &stderr);
    let denied = error(&out[1]);
    assert!(
        denied.contains("Access denied") && !denied.contains("not-the-password-1234"),
        "{denied}"
    );
}

/// A DuckLake whose catalog lives in PostgreSQL (a postgres secret, named by the source) and
/// whose data files live on the SigV4-checking S3 server (an s3 secret, found by scope): two
/// secrets, one source. Written through the source (read-write), read back read-only.
#[test]
fn a_ducklake_source_keeps_its_catalog_in_postgres_and_its_files_on_s3() {
    let pg = postgres_database(PG_PASSWORD);
    coffer_store_postgres_testing::execute(
        &coffer_store_postgres_testing::with_database(
            &coffer_store_postgres_testing::server_url().expect("COFFER_TEST_POSTGRES_URL"),
            &pg.2,
        ),
        &format!("GRANT ALL ON SCHEMA public TO {}", pg.3),
    );
    let coffer = Coffer::new();
    let root = coffer.dir.path().join("s3");
    std::fs::create_dir_all(root.join("lake")).expect("bucket");
    let s3 = S3Server::start(&root, "AKIALAKEFILES", "lake-files-secret");
    create_postgres(&coffer, Some("lake_catalog"), &pg, PG_PASSWORD);
    let endpoint = format!("endpoint=127.0.0.1:{}", s3.port);
    coffer.create(
        &[
            "lake_files",
            "--type",
            "s3",
            "--scope",
            "s3://lake",
            "--set",
            "key_id=AKIALAKEFILES",
            "--set",
            "secret=-",
            "--set",
            "region=us-east-1",
            "--set",
            &endpoint,
            "--set",
            "url_style=path",
            "--set",
            "use_ssl=false",
        ],
        "lake-files-secret",
    );
    let path = format!("path=dbname={}", pg.2);
    for (name, mode) in [("lake_rw", "--read-write"), ("lake", "")] {
        let mut args = vec!["create", name, "--type", "ducklake", "--secret", "lake_catalog"];
        args.extend(["--option", &path, "--option", "data_path=s3://lake/files/"]);
        if !mode.is_empty() {
            args.push(mode);
        }
        let out = source(&coffer, &args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let (out, stderr) = coffer.sql("CREATE TABLE lake_rw.sales AS SELECT range AS id FROM range(100000)");
    expect_len(&out, 1, &stderr);
    rows(&out[0], &stderr);
    let (out, stderr) = coffer.sql("SELECT count(*) FROM lake.sales;\nINSERT INTO lake.sales VALUES (9)");
    expect_len(&out, 2, &stderr);
    assert_eq!(count(&out[0], &stderr), 100_000);
    assert!(error(&out[1]).contains("read-only"), "{}", error(&out[1]));
    let files: Vec<_> = walk(&root.join("lake"));
    assert!(files.iter().any(|f| f.ends_with(".parquet")), "{files:?}");
    drop(s3);
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

/// python and sql flights get the project's data sources attached in their own DuckDB (the
/// zero-code path): a script names `warehouse.public.items` and nothing else.
#[test]
fn flights_read_through_a_source() {
    let pg = postgres_database(PG_PASSWORD);
    let coffer = Coffer::new();
    create_postgres(&coffer, Some("pg_prod"), &pg, PG_PASSWORD);
    assert!(source(
        &coffer,
        &["create", "warehouse", "--type", "postgres", "--secret", "pg_prod"]
    )
    .status
    .success());
    let python = std::env::var("COFFER_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let scripts = [
        (
            "sql",
            "q.sql",
            "SELECT count(*) AS n FROM warehouse.public.items;\n".to_string(),
        ),
        (
            "python",
            "q.py",
            "import duckdb\nprint('rows', duckdb.sql('SELECT count(*) FROM warehouse.public.items').fetchone()[0])\n"
                .to_string(),
        ),
    ];
    for (kind, file, script) in scripts {
        let path = coffer.dir.path().join(file);
        std::fs::write(&path, script).expect("script");
        let name = format!("read_{kind}");
        let made = coffer
            .command(&[])
            .args(["flight", "create", &name, "--kind", kind, "--file"])
            .arg(&path)
            .output()
            .expect("create");
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        let ran = coffer
            .command(&[("COFFER_PYTHON", python.as_str())])
            .args(["flight", "run", &name, "--wait"])
            .output()
            .expect("run");
        let (out, err) = (
            String::from_utf8_lossy(&ran.stdout),
            String::from_utf8_lossy(&ran.stderr),
        );
        assert!(ran.status.success(), "{kind}: {out}\n{err}");
        assert!(out.contains('4'), "{kind}: {out}\n{err}");
        assert!(!out.contains(PG_PASSWORD) && !err.contains(PG_PASSWORD));
    }
}
