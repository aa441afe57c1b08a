//! Result tables and their renderings.

use serde_json::json;

/// A value in a result.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// BOOLEAN.
    Bool(bool),
    /// BIGINT.
    Int(i64),
    /// VARCHAR.
    Text(String),
    /// VARCHAR[].
    List(Vec<Value>),
}

impl Value {
    /// As DuckDB prints it in a box (lists as `[a, b]`).
    pub fn display(&self) -> String {
        match self {
            Value::Null => "NULL".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Text(s) => s.clone(),
            // DuckDB 1.5 prints text inside lists quoted: ['s3://a', 's3://b'].
            Value::List(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|v| match v {
                        Value::Text(s) => format!("'{s}'"),
                        other => other.display(),
                    })
                    .collect();
                format!("[{}]", parts.join(", "))
            }
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => json!(b),
            Value::Int(i) => json!(i),
            Value::Text(s) => json!(s),
            Value::List(items) => serde_json::Value::Array(items.iter().map(Value::to_json).collect()),
        }
    }
}

/// A column type, as DuckDB names it in a box header. Serialized as its name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ColType {
    /// VARCHAR.
    Varchar,
    /// BOOLEAN.
    Boolean,
    /// BIGINT.
    BigInt,
    /// VARCHAR[].
    VarcharList,
    /// Any other DuckDB type, by its name (from the embedded DuckDB).
    Other(String),
}

impl From<String> for ColType {
    fn from(s: String) -> Self {
        match s.as_str() {
            "varchar" => ColType::Varchar,
            "boolean" => ColType::Boolean,
            "bigint" => ColType::BigInt,
            "varchar[]" => ColType::VarcharList,
            _ => ColType::Other(s),
        }
    }
}

impl From<ColType> for String {
    fn from(c: ColType) -> Self {
        c.name().to_string()
    }
}

impl ColType {
    /// The name DuckDB's box renderer prints under a column header (its physical names for
    /// integers: `int64` for BIGINT, `int32` for INTEGER, ...).
    pub fn box_name(&self) -> &str {
        match self.name() {
            "bigint" => "int64",
            "integer" => "int32",
            "smallint" => "int16",
            "tinyint" => "int8",
            "hugeint" => "int128",
            "ubigint" => "uint64",
            "uinteger" => "uint32",
            "usmallint" => "uint16",
            "utinyint" => "uint8",
            other => other,
        }
    }

    /// Whether values of this type are numbers (DuckDB right-aligns them in a box; JSON
    /// output writes them as numbers, HUGEINT and DECIMAL digit for digit).
    pub fn is_numeric(&self) -> bool {
        let name = self.name();
        let base = name.split('(').next().unwrap_or(name);
        matches!(
            base,
            "tinyint"
                | "smallint"
                | "integer"
                | "bigint"
                | "hugeint"
                | "utinyint"
                | "usmallint"
                | "uinteger"
                | "ubigint"
                | "uhugeint"
                | "float"
                | "double"
                | "decimal"
                | "bignum"
                | "varint"
        )
    }

    /// The SQL type name, lower-case (`varchar`, `bigint`, `varchar[]`, ...).
    pub fn name(&self) -> &str {
        match self {
            ColType::Varchar => "varchar",
            ColType::Boolean => "boolean",
            ColType::BigInt => "bigint",
            ColType::VarcharList => "varchar[]",
            ColType::Other(name) => name,
        }
    }
}

/// A result: named, typed columns and rows.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Table {
    /// Column names and types.
    pub columns: Vec<(String, ColType)>,
    /// Rows, one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// An output format (`--format` / `.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// DuckDB's box drawing.
    #[default]
    Box,
    /// CSV with a header.
    Csv,
    /// A JSON array of objects.
    Json,
    /// `column = value` lines, a blank line between rows.
    Line,
}

