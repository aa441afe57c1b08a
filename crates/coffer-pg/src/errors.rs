//! coffer's errors as PostgreSQL sends them: an `ErrorResponse` with its SQLSTATE, so drivers
//! raise their usual exceptions (psycopg's `UndefinedTable`, asyncpg's
//! `InsufficientPrivilegeError`, ...).

use coffer_core::CoreError;
use coffer_sql::SqlError;
use pgwire::error::{ErrorInfo, PgWireError};

/// An error with `code` and `message`.
pub(crate) fn error(code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new("ERROR".into(), code.into(), message.into())))
}

/// A connection-ending error.
pub(crate) fn fatal(code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new("FATAL".into(), code.into(), message.into())))
}

/// The SQLSTATE of a service error.
pub(crate) fn core_code(e: &CoreError) -> &'static str {
    match e.inner() {
        CoreError::AlreadyExists { .. } => "42710",
        CoreError::NotFound { .. } | CoreError::Missing(_) | CoreError::ProjectNotFound(_) => "42704",
        CoreError::Forbidden { .. }
        | CoreError::NotPermitted(_)
        | CoreError::NeedsSuperuser { .. }
        | CoreError::TokenRefused(_) => "42501",
        CoreError::Unauthenticated(_) => "28000",
        CoreError::Invalid(_) | CoreError::Usage(_) => "22023",
        CoreError::Ambiguous { .. } => "42725",
        CoreError::Conflict(_) | CoreError::Contended(_) => "55000",
        CoreError::ReadOnly(_) => "25006",
        CoreError::Store(_) | CoreError::Audit(_) => "58000",
        _ => "XX000",
    }
}

/// The SQLSTATE of a DuckDB message, by DuckDB's error class.
fn engine_code(m: &str) -> &'static str {
    let lower = m.to_ascii_lowercase();
    if lower.contains("interrupted") || lower.contains("timeout") || lower.contains("timed out") {
        "57014"
    } else if lower.starts_with("catalog error")
        && (lower.contains("table with name") || lower.contains("table function with name"))
    {
        "42P01"
    } else if lower.starts_with("catalog error") && lower.contains("does not exist") {
        "42704"
    } else if lower.starts_with("catalog error") && lower.contains("already exists") {
        "42710"
    } else if lower.starts_with("parser error") {
        "42601"
    } else if lower.starts_with("binder error") {
        "42703"
    } else if lower.starts_with("conversion error") || lower.starts_with("invalid input error") {
        "22P02"
    } else if lower.starts_with("out of range error") {
        "22003"
    } else if lower.starts_with("permission error") {
        "42501"
    } else {
        "XX000"
    }
}

/// `line`/`column` (1-based, characters) as a 1-based character offset into `sql`.
fn offset(sql: &str, line: u64, column: u64) -> usize {
    let mut at = 0usize;
    for (i, l) in sql.split('\n').enumerate() {
        if i as u64 + 1 == line {
            return at + column as usize;
        }
        at += l.chars().count() + 1;
    }
    at
}

/// The position DuckDB's message points at (`LINE 1: SELEC 1` and a `^` under it), as a
/// 1-based character offset into `sql`.
fn caret(message: &str, sql: &str) -> Option<usize> {
    let lines: Vec<&str> = message.lines().collect();
    lines.windows(2).find_map(|w| {
        let rest = w[0].strip_prefix("LINE ")?;
        let (n, text) = rest.split_once(": ")?;
        let line: u64 = n.parse().ok()?;
        let prefix = w[0].len() - text.len();
        let col = w[1].find('^')?.checked_sub(prefix)?;
        Some(offset(sql, line, col as u64 + 1))
    })
}

/// A statement's error, as PostgreSQL sends it; `sql` is the statement text the client sent
/// (for the position of a syntax error); `hide` are the values the client bound to parameters,
/// never repeated in a message.
pub(crate) fn sql_error(e: &SqlError, sql: &str, hide: &[String]) -> PgWireError {
    let (code, position) = match e {
        SqlError::Syntax { pos: Some(p), .. } => ("42601", Some(offset(sql, p.line, p.column))),
        SqlError::Syntax { pos: None, .. } => ("42601", None),
        SqlError::Unsupported(_) => ("0A000", None),
        SqlError::Semantic(m) if m.contains("does not exist") => ("42P01", None),
        SqlError::Semantic(_) => ("42000", None),
        SqlError::Core(c) => (core_code(c), None),
        SqlError::Engine(m) => (engine_code(m), caret(m, sql)),
        SqlError::Refused { .. } | SqlError::Forbidden(_) => ("42501", None),
        _ => ("XX000", None),
    };
    let mut message = e.to_string();
    for v in hide.iter().filter(|v| v.len() >= 3) {
        message = message.replace(v.as_str(), "****");
    }
    let mut info = ErrorInfo::new("ERROR".into(), code.into(), message);
    info.position = position.map(|p| p.to_string());
    PgWireError::UserError(Box::new(info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duckdb_errors_get_their_sqlstate() {
        assert_eq!(
            engine_code("Catalog Error: Table with name nope does not exist!"),
            "42P01"
        );
        assert_eq!(engine_code("Parser Error: syntax error at or near \"SELEC\""), "42601");
        assert_eq!(engine_code("INTERRUPT Error: Interrupted!"), "57014");
        assert_eq!(offset("SELECT 1;\nSELEC 2", 2, 1), 11);
        let m = "Parser Error: syntax error at or near \"FORM\"\n\nLINE 1: SELECT 1 FORM t\n                 ^";
        assert_eq!(caret(m, "SELECT 1 FORM t"), Some(10));
    }

    #[test]
    fn bound_values_never_reach_a_message() {
        let e = SqlError::Semantic("bad value 'hunter2-secret' for column x".into());
        let PgWireError::UserError(info) = sql_error(&e, "", &["hunter2-secret".into()]) else {
            panic!("a user error");
        };
        assert!(!info.message.contains("hunter2"), "{}", info.message);
    }
}
