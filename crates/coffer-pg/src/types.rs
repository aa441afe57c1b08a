//! Result columns as PostgreSQL types, and their values in text or binary format.
//!
//! Values arrive as coffer's SQL results: DuckDB's own text for every type coffer does not model
//! (`Value::Text` under `ColType::Other("date")`), booleans, integers and lists. The text format
//! sends DuckDB's text where PostgreSQL's type allows it; the binary format parses it back into
//! the type (a value that does not parse goes out as text under a `text` column instead).

use coffer_sql::{ColType, Value};
use pgwire::api::results::{DataRowEncoder, FieldFormat, FieldInfo};
use pgwire::api::Type;
use pgwire::error::PgWireResult;

/// The PostgreSQL type of a column DuckDB types `name` (lower-case).
pub(crate) fn pg_type(col: &ColType) -> Type {
    let name = col.name();
    let base = name.split('(').next().unwrap_or(name).trim();
    match base {
        "varchar" | "text" | "string" | "char" | "bpchar" | "enum" => Type::TEXT,
        "boolean" | "bool" => Type::BOOL,
        "tinyint" | "smallint" | "utinyint" => Type::INT2,
        "integer" | "int" | "usmallint" => Type::INT4,
        "bigint" | "uinteger" => Type::INT8,
        "hugeint" | "uhugeint" | "ubigint" | "decimal" | "numeric" | "varint" | "bignum" => Type::NUMERIC,
        "float" | "real" => Type::FLOAT4,
        "double" => Type::FLOAT8,
        "date" => Type::DATE,
        "timestamp" | "timestamp_ms" | "timestamp_ns" | "timestamp_s" | "datetime" => Type::TIMESTAMP,
        "timestamp with time zone" | "timestamptz" => Type::TIMESTAMPTZ,
        "time" => Type::TIME,
        "interval" => Type::INTERVAL,
        "blob" | "bytea" | "binary" | "largebinary" | "binaryview" | "fixedsizebinary" => Type::BYTEA,
        "uuid" => Type::UUID,
        "json" => Type::JSON,
        "varchar[]" => Type::TEXT_ARRAY,
        // Other lists, structs, maps, unions and BITs go as DuckDB's text (`{'a': 1}`, `[1, 2]`),
        // which is neither PostgreSQL's array syntax nor JSON.
        _ => Type::TEXT,
    }
}

/// The fields of a result with these columns, in `format`.
pub(crate) fn fields(columns: &[(String, ColType)], format: &pgwire::api::portal::Format) -> Vec<FieldInfo> {
    columns
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| FieldInfo::new(name.clone(), None, None, pg_type(ty), format.format_for(i)))
        .collect()
}

/// DuckDB's text of a value (lists as PostgreSQL's array text `{a,b}`).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(if *b { "t" } else { "f" }.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Text(s) => Some(s.clone()),
        Value::List(items) => Some(array_text(items)),
    }
}

/// A list as PostgreSQL's array literal: `{a,"b c",NULL}`.
fn array_text(items: &[Value]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|v| match v {
            Value::Null => "NULL".to_string(),
            other => {
                let t = text(other).unwrap_or_default();
                let plain = !t.is_empty()
                    && !t.eq_ignore_ascii_case("null")
                    && !t.contains(['"', '\\', ',', '{', '}', ' ', '\t', '\n']);
                if plain {
                    t
                } else {
                    format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""))
                }
            }
        })
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// DuckDB's text of a VARCHAR[] (`[a, NULL, 'b, c', 'it\\'s']`: an item is quoted when it
/// holds a separator, a quote or reads as NULL) as its items.
fn engine_list(t: &str) -> Option<Vec<Option<String>>> {
    let inner = t.strip_prefix('[')?.strip_suffix(']')?;
    let mut items = Vec::new();
    if inner.is_empty() {
        return Some(items);
    }
    let mut chars = inner.chars().peekable();
    loop {
        let item = if chars.peek() == Some(&'\'') {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next()? {
                    '\\' => s.push(chars.next()?),
                    '\'' => break,
                    c => s.push(c),
                }
            }
            Some(s)
        } else {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                s.push(c);
                chars.next();
            }
            (s != "NULL").then_some(s)
        };
        items.push(item);
        match chars.next() {
            None => return Some(items),
            Some(',') if chars.next() == Some(' ') => {}
            Some(_) => return None,
        }
    }
}

