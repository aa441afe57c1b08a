//! Option values that are constant expressions (`getvariable('x')`, `'a' || 'b'`,
//! `CAST(5 AS VARCHAR)`), evaluated by the session's embedded DuckDB as DuckDB evaluates them
//! when it creates a secret: in the same DuckDB session, so `SET VARIABLE` reaches
//! `getvariable`.

use super::Session;
use crate::error::{Result, SqlError};
use crate::guard;
use crate::split;
use crate::table::Value;
use coffer_crypto::SecretString;

impl Session<'_> {
    /// The value of the expression `expr` given for option `key`, as text (DuckDB's cast to
    /// VARCHAR; each field's rule then reads it, e.g. `'false'::BOOLEAN` as a boolean).
    ///
    /// The expression may hold a secret value: it goes to DuckDB in a zeroized buffer, and no
    /// error repeats it or DuckDB's message about it.
    pub(super) fn eval_constant(&self, key: &str, expr: &SecretString) -> Result<SecretString> {
        let Some(engine) = self.passthrough else {
            return Err(SqlError::Semantic(format!(
                "option '{key}': its value is an expression, which the embedded DuckDB evaluates, and this session has none; write the value as a literal ('string', number, TRUE/FALSE)"
            )));
        };
        self.may_pass()?;
        let mut sql = SecretString::with_capacity(expr.len() + 40);
        sql.push_str("SELECT CAST((");
        sql.push_str(expr.expose_secret());
        sql.push_str(") AS VARCHAR)");
        if self.sandboxed {
            for source in split::split(sql.expose_secret())? {
                guard::check(&source)?;
                guard::check_network(&source, &self.service.net_policy(), &coffer_model::net::resolve_system)?;
            }
        }
        // `evaluate`, not `run`: a data plane refuses a statement naming an s3:// path while
        // the secret for it is not in DuckDB (no httpfs offline), and `'s3://' || 'b'` names
        // one; evaluating a value reads nothing.
        // The engine's message is never shown: DuckDB's may quote the expression.
        let table = engine.evaluate(sql.expose_secret()).map_err(|e| match duckdb_error_class(&e) {
            Some(class) => SqlError::Semantic(format!(
                "Binder Error: option '{key}': DuckDB could not evaluate its value as a constant expression ({class}; literals, casts, functions such as getvariable(); no columns or subqueries)"
            )),
            None => SqlError::Semantic(format!(
                "option '{key}': its value is an expression, and the embedded DuckDB that evaluates it did not run (the engine failed, not the expression; its message is not shown, as it may quote the value); run the statement again, or write the value as a literal"
            )),
        })?;
        match table.rows.into_iter().next().and_then(|r| r.into_iter().next()) {
            Some(Value::Text(t)) => Ok(SecretString::new(t)),
            Some(Value::Int(i)) => Ok(SecretString::new(i.to_string())),
            Some(Value::Bool(b)) => Ok(SecretString::new(b.to_string())),
            Some(Value::Null) => Err(SqlError::Semantic(format!(
                "option '{key}': its expression is NULL; leave the option out instead"
            ))),
            _ => Err(SqlError::Semantic(format!(
                "option '{key}': its expression gave no single text value"
            ))),
        }
    }
}

/// The class of a DuckDB error message (`Binder Error` of `Binder Error: Referenced column
/// ...`), `None` when the message is not DuckDB's (the engine process failed).
fn duckdb_error_class(message: &str) -> Option<&str> {
    let (class, _) = message.split_once(": ")?;
    (class.ends_with(" Error") && class.len() <= 40 && class.bytes().all(|b| b.is_ascii_alphabetic() || b == b' '))
        .then_some(class)
}

#[cfg(test)]
mod tests {
    use super::duckdb_error_class;

    #[test]
    fn duckdb_errors_are_told_from_engine_failures() {
        assert_eq!(
            duckdb_error_class("Binder Error: Referenced column \"x\" not found"),
            Some("Binder Error")
        );
        assert_eq!(
            duckdb_error_class("Parser Error: syntax error at or near \"'\""),
            Some("Parser Error")
        );
        assert_eq!(duckdb_error_class("the engine exited: broken pipe"), None);
        assert_eq!(
            duckdb_error_class("coffer's s3 secret 'a' is not in DuckDB: DuckDB refused it (Error: x)"),
            None
        );
    }
}
