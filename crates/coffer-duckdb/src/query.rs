//! Running one statement on a DuckDB connection: its result as [`Rows`] of protocol cells
//! (at most [`MAX_RESULT_BYTES`] of them), and DuckDB's `which_secret`.
//!
//! A query's values are DuckDB's own text: the statement runs as
//! `SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (<statement>)`, so every type (HUGEINT, DECIMAL,
//! BLOB, BIT, INTERVAL, TIMESTAMPTZ in the session's zone, UNION, lists, structs, maps) reads as
//! DuckDB prints it, and its column types are DuckDB's names from `DESCRIBE`. A statement that
//! is not a query (DDL, DML, PRAGMA, EXPLAIN, ...) runs as written and its result, if any, is
//! read through Arrow.

use crate::error::{DuckError, Result, MAX_RESULT_BYTES};
use coffer_engine::protocol::{Cell, Rows};
use duckdb::arrow::array::{Array, BooleanArray, Int16Array, Int32Array, Int64Array, Int8Array};
use duckdb::arrow::datatypes::DataType;
use duckdb::arrow::util::display::{ArrayFormatter, FormatOptions};
use duckdb::core::LogicalTypeId;

/// The statement's first word, upper-case, after blanks and comments (`(` for a parenthesized
/// query).
fn first_word(sql: &str) -> String {
    let mut s = sql;
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix("--") {
            s = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    if s.starts_with('(') {
        return "(".into();
    }
    s.chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// DuckDB's type name lower-cased as coffer prints types (`decimal(38,0)`, `struct(a integer)`),
/// quoted field names and enum values kept as they are.
fn lower_type(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut quote: Option<char> = None;
    for c in name.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None => {}
        }
        out.push(if quote.is_none() { c.to_ascii_lowercase() } else { c });
    }
    out
}

/// DuckDB's message about the wrapped statement, with its `LINE n:` pointing at the
/// statement as written (the wrapper adds one line before it).
fn unwrap_lines(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("LINE ") {
        let (before, after) = rest.split_at(at + 5);
        out.push_str(before);
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        match (digits.parse::<u64>(), after[digits.len()..].starts_with(':')) {
            (Ok(n), true) if n > 1 => out.push_str(&(n - 1).to_string()),
            _ => out.push_str(&digits),
        }
        rest = &after[digits.len()..];
    }
    out.push_str(rest);
    out
}

/// The columns a `DESCRIBE` statement lists: names and lower-cased type names.
fn described(conn: &duckdb::Connection, describe: &str) -> Option<Vec<(String, String)>> {
    let mut stmt = conn.prepare(describe).ok()?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .ok()?;
    let columns: Vec<(String, String)> = rows
        .map(|r| r.map(|(n, t)| (n, lower_type(&t))))
        .collect::<std::result::Result<_, _>>()
        .ok()?;
    (!columns.is_empty()).then_some(columns)
}

/// The columns of `sql` as DuckDB describes them, when it is a query that reads as text
/// (binding it, not running it); `None` for any other statement.
fn describe(conn: &duckdb::Connection, sql: &str) -> Option<Vec<(String, String)>> {
    let word = first_word(sql);
    let direct = matches!(word.as_str(), "SELECT" | "FROM" | "WITH" | "VALUES" | "(");
    if !direct && !matches!(word.as_str(), "SHOW" | "DESCRIBE" | "SUMMARIZE" | "PIVOT" | "UNPIVOT") {
        return None;
    }
    let columns = described(conn, &format!("DESCRIBE SELECT * FROM (\n{sql}\n)"))?;
    // A subquery renames duplicate columns (`x`, `x_1`); `DESCRIBE <query>` keeps them.
    let renamed = columns.iter().any(|(n, _)| {
        n.rsplit_once('_').is_some_and(|(base, d)| {
            !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) && columns.iter().any(|(m, _)| m == base)
        })
    });
    if renamed && direct {
        if let Some(named) = described(conn, &format!("DESCRIBE {sql}")) {
            if named.len() == columns.len() {
                return Some(named);
            }
        }
    }
    Some(columns)
}

/// A cell of DuckDB's text `text` in a column of type `ty`: booleans and integers that fit
/// as such, everything else as the text.
fn typed_cell(ty: &str, text: String) -> Cell {
    match ty {
        "boolean" => Cell::Bool(text == "true"),
        "tinyint" | "smallint" | "integer" | "bigint" | "utinyint" | "usmallint" | "uinteger" => {
            text.parse::<i64>().map_or(Cell::Text(text), Cell::Int)
        }
        _ => Cell::Text(text),
    }
}