fn list_strings(v: &Value) -> Option<Vec<Option<String>>> {
    if let Value::Text(t) = v {
        return engine_list(t);
    }
    match v {
        Value::List(items) => Some(
            items
                .iter()
                .map(|i| match i {
                    Value::Null => None,
                    Value::Text(s) => Some(s.clone()),
                    other => text(other),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// DuckDB's text of a BLOB (`abc\x00\xFF`) as its bytes.
fn blob_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && (b[i + 1] == b'x' || b[i + 1] == b'X') {
            if let Ok(byte) = u8::from_str_radix(&s[i + 2..i + 4], 16) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// PostgreSQL's text of a bytea: `\x6162`.
fn bytea_text(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("\\x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// DuckDB's interval text (`1 year 2 months 3 days 04:05:06.5`, `-00:00:01`) as months, days and
/// microseconds.
fn interval(s: &str) -> Option<(i32, i32, i64)> {
    let (mut months, mut days, mut micros) = (0i32, 0i32, 0i64);
    let words: Vec<&str> = s.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if w.contains(':') {
            let (neg, hms) = w.strip_prefix('-').map_or((false, w), |r| (true, r));
            let mut parts = hms.split(':');
            let h: i64 = parts.next()?.parse().ok()?;
            let m: i64 = parts.next()?.parse().ok()?;
            let sec: f64 = parts.next()?.parse().ok()?;
            let total = h * 3_600_000_000 + m * 60_000_000 + (sec * 1_000_000.0).round() as i64;
            micros += if neg { -total } else { total };
            i += 1;
            continue;
        }
        let unit = words.get(i + 1)?.trim_end_matches('s');
        match unit {
            "year" => months += w.parse::<i32>().ok()? * 12,
            "mon" | "month" => months += w.parse::<i32>().ok()?,
            "day" => days += w.parse::<i32>().ok()?,
            "hour" => micros += w.parse::<i64>().ok()? * 3_600_000_000,
            "min" | "minute" => micros += w.parse::<i64>().ok()? * 60_000_000,
            "sec" | "second" => micros += (w.parse::<f64>().ok()? * 1_000_000.0).round() as i64,
            _ => return None,
        }
        i += 2;
    }
    Some((months, days, micros))
}

/// An interval as PostgreSQL prints it (`1 year 2 mons 3 days 04:05:06.5`).
fn interval_text(months: i32, days: i32, micros: i64) -> String {
    let mut parts = Vec::new();
    let plural = |n: i64, one: &str| format!("{n} {one}{}", if n.abs() == 1 { "" } else { "s" });
    if months / 12 != 0 {
        parts.push(plural(i64::from(months / 12), "year"));
    }
    if months % 12 != 0 {
        parts.push(plural(i64::from(months % 12), "mon"));
    }
    if days != 0 {
        parts.push(plural(i64::from(days), "day"));
    }
    if micros != 0 || parts.is_empty() {
        let sign = if micros < 0 { "-" } else { "" };
        let m = micros.unsigned_abs();
        let (h, rest) = (m / 3_600_000_000, m % 3_600_000_000);
        let (min, rest) = (rest / 60_000_000, rest % 60_000_000);
        let (sec, frac) = (rest / 1_000_000, rest % 1_000_000);
        let mut t = format!("{sign}{h:02}:{min:02}:{sec:02}");
        if frac != 0 {
            t.push_str(format!(".{frac:06}").trim_end_matches('0'));
        }
        parts.push(t);
    }
    parts.join(" ")
}

/// Arrow's display of a TIMESTAMPTZ (`2024-01-02T03:04:05Z`, `...+02:00`) as PostgreSQL writes
/// it (`2024-01-02 03:04:05+00`).
fn timestamptz_text(t: &str) -> String {
    let t = t.replacen('T', " ", 1);
    match t.strip_suffix('Z') {
        Some(rest) => format!("{rest}+00"),
        None => t,
    }
}

/// Writes `v` as field `i` of `field`'s type and format.
pub(crate) fn encode(enc: &mut DataRowEncoder, field: &FieldInfo, v: &Value) -> PgWireResult<()> {
    let ty = field.datatype().clone();
    let format = field.format();
    let Some(t) = text(v) else {
        return enc.encode_field_with_type_and_format(&None::<String>, &ty, format, field.format_options());
    };
    if format == FieldFormat::Text {
        let t = match ty {
            Type::TEXT_ARRAY => match v {
                Value::Text(_) => array_text(
                    &list_strings(v)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|i| i.map_or(Value::Null, Value::Text))
                        .collect::<Vec<_>>(),
                ),
                _ => t,
            },
            Type::BYTEA => bytea_text(&blob_bytes(&t)),
            Type::INTERVAL => interval(&t).map_or(t, |(m, d, us)| interval_text(m, d, us)),
            Type::TIMESTAMP => t.replacen('T', " ", 1),
            Type::TIMESTAMPTZ => timestamptz_text(&t),
            Type::BOOL => match v {
                Value::Bool(_) => t,
                _ => {
                    if t == "true" {
                        "t".into()
                    } else if t == "false" {
                        "f".into()
                    } else {
                        t
                    }
                }
            },
            _ => t,
        };
        return enc.encode_field_with_type_and_format(&t, &Type::TEXT, format, field.format_options());
    }
    let opts = field.format_options();
    macro_rules! put {
        ($val:expr) => {
            enc.encode_field_with_type_and_format(&$val, &ty, format, opts)
        };
    }
    let bad = || pgwire::error::PgWireError::ApiError(format!("cannot send {t:?} as {ty} in binary format").into());
    match ty {
        Type::BOOL => put!(matches!(v, Value::Bool(true)) || t == "true" || t == "t"),
        Type::INT2 => put!(t.parse::<i16>().map_err(|_| bad())?),
        Type::INT4 => put!(t.parse::<i32>().map_err(|_| bad())?),
        Type::INT8 => put!(t.parse::<i64>().map_err(|_| bad())?),
        Type::FLOAT4 => put!(t.parse::<f32>().map_err(|_| bad())?),
        Type::FLOAT8 => put!(t.parse::<f64>().map_err(|_| bad())?),
        Type::NUMERIC => put!(t.parse::<rust_decimal::Decimal>().map_err(|_| bad())?),
        Type::DATE => put!(chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| bad())?),
        Type::TIME => put!(chrono::NaiveTime::parse_from_str(&t, "%H:%M:%S%.f").map_err(|_| bad())?),
        Type::TIMESTAMP => put!(chrono::NaiveDateTime::parse_from_str(
            &t.replacen('T', " ", 1),
            "%Y-%m-%d %H:%M:%S%.f"
        )
        .map_err(|_| bad())?),
        Type::TIMESTAMPTZ => {
            // DuckDB prints `2024-01-02 03:04:05.123+00` (the session's zone, UTC here).
            let t = timestamptz_text(&t);
            let b = t.as_bytes();
            let n = b.len();
            let hours_only =
                n >= 3 && matches!(b[n - 3], b'+' | b'-') && b[n - 2].is_ascii_digit() && b[n - 1].is_ascii_digit();
            let with_minutes = if hours_only { format!("{t}:00") } else { t.clone() };
            let parsed =
                chrono::DateTime::parse_from_str(&with_minutes, "%Y-%m-%d %H:%M:%S%.f%:z").map_err(|_| bad())?;
            put!(parsed.with_timezone(&chrono::Utc))
        }
        Type::BYTEA => put!(blob_bytes(&t)),
        Type::JSON => {
            put!(serde_json::from_str::<serde_json::Value>(&t).unwrap_or(serde_json::Value::String(t.clone())))
        }
        Type::TEXT_ARRAY => put!(list_strings(v).unwrap_or_default()),
        Type::UUID => {
            let hex: String = t.chars().filter(|c| *c != '-').collect();
            let mut bytes = Vec::with_capacity(16);
            for i in (0..hex.len()).step_by(2) {
                bytes.push(u8::from_str_radix(hex.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?);
            }
            if bytes.len() != 16 {
                return Err(bad());
            }
            enc.encode_field_with_type_and_format(&bytes, &Type::BYTEA, format, opts)
        }
        Type::INTERVAL => {
            let (months, days, micros) = interval(&t).ok_or_else(bad)?;
            let mut bytes = Vec::with_capacity(16);
            bytes.extend_from_slice(&micros.to_be_bytes());
            bytes.extend_from_slice(&days.to_be_bytes());
            bytes.extend_from_slice(&months.to_be_bytes());
            enc.encode_field_with_type_and_format(&bytes, &Type::BYTEA, format, opts)
        }
        _ => put!(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duckdb_types_map_to_postgres_types() {
        for (duck, pg) in [
            ("varchar", Type::TEXT),
            ("boolean", Type::BOOL),
            ("integer", Type::INT4),
            ("bigint", Type::INT8),
            ("hugeint", Type::NUMERIC),
            ("decimal(18,3)", Type::NUMERIC),
            ("double", Type::FLOAT8),
            ("date", Type::DATE),
            ("timestamp", Type::TIMESTAMP),
            ("timestamp with time zone", Type::TIMESTAMPTZ),
            ("interval", Type::INTERVAL),
            ("blob", Type::BYTEA),
            ("uuid", Type::UUID),
            ("varchar[]", Type::TEXT_ARRAY),
            ("integer[]", Type::TEXT),
            ("struct(a integer)", Type::TEXT),
            ("map(varchar, integer)", Type::TEXT),
            ("json", Type::JSON),
            ("bit", Type::TEXT),
        ] {
            assert_eq!(pg_type(&ColType::from(duck.to_string())), pg, "{duck}");
        }
    }

    #[test]
    fn texts_follow_postgres() {
        assert_eq!(
            array_text(&[Value::Text("s3://a".into()), Value::Text("b c".into()), Value::Null]),
            r#"{s3://a,"b c",NULL}"#
        );
        assert_eq!(blob_bytes("ab\\x00\\xFFc"), [b'a', b'b', 0, 255, b'c']);
        assert_eq!(blob_bytes("616263"), b"616263");
        assert_eq!(
            engine_list("[a, b c, NULL]"),
            Some(vec![Some("a".into()), Some("b c".into()), None])
        );
        // DuckDB 1.5.5's text of ['NULL', 'b c', 'a,b', '', 'x''y', 'back\slash', '[', '"q"', NULL].
        assert_eq!(
            engine_list(r#"['NULL', b c, 'a,b', '', 'x\'y', back\slash, '[', '"q"', NULL]"#),
            Some(vec![
                Some("NULL".into()),
                Some("b c".into()),
                Some("a,b".into()),
                Some(String::new()),
                Some("x'y".into()),
                Some("back\\slash".into()),
                Some("[".into()),
                Some("\"q\"".into()),
                None
            ])
        );
        assert_eq!(engine_list("[]"), Some(vec![]));
        assert_eq!(engine_list("['unterminated]"), None);
        assert_eq!(bytea_text(b"ab"), "\\x6162");
        assert_eq!(
            interval("1 year 2 months 3 days 04:05:06.5"),
            Some((14, 3, 14_706_500_000))
        );
        assert_eq!(interval("-00:00:01"), Some((0, 0, -1_000_000)));
        assert_eq!(interval("00:00:00"), Some((0, 0, 0)));
        let arrow = interval("12 mons 3 days 4 hours 1.500000000 secs").expect("arrow's display");
        assert_eq!(arrow, (12, 3, 14_401_500_000));
        assert_eq!(interval_text(arrow.0, arrow.1, arrow.2), "1 year 3 days 04:00:01.5");
        assert_eq!(interval_text(0, 0, 0), "00:00:00");
        assert_eq!(timestamptz_text("2024-01-02T03:04:05Z"), "2024-01-02 03:04:05+00");
        assert_eq!(
            timestamptz_text("2024-01-02T03:04:05.5+02:00"),
            "2024-01-02 03:04:05.5+02:00"
        );
    }
}
