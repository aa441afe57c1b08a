//! The statements the endpoint answers itself, as PostgreSQL would: transaction blocks,
//! `SET`/`SHOW` of the settings clients send on connect, `version()`, `current_user`,
//! `current_database()`, and psql's catalog queries (answered empty: coffer has no tables).

use crate::conn::Session;
use coffer_sql::{ColType, Table, Value};

/// What a statement the endpoint answers itself gives.
pub(crate) enum Answer {
    /// A command tag only (`BEGIN`, `SET`).
    Tag(&'static str),
    /// A result.
    Table(Table),
}

/// Settings `SHOW` answers when the client has not set them.
fn default_setting(name: &str) -> Option<&'static str> {
    Some(match name {
        "server_version" => "16.6",
        "server_version_num" => "160006",
        "server_encoding" | "client_encoding" => "UTF8",
        "datestyle" => "ISO, MDY",
        "timezone" => "UTC",
        "intervalstyle" => "postgres",
        "standard_conforming_strings" => "on",
        "integer_datetimes" => "on",
        "transaction_isolation" | "default_transaction_isolation" => "read committed",
        "transaction_read_only" | "default_transaction_read_only" => "off",
        "search_path" => "\"$user\", public",
        "application_name" => "",
        "max_identifier_length" => "63",
        "lc_collate" | "lc_ctype" => "C.UTF-8",
        _ => return None,
    })
}

fn one(column: &str, value: String) -> Table {
    Table {
        columns: vec![(column.to_string(), ColType::Varchar)],
        rows: vec![vec![Value::Text(value)]],
    }
}

/// Lower-case words of `sql`, without a trailing `;`, whitespace collapsed.
fn words(sql: &str) -> String {
    sql.trim()
        .trim_end_matches(';')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

/// Whether `sql` begins a transaction block, ends one, or is neither.
pub(crate) fn block_statement(sql: &str) -> Option<&'static str> {
    let w = words(sql);
    let first = w.split(' ').next().unwrap_or("");
    match first {
        "begin" | "start" if w == "begin" || w.starts_with("begin ") || w.starts_with("start transaction") => {
            Some("BEGIN")
        }
        "commit" | "end" => Some("COMMIT"),
        "rollback" | "abort" => Some("ROLLBACK"),
        _ => None,
    }
}

/// The name of one of DuckDB's secret settings `sql` sets (`SET default_secret_storage = ...`),
/// which coffer's SQL front takes: they must last as long as the connection.
pub(crate) fn secret_setting(sql: &str) -> Option<String> {
    let w = words(sql);
    let rest = w.strip_prefix("set ")?;
    let rest = rest.strip_prefix("session ").unwrap_or(rest);
    let name = rest.split([' ', '=']).next()?.trim_matches('"');
    matches!(
        name,
        "allow_persistent_secrets" | "default_secret_storage" | "secret_directory"
    )
    .then(|| name.to_string())
}

/// The answer to `sql` when the endpoint answers it itself.
pub(crate) fn answer(sql: &str, session: &mut Session, user: &str, project: &str) -> Option<Answer> {
    let w = words(sql);
    if let Some(tag) = block_statement(sql) {
        session.in_block = tag == "BEGIN";
        return Some(Answer::Tag(tag));
    }
    if let Some(rest) = w.strip_prefix("set ") {
        let rest = rest
            .strip_prefix("session ")
            .or_else(|| rest.strip_prefix("local "))
            .unwrap_or(rest);
        let (name, value) = match rest.split_once(" to ").or_else(|| rest.split_once('=')) {
            Some((n, v)) => (n.trim(), v.trim().trim_matches('\'').to_string()),
            None => return None,
        };
        // `SET` of a DuckDB setting goes to DuckDB (and its guard); a client's session
        // settings (datestyle, extra_float_digits, application_name...) are kept here.
        if default_setting(name).is_some() || is_client_setting(name) {
            session.settings.insert(name.to_string(), value);
            return Some(Answer::Tag("SET"));
        }
        return None;
    }
    if let Some(name) = w.strip_prefix("show ") {
        let name = name.trim();
        if name == "all" {
            return None;
        }
        if let Some(v) = session
            .settings
            .get(name)
            .cloned()
            .or_else(|| default_setting(name).map(str::to_string))
        {
            return Some(Answer::Table(one(name, v)));
        }
        return None;
    }
    let version = format!("PostgreSQL 16.6 (coffer {}, DuckDB 1.5.5)", env!("CARGO_PKG_VERSION"));
    let answer = match w.as_str() {
        "select version()" | "select pg_catalog.version()" => one("version", version),
        "select current_user" | "select current_user()" | "select session_user" | "select user" => {
            one("current_user", user.into())
        }
        "select current_database()" | "select pg_catalog.current_database()" => one("current_database", project.into()),
        "select current_schema()" | "select current_schema" => one("current_schema", "public".into()),
        _ if w.starts_with("select") && (w.contains("pg_catalog.") || w.contains("information_schema.")) => {
            // psql's \d commands and drivers' introspection: coffer has no tables.
            Table::default()
        }
        _ => return None,
    };
    Some(Answer::Table(answer))
}

fn is_client_setting(name: &str) -> bool {
    matches!(
        name,
        "extra_float_digits"
            | "application_name"
            | "statement_timeout"
            | "lock_timeout"
            | "idle_in_transaction_session_timeout"
            | "bytea_output"
            | "client_min_messages"
            | "geqo"
            | "jit"
            | "row_security"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_connect_as_they_would_to_postgres() {
        let mut s = Session::default();
        assert!(matches!(answer("BEGIN;", &mut s, "u", "p"), Some(Answer::Tag("BEGIN"))));
        assert!(s.in_block);
        assert!(matches!(
            answer("rollback", &mut s, "u", "p"),
            Some(Answer::Tag("ROLLBACK"))
        ));
        assert!(!s.in_block);
        assert!(matches!(
            answer("SET DateStyle TO 'ISO'", &mut s, "u", "p"),
            Some(Answer::Tag("SET"))
        ));
        match answer("SHOW datestyle", &mut s, "u", "p") {
            Some(Answer::Table(t)) => assert_eq!(t.rows[0][0], Value::Text("iso".into())),
            _ => panic!("SHOW"),
        }
        match answer("select current_database()", &mut s, "u", "analytics") {
            Some(Answer::Table(t)) => assert_eq!(t.rows[0][0], Value::Text("analytics".into())),
            _ => panic!("current_database"),
        }
        assert!(answer("SELECT * FROM duckdb_secrets()", &mut s, "u", "p").is_none());
        assert!(
            answer("SET threads = 4", &mut s, "u", "p").is_none(),
            "DuckDB's settings go to DuckDB"
        );
    }

    #[test]
    fn secret_settings_are_told_apart() {
        assert_eq!(
            secret_setting("SET default_secret_storage = 'memory'").as_deref(),
            Some("default_secret_storage")
        );
        assert_eq!(
            secret_setting("set allow_persistent_secrets=false;").as_deref(),
            Some("allow_persistent_secrets")
        );
        assert_eq!(secret_setting("SET threads = 4"), None);
        assert_eq!(secret_setting("SELECT 1"), None);
    }
}
