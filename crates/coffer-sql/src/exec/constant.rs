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
        let table = engine.run(sql.expose_secret()).map_err(|_| {
            SqlError::Semantic(format!(
                "Binder Error: option '{key}': DuckDB could not evaluate its value as a constant expression (literals, casts, functions such as getvariable(); no columns or subqueries)"
            ))
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
