//! Values in statements: SQL literals and `CREATE SECRET` options as coffer's input values,
//! the error for what coffer does not handle, and the `Count` table of a write.

use crate::create_secret::OptionValue;
use crate::error::{Result, SqlError};
use crate::table::{ColType, Table, Value};
use coffer_crypto::SecretString;
use coffer_model::InputValue;
use sqlparser::ast::{Expr, ObjectName, Value as AstValue};

pub(super) fn not_handled(what: &str) -> SqlError {
    SqlError::Unsupported(format!(
        "{what}: a statement that names secrets (CREATE/DROP SECRET, duckdb_secrets(), which_secret(), duckdb.secrets, md_ functions) is coffer's own and never goes to the embedded DuckDB; coffer evaluates a SELECT over one of them with literal arguments, WHERE, ORDER BY and LIMIT, without joins, subqueries or WITH; select from the function alone (SELECT * FROM which_secret('s3://bucket/x', 's3')) and do the rest in a separate statement"
    ))
}

pub(super) fn object_is(name: &ObjectName, want: &[&str]) -> bool {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| p.to_string().trim_matches('"').to_ascii_lowercase())
        .collect();
    parts.len() == want.len() && parts.iter().zip(want).all(|(a, b)| a == b)
}

pub(super) fn literal(e: &Expr) -> Result<Option<InputValue>> {
    match e {
        Expr::Value(v) => Ok(match &v.value {
            AstValue::SingleQuotedString(s) | AstValue::DoubleQuotedString(s) | AstValue::EscapedStringLiteral(s) => {
                Some(InputValue::Text(SecretString::new(s.clone())))
            }
            AstValue::Boolean(b) => Some(InputValue::Bool(*b)),
            AstValue::Number(n, _) => Some(match n.parse::<i64>() {
                Ok(i) => InputValue::Int(i),
                Err(_) => InputValue::Text(SecretString::new(n.clone())),
            }),
            AstValue::Null => None,
            other => {
                return Err(SqlError::Semantic(format!(
                    "unsupported value {other}; use a 'string', a number, TRUE/FALSE or NULL"
                )))
            }
        }),
        Expr::Nested(inner) => literal(inner),
        _ => Err(SqlError::Semantic(
            "VALUES and SET take literal values ('string', number, TRUE/FALSE, NULL)".into(),
        )),
    }
}

/// The text of a public column's value (a name, a type, a scope): handed over, not copied.
pub(super) fn text_of(v: Option<InputValue>) -> Option<String> {
    match v {
        Some(InputValue::Text(s)) => Some(s.declassify()),
        Some(InputValue::Int(i)) => Some(i.to_string()),
        Some(InputValue::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn option_input(key: &str, v: OptionValue) -> Result<InputValue> {
    Ok(match v {
        OptionValue::Text(s) => InputValue::Text(s),
        OptionValue::Number(n) => match n.parse::<i64>() {
            Ok(i) => InputValue::Int(i),
            Err(_) => InputValue::Text(SecretString::new(n)),
        },
        OptionValue::Bool(b) => InputValue::Bool(b),
        // Evaluated before (Session::eval_constant); a map's value cannot be one.
        OptionValue::Expr(_) => {
            return Err(SqlError::Semantic(format!(
                "option '{key}': a map value must be a literal ('string', number, TRUE/FALSE)"
            )))
        }
        OptionValue::Null => {
            return Err(SqlError::Semantic(format!(
                "option '{key}' is NULL; leave it out instead"
            )))
        }
        OptionValue::List(_) => {
            return Err(SqlError::Semantic(format!(
                "option '{key}' takes a single value, not a list"
            )))
        }
        OptionValue::Map(entries) => InputValue::Map(
            entries
                .into_iter()
                .map(|(k, v)| match v {
                    OptionValue::Text(s) => Ok((k, s)),
                    OptionValue::Number(n) => Ok((k, SecretString::new(n))),
                    OptionValue::Bool(b) => Ok((k, SecretString::new(b.to_string()))),
                    _ => Err(SqlError::Semantic(format!(
                        "the map of option '{key}' takes text values"
                    ))),
                })
                .collect::<Result<Vec<_>>>()?,
        ),
    })
}

pub(super) fn count(n: usize) -> Table {
    Table {
        columns: vec![("Count".into(), ColType::BigInt)],
        rows: vec![vec![Value::Int(n as i64)]],
    }
}