/// Runs the query `sql`, whose columns are `columns`, with every value cast to DuckDB's text.
fn query_as_text(conn: &duckdb::Connection, sql: &str, columns: Vec<(String, String)>) -> Result<Rows> {
    let wrapped = format!("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (\n{sql}\n)");
    let relined = |e: duckdb::Error| DuckError::Duck(unwrap_lines(&e.to_string()));
    let mut stmt = conn.prepare(&wrapped).map_err(relined)?;
    let mut result = stmt.query([]).map_err(relined)?;
    let mut budget = MAX_RESULT_BYTES;
    let mut rows = Vec::new();
    while let Some(row) = result.next().map_err(relined)? {
        let mut cells = Vec::with_capacity(columns.len());
        for (i, (_, ty)) in columns.iter().enumerate() {
            budget = budget.checked_sub(8).ok_or(DuckError::TooLarge)?;
            cells.push(match row.get::<_, Option<String>>(i)? {
                None => Cell::Null,
                Some(text) => {
                    budget = budget.checked_sub(text.len()).ok_or(DuckError::TooLarge)?;
                    typed_cell(ty, text)
                }
            });
        }
        rows.push(cells);
    }
    Ok(Rows { columns, rows })
}

/// Runs one statement on `conn` and returns its result.
///
/// # Errors
/// DuckDB's error; a result larger than [`MAX_RESULT_BYTES`].
pub fn query_on(conn: &duckdb::Connection, sql: &str) -> Result<Rows> {
    let trimmed = sql.trim_end().trim_end_matches(';').trim_end();
    match describe(conn, trimmed) {
        Some(columns) => query_as_text(conn, trimmed, columns),
        None => query_arrow(conn, sql),
    }
}

fn type_name(t: &DataType) -> String {
    match t {
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "integer".into(),
        DataType::Int64 => "bigint".into(),
        DataType::UInt8 => "utinyint".into(),
        DataType::UInt16 => "usmallint".into(),
        DataType::UInt32 => "uinteger".into(),
        DataType::UInt64 => "ubigint".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "varchar".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(_, None) => "timestamp".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp with time zone".into(),
        DataType::Decimal128(p, s) => format!("decimal({p},{s})"),
        DataType::List(f) | DataType::LargeList(f) => format!("{}[]", type_name(f.data_type())),
        other => other.to_string().to_ascii_lowercase(),
    }
}

fn cells(array: &dyn Array, rows: usize, budget: &mut usize) -> Result<Vec<Cell>> {
    let opts = FormatOptions::default().with_null("NULL");
    let int = |i: usize| -> Option<i64> {
        let a = array.as_any();
        a.downcast_ref::<Int64Array>()
            .map(|x| x.value(i))
            .or_else(|| a.downcast_ref::<Int32Array>().map(|x| i64::from(x.value(i))))
            .or_else(|| a.downcast_ref::<Int16Array>().map(|x| i64::from(x.value(i))))
            .or_else(|| a.downcast_ref::<Int8Array>().map(|x| i64::from(x.value(i))))
    };
    let formatter = ArrayFormatter::try_new(array, &opts).map_err(|e| DuckError::Duck(e.to_string()))?;
    (0..rows)
        .map(|i| {
            *budget = budget.checked_sub(8).ok_or(DuckError::TooLarge)?;
            if array.is_null(i) {
                return Ok(Cell::Null);
            }
            if let Some(b) = array.as_any().downcast_ref::<BooleanArray>() {
                return Ok(Cell::Bool(b.value(i)));
            }
            if let Some(v) = int(i) {
                return Ok(Cell::Int(v));
            }
            let text = formatter.value(i).to_string();
            *budget = budget.checked_sub(text.len()).ok_or(DuckError::TooLarge)?;
            Ok(Cell::Text(text))
        })
        .collect()
}

/// Runs a statement that is not a query as written, its result (if any) read through Arrow.
fn query_arrow(conn: &duckdb::Connection, sql: &str) -> Result<Rows> {
    let mut stmt = conn.prepare(sql)?;
    let arrow = stmt.query_arrow([])?;
    let schema = arrow.get_schema();
    // The batches first (bounded: a result is cut at a few times what is sent), then DuckDB's
    // own column types, which the statement gives once the batches no longer borrow it.
    let mut batches = Vec::new();
    let mut held = 0usize;
    for batch in arrow {
        held = held.saturating_add(batch.get_array_memory_size());
        if held > 4 * MAX_RESULT_BYTES {
            return Err(DuckError::TooLarge);
        }
        batches.push(batch);
    }
    let columns: Vec<(String, String)> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            // Arrow carries UUIDs as text, BLOBs as binary, TIME as time64: DuckDB's own
            // type says what they are (the PostgreSQL endpoint types its columns by it).
            let name = match stmt.column_logical_type(i).id() {
                LogicalTypeId::Uuid => "uuid".to_string(),
                LogicalTypeId::Blob => "blob".to_string(),
                LogicalTypeId::Time => "time".to_string(),
                _ => type_name(f.data_type()),
            };
            (f.name().clone(), name)
        })
        .collect();
    let mut budget = MAX_RESULT_BYTES;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for batch in batches {
        let n = batch.num_rows();
        let cols: Vec<Vec<Cell>> = batch
            .columns()
            .iter()
            .map(|c| cells(c.as_ref(), n, &mut budget))
            .collect::<Result<_>>()?;
        for i in 0..n {
            rows.push(cols.iter().map(|c| c[i].clone()).collect());
        }
    }
    Ok(Rows { columns, rows })
}