impl Format {
    /// Parses `box`, `csv`, `json` or `line`.
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "box" | "duckbox" => Some(Format::Box),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "line" => Some(Format::Line),
            _ => None,
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Table {
    /// A one-column, one-row table (`Success` = true, as DuckDB answers DDL).
    pub fn success() -> Table {
        Table {
            columns: vec![("Success".into(), ColType::Boolean)],
            rows: vec![vec![Value::Bool(true)]],
        }
    }

    /// Renders in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Box => self.render_box(),
            Format::Csv => {
                let mut out = self
                    .columns
                    .iter()
                    .map(|(n, _)| csv_field(n))
                    .collect::<Vec<_>>()
                    .join(",");
                out.push('\n');
                for row in &self.rows {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|v| match v {
                            Value::Null => String::new(),
                            other => csv_field(&other.display()),
                        })
                        .collect();
                    out.push_str(&cells.join(","));
                    out.push('\n');
                }
                out
            }
            Format::Json => {
                let mut out = String::from("[");
                for (i, row) in self.rows.iter().enumerate() {
                    out.push_str(if i == 0 { "\n  {" } else { ",\n  {" });
                    for (j, ((name, ty), v)) in self.columns.iter().zip(row).enumerate() {
                        out.push_str(if j == 0 { "\n    " } else { ",\n    " });
                        out.push_str(&serde_json::Value::from(name.as_str()).to_string());
                        out.push_str(": ");
                        out.push_str(&json_token(ty, v));
                    }
                    out.push_str("\n  }");
                }
                out.push_str(if self.rows.is_empty() { "]\n" } else { "\n]\n" });
                out
            }
            Format::Line => {
                let width = self.columns.iter().map(|(n, _)| n.chars().count()).max().unwrap_or(0);
                let mut out = String::new();
                for (i, row) in self.rows.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    for ((name, _), v) in self.columns.iter().zip(row) {
                        out.push_str(&format!("{name:>width$} = {}\n", v.display()));
                    }
                }
                out
            }
        }
    }

    /// One line of JSON: `{"ok":true,"columns":[{"name":..,"type":..}],"rows":[[..]]}`.
    pub fn render_jsonl(&self) -> String {
        let columns: Vec<serde_json::Value> = self
            .columns
            .iter()
            .map(|(n, t)| json!({"name": n, "type": t.name()}))
            .collect();
        let rows: Vec<String> = self
            .rows
            .iter()
            .map(|r| {
                let cells: Vec<String> = self.columns.iter().zip(r).map(|((_, t), v)| json_token(t, v)).collect();
                format!("[{}]", cells.join(","))
            })
            .collect();
        // Rows written by hand: numbers (HUGEINT, DECIMAL) go out digit for digit.
        format!(
            "{{\"ok\":true,\"columns\":{},\"rows\":[{}]}}\n",
            serde_json::Value::Array(columns),
            rows.join(",")
        )
    }

    fn render_box(&self) -> String {
        let n = self.columns.len();
        let mut widths: Vec<usize> = self
            .columns
            .iter()
            .map(|(name, ty)| name.chars().count().max(ty.box_name().len()))
            .collect();
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(Value::display).collect())
            .collect();
        for row in &cells {
            for (i, c) in row.iter().enumerate().take(n) {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        let line = |l: &str, m: &str, r: &str| {
            let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
            format!("{l}{}{r}\n", parts.join(m))
        };
        let center = |s: &str, w: usize| {
            let len = s.chars().count();
            let left = (w - len) / 2;
            format!("{}{s}{}", " ".repeat(left), " ".repeat(w - len - left))
        };
        let mut out = line("┌", "┬", "┐");
        let names: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (nm, _))| center(nm, widths[i]))
            .collect();
        out.push_str(&format!("│ {} │\n", names.join(" │ ")));
        let types: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, t))| center(t.box_name(), widths[i]))
            .collect();
        out.push_str(&format!("│ {} │\n", types.join(" │ ")));
        out.push_str(&line("├", "┼", "┤"));
        if cells.is_empty() {
            let total: usize = widths.iter().map(|w| w + 3).sum::<usize>() - 1;
            out.push_str(&format!("│{}│\n", center("0 rows", total)));
        }
        for (row, vals) in cells.iter().zip(&self.rows) {
            let parts: Vec<String> = row
                .iter()
                .zip(vals)
                .zip(&self.columns)
                .enumerate()
                .map(|(i, ((c, v), (_, ty)))| match v {
                    Value::Int(_) => format!("{c:>w$}", w = widths[i]),
                    Value::Text(_) if ty.is_numeric() => format!("{c:>w$}", w = widths[i]),
                    _ => format!("{c:<w$}", w = widths[i]),
                })
                .collect();
            out.push_str(&format!("│ {} │\n", parts.join(" │ ")));
        }
        out.push_str(&line("└", "┴", "┘"));
        out
    }
}

