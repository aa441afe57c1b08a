//! The first wall in front of a sandboxed DuckDB: which statements an untrusted caller (a
//! remote project member, `coffer sql --safe`) may pass to the embedded DuckDB.
//!
//! [`check`] reads a statement's tokens (from [`crate::split`]: comments and whitespace are
//! already gone, keywords compare case-insensitively, a quoted identifier such as `"SET"` is
//! never a keyword but a quoted function name such as `"getenv"(...)` is still a call) and
//! refuses, with a [`Refusal`] naming the rule:
//!
//! - `setting`: `SET`/`RESET` (also `SESSION`, `GLOBAL`, `LOCAL`) of a setting that is not in
//!   [`ALLOWED_SETTINGS`], `RESET ALL`, and calls of `enable_*`/`disable_*` functions
//!   (`CALL enable_logging()`). `SET VARIABLE`/`RESET VARIABLE` (user variables) are allowed.
//! - `pragma`: a `PRAGMA` that is not in [`ALLOWED_PRAGMAS`] or that assigns (`PRAGMA x = y`).
//! - `extension`: `INSTALL`, `FORCE INSTALL`, `LOAD`, `UPDATE EXTENSIONS`.
//! - `attach`: `ATTACH` of anything but a remote URL (see [`REMOTE_SCHEMES`]), `':memory:'`,
//!   or a PostgreSQL/MySQL connection string that names no local file or socket; `md:`
//!   (MotherDuck) too.
//! - `local-file`: `COPY ... TO/FROM`, `EXPORT DATABASE`, `IMPORT DATABASE`, the file
//!   reading table functions (`read_csv`, `read_parquet`, `glob`, ...; see [`FILE_FUNCTIONS`])
//!   and `FROM 'file'` scans, on anything but a remote URL given as a string literal.
//! - `host-info`: `getenv(...)`, `duckdb_settings()`, and `current_setting(...)` of a
//!   setting that is not in [`ALLOWED_SETTINGS`] (settings hold host paths and proxy
//!   credentials).
//! - `secret`: `CREATE ... SECRET` and `DROP ... SECRET` (coffer handles these itself; one
//!   that slips through is refused rather than given to DuckDB).
//!
//! [`check_network`] adds the rule `network`: an `http(s)://` literal whose host resolves to
//! an address the network policy refuses (a cloud metadata address, coffer's own listener).
//!
//! `EXPLAIN [ANALYZE]` and `PREPARE name AS` are looked through: what they wrap is checked.
//! Paths must be string literals (a computed path is refused), and a quoted name with a `/` or
//! `.` in a FROM clause counts as a file (`FROM "data.csv"` is a DuckDB file scan).
//! This is a first wall, not the only one: the sandboxed DuckDB also runs with
//! `disabled_filesystems='LocalFileSystem'` and `lock_configuration=true`.

mod calls;
mod head;
mod lists;
mod refusal;
mod tokens;

pub use lists::{is_remote, ALLOWED_PRAGMAS, ALLOWED_SETTINGS, FILE_FUNCTIONS, REMOTE_SCHEMES};
pub use refusal::Refusal;

use crate::split::StmtSource;
use refusal::refuse;
use sqlparser::tokenizer::{Token, TokenWithSpan};
use tokens::{kw, skip_group, string_value};

/// Refuses a statement whose `http://` or `https://` string literals name a host that
/// resolves (with `resolve`) to an address `policy` refuses (a cloud metadata address,
/// coffer's own listener), with the rule `network`. This gives the caller a clear error for
/// what the engine's connection supervisor would refuse anyway (it also refuses addresses
/// built at run time, which no literal shows).
///
/// # Errors
/// The [`Refusal`] naming the URL's host, the address and why.
pub fn check_network(
    source: &StmtSource,
    policy: &coffer_model::net::NetPolicy,
    resolve: &dyn Fn(&str, u16) -> Vec<std::net::SocketAddr>,
) -> Result<(), Refusal> {
    for t in &source.tokens {
        let Some(text) = string_value(Some(&t.token)) else {
            continue;
        };
        let lower = text.trim_start().get(..8).unwrap_or("").to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            continue;
        }
        let Some((host, port)) = coffer_model::net::host_port(text.trim(), 443) else {
            continue;
        };
        if let Err((addr, why)) = policy.check_host(&host, port, resolve) {
            return refuse(
                "network",
                format!(
                    "'{host}' resolves to {addr}, and {why}; the machine's owner can allow a range with `--allow-network CIDR` (on `coffer serve`, or on the command that runs it)"
                ),
            );
        }
    }
    Ok(())
}

