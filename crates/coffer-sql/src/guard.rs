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

use crate::split::StmtSource;
use sqlparser::tokenizer::{Token, TokenWithSpan};
use std::fmt;

/// Why a statement may not reach a sandboxed DuckDB: the rule, for the error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The rule that refused it: `setting`, `pragma`, `extension`, `attach`, `local-file`,
    /// `host-info` or `secret`.
    pub rule: &'static str,
    /// What was refused and what to do instead.
    pub message: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused by the sandbox rule '{}': {}", self.rule, self.message)
    }
}

impl std::error::Error for Refusal {}

/// The session settings a sandboxed caller may `SET` and `RESET` (any case): they change how
/// results are computed or shown, never files, extensions, the network, memory, threads,
/// secrets or security. The sandbox's `allowed_configs` must list them too, as its
/// `lock_configuration=true` refuses every other `SET`.
pub const ALLOWED_SETTINGS: &[&str] = &[
    "TimeZone",
    "Calendar",
    "search_path",
    "schema",
    "default_order",
    "default_null_order",
    "null_order",
    "default_collation",
    "errors_as_json",
    "enable_progress_bar",
    "progress_bar_time",
    "preserve_insertion_order",
    "integer_division",
    "ieee_floating_point_ops",
    "order_by_non_integer_literal",
    "explain_output",
];

/// The read-only, informational `PRAGMA`s a sandboxed caller may run (without `=`).
pub const ALLOWED_PRAGMAS: &[&str] = &[
    "version",
    "platform",
    "user_agent",
    "show_tables",
    "show_tables_expanded",
    "show_databases",
    "database_list",
    "database_size",
    "table_info",
    "show",
    "storage_info",
    "functions",
    "collations",
];

/// The URL schemes that name remote objects (exactly, in lower case, followed by `://`).
pub const REMOTE_SCHEMES: &[&str] = &[
    "s3", "s3a", "s3n", "gs", "gcs", "r2", "az", "azure", "abfss", "hf", "http", "https",
];

/// Table functions whose first argument is a file path or a list of them.
pub const FILE_FUNCTIONS: &[&str] = &[
    "read_csv",
    "read_csv_auto",
    "sniff_csv",
    "read_parquet",
    "parquet_scan",
    "parquet_metadata",
    "parquet_schema",
    "parquet_file_metadata",
    "parquet_kv_metadata",
    "read_json",
    "read_json_auto",
    "read_json_objects",
    "read_json_objects_auto",
    "read_ndjson",
    "read_ndjson_auto",
    "read_ndjson_objects",
    "read_text",
    "read_blob",
    "read_xlsx",
    "read_avro",
    "read_duckdb",
    "glob",
    "sqlite_scan",
    "st_read",
    "st_read_meta",
    "delta_scan",
    "iceberg_scan",
    "iceberg_metadata",
    "iceberg_snapshots",
];

/// Functions that reveal the host.
const HOST_FUNCTIONS: &[&str] = &["getenv", "duckdb_settings"];

/// What a PostgreSQL or MySQL connection string may not name: local files and sockets.
const LOCAL_CONNECTION_KEYS: &[&str] = &[
    "passfile",
    "sslcert",
    "sslkey",
    "sslrootcert",
    "sslcrl",
    "service",
    "host=/",
    "host=%2f",
    "socket",
    "ssl_ca",
    "ssl_cert",
    "ssl_key",
];

fn refuse(rule: &'static str, message: impl Into<String>) -> Result<(), Refusal> {
    Err(Refusal {
        rule,
        message: message.into(),
    })
}

/// Whether `t` is the unquoted keyword `k` (any case).
fn kw(t: Option<&Token>, k: &str) -> bool {
    matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k))
}

/// The text of a string literal.
fn string_value(t: Option<&Token>) -> Option<&str> {
    match t? {
        Token::SingleQuotedString(s)
        | Token::TripleSingleQuotedString(s)
        | Token::EscapedStringLiteral(s)
        | Token::UnicodeStringLiteral(s)
        | Token::NationalStringLiteral(s)
        | Token::SingleQuotedRawStringLiteral(s) => Some(s),
        Token::DollarQuotedString(d) => Some(&d.value),
        _ => None,
    }
}

