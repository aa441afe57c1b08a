//! Running one statement on a DuckDB connection: its result as [`Rows`] of protocol cells
//! (at most [`MAX_RESULT_BYTES`] of them), and DuckDB's `which_secret`.

use crate::error::{DuckError, Result, MAX_RESULT_BYTES};
use coffer_engine::protocol::{Cell, Rows};
use duckdb::arrow::array::{Array, BooleanArray, Int16Array, Int32Array, Int64Array, Int8Array};
use duckdb::arrow::datatypes::DataType;
use duckdb::arrow::util::display::{ArrayFormatter, FormatOptions};
use duckdb::core::LogicalTypeId;

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

/// Runs one statement on `conn` and returns its result.
///
/// # Errors
/// DuckDB's error; a result larger than [`MAX_RESULT_BYTES`].
pub fn query_on(conn: &duckdb::Connection, sql: &str) -> Result<Rows> {
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