/// `v` of a column of type `ty` as one JSON value: a number column's text (HUGEINT, DECIMAL,
/// DOUBLE) as the number it spells, digit for digit; `nan`/`inf` and other text as strings.
fn json_token(ty: &ColType, v: &Value) -> String {
    match v {
        Value::Text(t) if ty.is_numeric() && is_json_number(t) => t.clone(),
        other => other.to_json().to_string(),
    }
}

/// Whether `t` is a number in JSON's grammar (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`),
/// of any length (a BIGNUM has hundreds of digits).
fn is_json_number(t: &str) -> bool {
    fn digits(s: &str) -> (&str, usize) {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (&s[n..], n)
    }
    let s = t.strip_prefix('-').unwrap_or(t);
    let (mut s, n) = digits(s);
    if n == 0 || (n > 1 && t.trim_start_matches('-').starts_with('0')) {
        return false;
    }
    if let Some(frac) = s.strip_prefix('.') {
        let (rest, n) = digits(frac);
        if n == 0 {
            return false;
        }
        s = rest;
    }
    if let Some(exp) = s.strip_prefix(['e', 'E']) {
        let (rest, n) = digits(exp.strip_prefix(['+', '-']).unwrap_or(exp));
        if n == 0 {
            return false;
        }
        s = rest;
    }
    s.is_empty()
}

/// Unix milliseconds as DuckDB prints a TIMESTAMP: `2026-11-23 13:40:15.123`.
pub fn timestamp(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3]");
    t.format(&f).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders() {
        let t = Table {
            columns: vec![
                ("name".into(), ColType::Varchar),
                ("scope".into(), ColType::VarcharList),
            ],
            rows: vec![vec![
                Value::Text("s1".into()),
                Value::List(vec![Value::Text("s3://a".into())]),
            ]],
        };
        assert_eq!(
            t.render(Format::Box),
            "┌─────────┬────────────┐\n│  name   │   scope    │\n│ varchar │ varchar[]  │\n├─────────┼────────────┤\n│ s1      │ ['s3://a'] │\n└─────────┴────────────┘\n"
        );
        assert_eq!(t.render(Format::Csv), "name,scope\ns1,['s3://a']\n");
        assert_eq!(t.render(Format::Line), " name = s1\nscope = ['s3://a']\n");
        assert_eq!(
            t.render(Format::Json),
            "[\n  {\n    \"name\": \"s1\",\n    \"scope\": [\"s3://a\"]\n  }\n]\n"
        );
    }

    #[test]
    fn numbers_keep_every_digit_and_align_right() {
        let t = Table {
            columns: vec![
                ("h".into(), ColType::from("hugeint".to_string())),
                ("d".into(), ColType::from("double".to_string())),
                ("s".into(), ColType::Varchar),
            ],
            rows: vec![
                vec![
                    Value::Text("170141183460469231731687303715884105727".into()),
                    Value::Text("nan".into()),
                    Value::Text("1".into()),
                ],
                vec![Value::Text("-1".into()), Value::Text("1.5".into()), Value::Null],
            ],
        };
        let json = t.render(Format::Json);
        assert!(
            json.contains("\"h\": 170141183460469231731687303715884105727,"),
            "{json}"
        );
        assert!(json.contains("\"d\": \"nan\""), "{json}");
        assert!(json.contains("\"s\": \"1\""), "{json}");
        assert!(json.contains("\"s\": null"), "{json}");
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(parsed.as_array().map(Vec::len), Some(2));
        let line = t.render_jsonl();
        assert!(
            line.contains("[170141183460469231731687303715884105727,\"nan\",\"1\"]"),
            "{line}"
        );
        serde_json::from_str::<serde_json::Value>(&line).expect("valid JSON line");
        assert_eq!(Table::default().render(Format::Json), "[]\n");
        for (t, ok) in [
            ("0", true),
            ("-1.5e+38", true),
            ("3.4028235E38", true),
            ("01", false),
            ("1.", false),
            (".5", false),
            ("nan", false),
            ("-inf", false),
            ("1e", false),
            ("", false),
        ] {
            assert_eq!(is_json_number(t), ok, "{t}");
        }
        let boxed = t.render(Format::Box);
        assert!(boxed.contains("│                                      -1 │"), "{boxed}");
        assert!(boxed.contains("int128"), "{boxed}");
    }
}