/// The name of a word (quoted or not), in lower case.
fn word_lower(t: Option<&Token>) -> Option<String> {
    match t? {
        Token::Word(w) => Some(w.value.to_ascii_lowercase()),
        _ => None,
    }
}

/// The index just after the bracket group that opens at `i` (or the end when it is not
/// closed).
fn skip_group(toks: &[&Token], i: usize) -> usize {
    let mut depth = 0i64;
    for (j, t) in toks.iter().enumerate().skip(i) {
        match t {
            Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
            Token::RParen | Token::RBracket | Token::RBrace => {
                depth -= 1;
                if depth <= 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

/// Whether `path` names a remote object: one of [`REMOTE_SCHEMES`] followed by `://`.
pub fn is_remote(path: &str) -> bool {
    path.split_once("://")
        .is_some_and(|(scheme, _)| REMOTE_SCHEMES.contains(&scheme))
}

fn is_allowed_setting(name: &str) -> bool {
    ALLOWED_SETTINGS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

fn remote_only(what: &str, path: &str) -> Result<(), Refusal> {
    if is_remote(path) {
        return Ok(());
    }
    refuse(
        "local-file",
        format!(
            "{what} '{path}' is not a remote URL: a sandboxed session reads and writes only remote objects ({}://...)",
            REMOTE_SCHEMES.join("://, ")
        ),
    )
}

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
    check_head(&toks, start)?;
    check_calls(&toks)?;
    check_from_scans(&toks)
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

fn check_head(toks: &[&Token], i: usize) -> Result<(), Refusal> {
    let at = |j: usize| toks.get(j).copied();
    let head = at(i);
    if kw(head, "SET") || kw(head, "RESET") {
        let verb = if kw(head, "SET") { "SET" } else { "RESET" };
        let mut j = i + 1;
        if kw(at(j), "SESSION") || kw(at(j), "GLOBAL") || kw(at(j), "LOCAL") {
            j += 1;
        }
        if kw(at(j), "VARIABLE") {
            return Ok(());
        }
        let mut name = String::new();
        while let Some(Token::Word(w)) = at(j) {
            name.push_str(&w.value);
            if matches!(at(j + 1), Some(Token::Period)) {
                name.push('.');
                j += 2;
            } else {
                break;
            }
        }
        if is_allowed_setting(&name) {
            return Ok(());
        }
        let shown = if name.is_empty() {
            "this setting".to_string()
        } else {
            format!("'{name}'")
        };
        return refuse(
            "setting",
            format!(
                "{verb} {shown} is not allowed in a sandboxed session; settings that may be changed: {} (and SET VARIABLE)",
                ALLOWED_SETTINGS.join(", ")
            ),
        );
    }
    if kw(head, "PRAGMA") {
        let name = word_lower(at(i + 1)).unwrap_or_default();
        let assigns = matches!(at(i + 2), Some(Token::Eq));
        if !assigns && ALLOWED_PRAGMAS.contains(&name.as_str()) {
            return Ok(());
        }
        return refuse(
            "pragma",
            format!(
                "PRAGMA {name}{} is not allowed in a sandboxed session; allowed (read-only, without '='): {}; use SET for the settings listed in the 'setting' rule",
                if assigns { " = ..." } else { "" },
                ALLOWED_PRAGMAS.join(", ")
            ),
        );
    }
    let extension = kw(head, "INSTALL")
        || kw(head, "LOAD")
        || (kw(head, "FORCE") && kw(at(i + 1), "INSTALL"))
        || (kw(head, "UPDATE") && kw(at(i + 1), "EXTENSIONS"));
    if extension {
        return refuse(
            "extension",
            "installing, loading and updating extensions is not allowed in a sandboxed session; the sandbox's DuckDB comes with the extensions it may use (autoloaded)",
        );
    }
    if kw(head, "ATTACH") {
        return check_attach(toks, i + 1);
    }
    if kw(head, "COPY") {
        return check_copy(toks, i + 1);
    }
    if (kw(head, "EXPORT") || kw(head, "IMPORT")) && kw(at(i + 1), "DATABASE") {
        let verb = if kw(head, "EXPORT") { "EXPORT" } else { "IMPORT" };
        return match toks[i..].iter().find_map(|t| string_value(Some(t))) {
            Some(path) => remote_only(&format!("{verb} DATABASE's directory"), path),
            None => refuse(
                "local-file",
                format!("{verb} DATABASE needs a remote URL as a 'string'"),
            ),
        };
    }
    if kw(head, "CREATE") || kw(head, "DROP") {
        let mut j = i + 1;
        while ["OR", "REPLACE", "PERSISTENT", "TEMPORARY", "TEMP"]
            .iter()
            .any(|k| kw(at(j), k))
        {
            j += 1;
        }
        if kw(at(j), "SECRET") {
            return refuse(
                "secret",
                "secrets are coffer's: this statement is not passed to DuckDB; use CREATE SECRET / DROP SECRET as coffer documents them",
            );
        }
    }
    Ok(())
}

fn check_attach(toks: &[&Token], mut j: usize) -> Result<(), Refusal> {
    let at = |j: usize| toks.get(j).copied();
    while ["OR", "REPLACE", "DATABASE", "IF", "NOT", "EXISTS"]
        .iter()
        .any(|k| kw(at(j), k))
    {
        j += 1;
    }
    let Some(path) = string_value(at(j)) else {
        return refuse(
            "attach",
            "ATTACH needs its path or URL as a 'string' in a sandboxed session",
        );
    };
    // TYPE in the options.
    let mut ty = None;
    for k in j + 1..toks.len() {
        if kw(at(k), "TYPE") {
            ty = word_lower(at(k + 1));
            break;
        }
    }
    let lower = path.to_ascii_lowercase();
    if lower.starts_with("md:") || lower.starts_with("motherduck:") {
        return refuse(
            "attach",
            "MotherDuck ('md:') is not available: coffer has no MotherDuck connection",
        );
    }
    // DuckDB's 'postgres:...', 'sqlite:...' prefixes name the type.
    let (ty, target) = match path.split_once(':') {
        Some((p, rest))
            if !rest.starts_with("//")
                && ["postgres", "postgresql", "mysql", "sqlite", "duckdb"]
                    .contains(&p.to_ascii_lowercase().as_str()) =>
        {
            (Some(p.to_ascii_lowercase()), rest)
        }
        _ => (ty, path),
    };
    match ty.as_deref() {
        Some("postgres" | "postgresql" | "postgres_scanner" | "mysql" | "mysql_scanner") => {
            let conn = target.to_ascii_lowercase();
            match LOCAL_CONNECTION_KEYS.iter().find(|k| conn.contains(*k)) {
                Some(k) => refuse(
                    "attach",
                    format!(
                        "the connection string names a local file or socket ('{k}'): give the server's host name and put credentials in a coffer secret (ATTACH '' AS db (TYPE postgres, SECRET name))"
                    ),
                ),
                None => Ok(()),
            }
        }
        _ if target.starts_with(":memory:") => Ok(()),
        _ if is_remote(target) => Ok(()),
        _ => refuse(
            "attach",
            format!(
                "ATTACH '{path}' is a local file: a sandboxed session attaches only ':memory:', remote database files ({}://...) read-only, and PostgreSQL/MySQL servers",
                REMOTE_SCHEMES.join("://, ")
            ),
        ),
    }
}

fn check_copy(toks: &[&Token], mut j: usize) -> Result<(), Refusal> {
    let at = |j: usize| toks.get(j).copied();
    if kw(at(j), "FROM") && kw(at(j + 1), "DATABASE") {
        return Ok(()); // COPY FROM DATABASE a TO b: between attached databases
    }
    while j < toks.len() {
        if matches!(at(j), Some(Token::LParen)) {
            j = skip_group(toks, j);
            continue;
        }
        if kw(at(j), "TO") || kw(at(j), "FROM") {
            return match string_value(at(j + 1)) {
                Some(path) => remote_only("COPY's file", path),
                None => refuse(
                    "local-file",
                    "COPY needs a remote URL as a 'string' in a sandboxed session (no STDOUT, STDIN or computed paths)",
                ),
            };
        }
        j += 1;
    }
    refuse("local-file", "COPY needs TO or FROM a remote URL")
}

/// Function calls anywhere: a word (quoted or not) followed by `(`.
fn check_calls(toks: &[&Token]) -> Result<(), Refusal> {
    for (i, pair) in toks.windows(2).enumerate() {
        let (Token::Word(w), Token::LParen) = (pair[0], pair[1]) else {
            continue;
        };
        let name = w.value.to_ascii_lowercase();
        if HOST_FUNCTIONS.contains(&name.as_str()) {
            return refuse(
                "host-info",
                format!("{name}() reveals the host and is not allowed in a sandboxed session; use current_setting('name') for the allowed settings"),
            );
        }
        if name == "current_setting" {
            let arg = string_value(toks.get(i + 2).copied());
            let closed = matches!(toks.get(i + 3), Some(Token::RParen));
            if !(closed && arg.is_some_and(is_allowed_setting)) {
                return refuse(
                    "host-info",
                    format!(
                        "current_setting() may read only these settings in a sandboxed session, named as a 'string': {}",
                        ALLOWED_SETTINGS.join(", ")
                    ),
                );
            }
        }
        if name.starts_with("enable_") || name.starts_with("disable_") {
            return refuse(
                "setting",
                format!("{name}() changes DuckDB's configuration and is not allowed in a sandboxed session"),
            );
        }
        if FILE_FUNCTIONS.contains(&name.as_str()) {
            check_file_args(toks, i + 2, &name)?;
        }
    }
    Ok(())
}

/// The first argument of a file function, at `j`: a 'string' or a list of them, each remote.
fn check_file_args(toks: &[&Token], j: usize, name: &str) -> Result<(), Refusal> {
    let not_literal = || {
        refuse(
            "local-file",
            format!("{name}() needs its remote URL(s) as 'string' literals in a sandboxed session"),
        )
    };
    match toks.get(j).copied() {
        Some(Token::LBracket) => {
            let end = skip_group(toks, j);
            for t in toks.get(j + 1..end.saturating_sub(1)).unwrap_or_default() {
                match string_value(Some(t)) {
                    Some(path) => remote_only(&format!("{name}()'s file"), path)?,
                    None if matches!(t, Token::Comma) => {}
                    None => return not_literal(),
                }
            }
            Ok(())
        }
        t => match string_value(t) {
            Some(path) => remote_only(&format!("{name}()'s file"), path),
            None => not_literal(),
        },
    }
}

/// `FROM 'file'` (DuckDB's replacement scans): a string, or a quoted name that looks like a
/// file, where a FROM clause takes a table.
fn check_from_scans(toks: &[&Token]) -> Result<(), Refusal> {
    // Per bracket depth: whether the tokens are in a FROM clause, and whether the bracket is
    // the argument list of a function whose syntax has FROM inside (EXTRACT(x FROM y)).
    let mut frames: Vec<(bool, bool)> = vec![(false, false)];
    let mut prev: Option<&Token> = None;
    for &t in toks {
        let (in_from, inside_call) = frames.last().copied().unwrap_or((false, false));
        match t {
            Token::LParen | Token::LBracket | Token::LBrace => {
                let call = ["EXTRACT", "SUBSTRING", "TRIM", "OVERLAY"].iter().any(|k| kw(prev, k));
                frames.push((false, call));
            }
            Token::RParen | Token::RBracket | Token::RBrace if frames.len() > 1 => {
                frames.pop();
            }
            Token::Word(w) if w.quote_style.is_none() => {
                let v = w.value.to_ascii_uppercase();
                let clause = match v.as_str() {
                    "FROM" if !inside_call && !kw(prev, "DISTINCT") => Some(true),
                    "JOIN" => Some(true),
                    "SELECT" | "WHERE" | "GROUP" | "HAVING" | "ORDER" | "LIMIT" | "OFFSET" | "QUALIFY" | "WINDOW"
                    | "UNION" | "EXCEPT" | "INTERSECT" | "ON" | "USING" | "SET" | "VALUES" | "RETURNING" | "TO"
                    | "PIVOT" | "UNPIVOT" => Some(false),
                    _ => None,
                };
                if let (Some(c), Some(f)) = (clause, frames.last_mut()) {
                    f.0 = c;
                }
            }
            _ => {}
        }
        let after_from = kw(prev, "FROM") || kw(prev, "JOIN") || matches!(prev, Some(Token::Comma));
        if in_from && after_from {
            if let Some(path) = string_value(Some(t)) {
                remote_only("the file", path)?;
            }
            if let Token::Word(w) = t {
                if w.quote_style.is_some() && (w.value.contains('/') || w.value.contains('.')) {
                    remote_only("the file", &w.value)?;
                }
            }
        }
        prev = Some(t);
    }
    Ok(())
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