/// The name of the secret DuckDB picks on `conn` for `path` and `secret_type`.
///
/// # Errors
/// DuckDB's error.
pub fn which_secret_on(conn: &duckdb::Connection, path: &str, secret_type: &str) -> Result<Option<String>> {
    let mut stmt = conn.prepare("SELECT name FROM which_secret(?, ?)")?;
    let mut rows = stmt.query([path, secret_type])?;
    Ok(match rows.next()? {
        Some(r) => Some(r.get(0)?),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(c: &Cell) -> String {
        match c {
            Cell::Text(t) => t.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Null => "NULL".into(),
        }
    }

    #[test]
    fn results_are_duckdbs_own_text_and_types() {
        let conn = duckdb::Connection::open_in_memory().expect("duckdb");
        let rows = query_on(
            &conn,
            "SELECT 170141183460469231731687303715884105727::HUGEINT h, 'abc\\x00'::BLOB b, '101'::BIT bt, \
             TIMESTAMP '2024-01-02 03:04:05' ts, union_value(num := 2) u, {'a': 1, 'b': ['x', NULL]} st, \
             MAP {'k': 2.5} mp, INTERVAL 3 DAY iv, 123.450::DECIMAL(10,3) de, [1, 2] l, 42 i, true t, \
             NULL::INTEGER n, 'x' AS x, 1 AS x;",
        )
        .expect("query");
        let types: Vec<&str> = rows.columns.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            types,
            [
                "hugeint",
                "blob",
                "bit",
                "timestamp",
                "union(num integer)",
                "struct(a integer, b varchar[])",
                "map(varchar, decimal(2,1))",
                "interval",
                "decimal(10,3)",
                "integer[]",
                "integer",
                "boolean",
                "integer",
                "varchar",
                "integer"
            ]
        );
        let names: Vec<&str> = rows.columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(&names[13..], ["x", "x"], "duplicate names kept as written");
        let values: Vec<String> = rows.rows[0].iter().map(text).collect();
        assert_eq!(
            values,
            [
                "170141183460469231731687303715884105727",
                "abc\\x00",
                "101",
                "2024-01-02 03:04:05",
                "2",
                "{'a': 1, 'b': [x, NULL]}",
                "{k=2.5}",
                "3 days",
                "123.450",
                "[1, 2]",
                "42",
                "true",
                "NULL",
                "x",
                "1"
            ]
        );
        assert_eq!(rows.rows[0][10], Cell::Int(42));
        assert_eq!(rows.rows[0][11], Cell::Bool(true));
        assert_eq!(rows.rows[0][12], Cell::Null);
    }

    #[test]
    fn other_statements_run_as_written_and_errors_point_at_the_statement() {
        let conn = duckdb::Connection::open_in_memory().expect("duckdb");
        query_on(&conn, "CREATE TABLE t (a INTEGER, b VARCHAR)").expect("create");
        let inserted = query_on(&conn, "INSERT INTO t VALUES (1, 'one'), (2, 'two')").expect("insert");
        assert_eq!(inserted.rows, [[Cell::Int(2)]]);
        let shown = query_on(&conn, "SHOW TABLES").expect("show");
        assert_eq!(shown.rows, [[Cell::Text("t".into())]]);
        let ordered = query_on(&conn, "FROM t ORDER BY a DESC -- newest first").expect("from");
        assert_eq!(ordered.rows[0], [Cell::Int(2), Cell::Text("two".into())]);
        // A bare name is not a query (a subquery would read it as a table).
        assert!(query_on(&conn, "t").is_err());
        let err = query_on(&conn, "SELECT 1,\n 'x'::INTEGER").expect_err("conversion");
        let msg = err.to_string();
        assert!(msg.contains("Conversion Error"), "{msg}");
        assert!(!msg.contains("LINE 3"), "{msg}");
        let missing = query_on(&conn, "SELECT * FROM nowhere").expect_err("binder");
        assert!(missing.to_string().contains("nowhere"), "{missing}");
    }

    #[test]
    fn error_lines_point_at_the_statement_as_written() {
        assert_eq!(
            unwrap_lines("Parser Error: x\n\nLINE 3: SELECT"),
            "Parser Error: x\n\nLINE 2: SELECT"
        );
        assert_eq!(unwrap_lines("no line here"), "no line here");
        assert_eq!(
            lower_type("STRUCT(\"MyField\" INTEGER, e ENUM('A', 'b'))"),
            "struct(\"MyField\" integer, e enum('A', 'b'))"
        );
        assert_eq!(first_word("  -- c\n/* x */ select 1"), "SELECT");
        assert_eq!(first_word("(SELECT 1)"), "(");
    }
}
