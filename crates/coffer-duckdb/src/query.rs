//! Running one statement on a DuckDB connection: its result as [`Rows`] of protocol cells
//! (at most [`MAX_RESULT_BYTES`] of them), and DuckDB's `which_secret`.

use crate::error::{DuckError, Result, MAX_RESULT_BYTES};
use coffer_engine::protocol::{Cell, Rows};
use duckdb::arrow::array::{
    Array, BooleanArray, Int16Array, Int32Array, Int64Array, Int8Array, ListArray, MapArray, StructArray,
};
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

/// Row `i` of `array` as JSON: structs and maps as objects, lists as arrays, booleans and
/// numbers as themselves, everything else as DuckDB's text (through arrow's display).
fn json_value(array: &dyn Array, i: usize) -> Result<serde_json::Value> {
    use serde_json::Value;
    if array.is_null(i) {
        return Ok(Value::Null);
    }
    let any = array.as_any();
    Ok(match array.data_type() {
        DataType::Struct(fields) => {
            let s = any
                .downcast_ref::<StructArray>()
                .ok_or_else(|| DuckError::Duck("a struct column".into()))?;
            let mut map = serde_json::Map::new();
            for (f, col) in fields.iter().zip(s.columns()) {
                map.insert(f.name().clone(), json_value(col.as_ref(), i)?);
            }
            Value::Object(map)
        }
        DataType::Map(_, _) => {
            let m = any
                .downcast_ref::<MapArray>()
                .ok_or_else(|| DuckError::Duck("a map column".into()))?;
            let entries = m.value(i);
            let (keys, values) = (entries.column(0), entries.column(1));
            let opts = FormatOptions::default().with_null("NULL");
            let fmt = ArrayFormatter::try_new(keys.as_ref(), &opts).map_err(|e| DuckError::Duck(e.to_string()))?;
            let mut map = serde_json::Map::new();
            for j in 0..entries.len() {
                map.insert(fmt.value(j).to_string(), json_value(values.as_ref(), j)?);
            }
            Value::Object(map)
        }
        DataType::List(_) => {
            let l = any
                .downcast_ref::<ListArray>()
                .ok_or_else(|| DuckError::Duck("a list column".into()))?;
            let items = l.value(i);
            Value::Array(
                (0..items.len())
                    .map(|j| json_value(items.as_ref(), j))
                    .collect::<Result<_>>()?,
            )
        }
        DataType::Boolean => Value::Bool(any.downcast_ref::<BooleanArray>().is_some_and(|b| b.value(i))),
        t => {
            let opts = FormatOptions::default();
            let fmt = ArrayFormatter::try_new(array, &opts).map_err(|e| DuckError::Duck(e.to_string()))?;
            let text = fmt.value(i).to_string();
            match t
                .is_numeric()
                .then(|| serde_json::from_str::<Value>(&text).ok())
                .flatten()
            {
                Some(n @ Value::Number(_)) => n,
                _ => Value::String(text),
            }
        }
    })
}

fn cells(array: &dyn Array, rows: usize, budget: &mut usize) -> Result<Vec<Cell>> {
    // Structs and maps as JSON (their arrow display, `{a: 1}`, is no format a client reads).
    if matches!(array.data_type(), DataType::Struct(_) | DataType::Map(_, _)) {
        return (0..rows)
            .map(|i| {
                if array.is_null(i) {
                    return Ok(Cell::Null);
                }
                let text = json_value(array, i)?.to_string();
                *budget = budget.checked_sub(8 + text.len()).ok_or(DuckError::TooLarge)?;
                Ok(Cell::Text(text))
            })
            .collect();
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_carry_duckdbs_types_and_structs_as_json() {
        let conn = duckdb::Connection::open_in_memory().expect("duckdb");
        let rows = query_on(
            &conn,
            "SELECT {'a': 1, 'b': ['x', NULL]} st, MAP {'k': 2.5} mp, 'abc'::BLOB bl, \
             '5f3c7a0e-8d2b-4c1a-9e6f-0123456789ab'::UUID u, TIME '03:04:05' t, TIMESTAMPTZ '2024-01-02 03:04:05+00' tz",
        )
        .expect("query");
        let types: Vec<&str> = rows.columns.iter().map(|(_, t)| t.as_str()).collect();
        assert!(
            types[0].starts_with("struct(") && types[1].starts_with("map("),
            "{types:?}"
        );
        assert_eq!(&types[2..5], ["blob", "uuid", "time"]);
        assert_eq!(types[5], "timestamp with time zone");
        let text: Vec<String> = rows.rows[0]
            .iter()
            .map(|c| match c {
                Cell::Text(t) => t.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(text[0], r#"{"a":1,"b":["x",null]}"#);
        assert_eq!(text[1], r#"{"k":2.5}"#);
        assert_eq!(text[2], "616263");
        assert_eq!(text[3], "5f3c7a0e-8d2b-4c1a-9e6f-0123456789ab");
        assert!(text[5].starts_with("2024-01-02T03:04:05"), "{}", text[5]);
    }
}