/// Checks that `source` may be passed to a sandboxed DuckDB.
///
/// # Errors
/// A [`Refusal`] naming the rule the statement breaks and what to do instead.
pub fn check(source: &StmtSource) -> Result<(), Refusal> {
    let toks: Vec<&Token> = source
        .tokens
        .iter()
        .map(|t: &TokenWithSpan| &t.token)
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::EOF))
        .collect();
    let start = statement_start(&toks);
    head::check_head(&toks, start)?;
    calls::check_calls(&toks)?;
    calls::check_from_scans(&toks)
}

/// The index of the statement proper, past `EXPLAIN [ANALYZE] [(...)]` and
/// `PREPARE name [(...)] AS`.
fn statement_start(toks: &[&Token]) -> usize {
    let mut i = 0;
    loop {
        let t = toks.get(i).copied();
        if kw(t, "EXPLAIN") {
            i += 1;
            if kw(toks.get(i).copied(), "ANALYZE") || kw(toks.get(i).copied(), "ANALYSE") {
                i += 1;
            }
            if matches!(toks.get(i), Some(Token::LParen)) {
                i = skip_group(toks, i);
            }
        } else if kw(t, "PREPARE") {
            i += 2; // PREPARE name
            if matches!(toks.get(i), Some(Token::LParen)) {
                i = skip_group(toks, i);
            }
            if kw(toks.get(i).copied(), "AS") {
                i += 1;
            }
        } else {
            return i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::split;
    use proptest::prelude::*;

    fn verdict(sql: &str) -> Result<(), &'static str> {
        let stmts = split(sql).expect("split");
        assert_eq!(stmts.len(), 1, "{sql}");
        check(&stmts[0]).map_err(|r| r.rule)
    }

    #[test]
    fn allows_ordinary_statements() {
        for sql in [
            "SELECT 1",
            "SELECT * FROM read_parquet('s3://b/x.parquet')",
            "SELECT * FROM read_csv(['s3://b/a.csv', 'gs://b/b.csv'], delim = ',')",
            "FROM 'https://example.com/x.csv'",
            "SELECT * FROM 's3://b/x.parquet' AS a, 'hf://datasets/x/y.parquet'",
            "SELECT 'SET' AS x",
            "SELECT 'COPY t TO ''/tmp/x''' AS s",
            "WITH t AS (SELECT 1 AS a) SELECT * FROM t",
            "CREATE TABLE t AS SELECT * FROM read_json('https://x/y.json')",
            "INSERT INTO t VALUES (1, 'a'), (2, '/etc/passwd')",
            "UPDATE t SET a = '/x' WHERE b = 'c'",
            "SELECT current_setting('TimeZone')",
            "SELECT current_setting('timezone')",
            "DESCRIBE t",
            "SUMMARIZE t",
            "EXPLAIN SELECT 1",
            "EXPLAIN ANALYZE SELECT * FROM t WHERE a IS DISTINCT FROM 'b'",
            "SELECT extract(year FROM '2024-01-01'::DATE), substring('abc' FROM 2), trim(BOTH 'x' FROM 'xax')",
            "SET TimeZone = 'UTC'",
            "SET timezone TO 'Europe/Paris'",
            "SET SESSION search_path = 'main'",
            "SET GLOBAL default_order = 'DESC'",
            "RESET TimeZone",
            "SET VARIABLE x = 42",
            "RESET VARIABLE x",
            "PRAGMA version",
            "PRAGMA table_info('t')",
            "pragma show_tables",
            "ATTACH ':memory:' AS m",
            "ATTACH 's3://b/x.duckdb' AS r (READ_ONLY)",
            "ATTACH 'https://x/y.duckdb' AS r",
            "ATTACH '' AS pg (TYPE postgres, SECRET pg)",
            "ATTACH 'dbname=app host=db.example.com' AS pg (TYPE postgres)",
            "DETACH r",
            "COPY t TO 's3://b/x.csv'",
            "COPY (SELECT 1) TO 's3://b/x.csv' (FORMAT csv, DELIMITER ',')",
            "COPY t FROM 'gcs://b/x.parquet'",
            "COPY FROM DATABASE a TO b",
            "EXPORT DATABASE 's3://b/dump'",
            "SELECT * FROM duckdb_extensions()",
            "SELECT * FROM t WHERE name GLOB 'a*'",
            "CHECKPOINT",
            "VACUUM",
            "USE memory",
            "FORCE CHECKPOINT",
            "CREATE MACRO m(a) AS a + 1",
            "DROP TABLE t",
            "PREPARE q AS SELECT * FROM t WHERE a = $1",
        ] {
            assert_eq!(verdict(sql), Ok(()), "{sql}");
        }
    }

    #[test]
    fn refuses_with_the_rule() {
        for (sql, rule) in [
            ("set threads = 1", "setting"),
            ("  /*c*/ SeT threads=1", "setting"),
            ("SET threads TO 1", "setting"),
            ("SET GLOBAL memory_limit = '100GB'", "setting"),
            ("SET SESSION enable_external_access = true", "setting"),
            ("SET LOCAL home_directory = '/'", "setting"),
            ("SET s3_secret_access_key = 'x'", "setting"),
            ("SET \"threads\" = 1", "setting"),
            ("RESET ALL", "setting"),
            ("RESET threads", "setting"),
            ("EXPLAIN SET threads = 1", "setting"),
            ("PREPARE p AS SET threads = 1", "setting"),
            ("CALL enable_logging()", "setting"),
            ("CALL disable_logging()", "setting"),
            ("pragma enable_external_access", "pragma"),
            ("PRAGMA threads = 4", "pragma"),
            ("PRAGMA version = 1", "pragma"),
            ("PRAGMA enable_profiling", "pragma"),
            ("LOAD '/tmp/evil.duckdb_extension'", "extension"),
            ("load httpfs", "extension"),
            ("install httpfs", "extension"),
            ("FORCE INSTALL httpfs FROM 'http://evil'", "extension"),
            ("UPDATE EXTENSIONS", "extension"),
            ("ATTACH '/home/x.db'", "attach"),
            ("ATTACH 'x.db' AS y", "attach"),
            ("ATTACH DATABASE IF NOT EXISTS 'x.db' AS y", "attach"),
            ("ATTACH 'x.sqlite' AS y (TYPE sqlite)", "attach"),
            ("ATTACH 'sqlite:x.db' AS y", "attach"),
            ("ATTACH 'file:///x.db' AS y", "attach"),
            ("ATTACH 'md:'", "attach"),
            (
                "ATTACH 'dbname=a host=/var/run/postgresql' AS p (TYPE postgres)",
                "attach",
            ),
            (
                "ATTACH 'dbname=a passfile=/root/.pgpass' AS p (TYPE postgres)",
                "attach",
            ),
            ("ATTACH x AS y", "attach"),
            ("COPY t TO '/root/x.csv'", "local-file"),
            ("COPY t TO 'file:///x'", "local-file"),
            ("COPY t TO 'S3://b/x.csv'", "local-file"),
            ("COPY (SELECT 1) TO '/tmp/x'", "local-file"),
            ("COPY t FROM 'x.csv'", "local-file"),
            ("COPY t TO STDOUT", "local-file"),
            ("EXPLAIN ANALYZE COPY t TO '/tmp/x'", "local-file"),
            ("EXPORT DATABASE '/tmp/dump'", "local-file"),
            ("IMPORT DATABASE 'dump'", "local-file"),
            ("SELECT * FROM read_csv('/etc/passwd')", "local-file"),
            (
                "SELECT * FROM read_text(['s3://b/a', '/proc/self/environ'])",
                "local-file",
            ),
            ("SELECT * FROM read_csv(getvariable('p'))", "local-file"),
            ("SELECT * FROM READ_PARQUET('x.parquet')", "local-file"),
            ("SELECT * FROM \"read_blob\"('/etc/shadow')", "local-file"),
            ("FROM glob('*')", "local-file"),
            ("SELECT * FROM '/etc/passwd'", "local-file"),
            ("SELECT * FROM 's3://b/x' a JOIN 'y.csv' b USING (k)", "local-file"),
            ("SELECT * FROM t, 'x.parquet'", "local-file"),
            ("SELECT * FROM \"/etc/passwd\"", "local-file"),
            ("SELECT * FROM (SELECT * FROM 'x.csv')", "local-file"),
            ("INSERT INTO t SELECT * FROM 'x.csv'", "local-file"),
            ("SELECT getenv('HOME')", "host-info"),
            ("SELECT \"getenv\"('HOME')", "host-info"),
            ("SELECT 'HOME'.getenv()", "host-info"),
            ("SELECT * FROM duckdb_settings()", "host-info"),
            ("SELECT current_setting('home_directory')", "host-info"),
            ("SELECT current_setting('Time' || 'Zone')", "host-info"),
            ("CREATE MACRO h() AS getenv('HOME')", "host-info"),
            ("CREATE SECRET s (TYPE s3)", "secret"),
            ("CREATE OR REPLACE PERSISTENT SECRET s (TYPE s3)", "secret"),
            ("DROP TEMPORARY SECRET s", "secret"),
        ] {
            assert_eq!(verdict(sql), Err(rule), "{sql}");
        }
    }

    #[test]
    fn refusal_names_rule_and_remedy() {
        let stmts = split("SET threads = 1").expect("split");
        let r = check(&stmts[0]).expect_err("refused");
        let shown = r.to_string();
        assert!(shown.contains("rule 'setting'"), "{shown}");
        assert!(shown.contains("'threads'") && shown.contains("TimeZone"), "{shown}");
    }

    fn token() -> impl Strategy<Value = Token> {
        let words = prop::sample::select(vec![
            "SET",
            "RESET",
            "PRAGMA",
            "EXPLAIN",
            "ANALYZE",
            "PREPARE",
            "AS",
            "COPY",
            "TO",
            "FROM",
            "ATTACH",
            "TYPE",
            "EXPORT",
            "IMPORT",
            "DATABASE",
            "INSTALL",
            "LOAD",
            "FORCE",
            "UPDATE",
            "EXTENSIONS",
            "CREATE",
            "DROP",
            "SECRET",
            "SESSION",
            "VARIABLE",
            "JOIN",
            "SELECT",
            "DISTINCT",
            "EXTRACT",
            "getenv",
            "current_setting",
            "read_csv",
            "glob",
            "enable_x",
            "threads",
            "TimeZone",
            "t",
        ]);
        prop_oneof![
            (words, any::<bool>()).prop_map(|(w, q)| Token::make_word(w, q.then_some('"'))),
            ".{0,12}".prop_map(Token::SingleQuotedString),
            prop::sample::select(vec![
                Token::LParen,
                Token::RParen,
                Token::LBracket,
                Token::RBracket,
                Token::Comma,
                Token::Period,
                Token::Eq,
                Token::EOF,
            ]),
            prop::sample::select(vec!["s3://b/x", "/etc/passwd", ":memory:", "md:", "postgres:host=/x"])
                .prop_map(|s| Token::SingleQuotedString(s.to_string())),
        ]
    }

    proptest! {
        #[test]
        fn never_panics_on_token_streams(tokens in prop::collection::vec(token(), 0..24)) {
            let source = StmtSource {
                text: String::new(),
                tokens: tokens.into_iter().map(TokenWithSpan::wrap).collect(),
            };
            let _ = check(&source);
        }

        #[test]
        fn never_panics_on_text(sql in "\\PC{0,64}") {
            if let Ok(stmts) = split(&sql) {
                for s in &stmts {
                    let _ = check(s);
                }
            }
        }
    }
}
