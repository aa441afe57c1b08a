//! `SELECT ... FROM` coffer's table functions: `duckdb_secrets()`, `which_secret()`,
//! `md_access_tokens()`, MotherDuck's flight functions and pg_duckdb's `duckdb.secrets`.

use super::values::{literal, not_handled, object_is};
use super::Session;
use crate::error::{Result, SqlError};
use crate::flights::{self, Func};
use crate::query;
use crate::table::{ColType, Table, Value};
use coffer_core::SecretInfo;
use coffer_model::InputValue;
use sqlparser::ast::{self, Expr, FunctionArg, FunctionArgExpr, ObjectName, SetExpr, TableFactor};

/// `duckdb_secrets()`'s storage column: coffer's persistent store is DuckDB's `local_file`
/// role, but coffer names it `coffer` (README: differences from DuckDB).
fn secrets_row(s: &SecretInfo) -> Vec<Value> {
    vec![
        Value::Text(s.name.clone()),
        Value::Text(s.secret_type.clone()),
        Value::Text(s.provider.clone()),
        Value::Bool(s.persistent),
        Value::Text(s.storage.name().to_string()),
        Value::List(s.scope.iter().map(|x| Value::Text(x.clone())).collect()),
        Value::Text(s.secret_string.clone()),
    ]
}

impl Session<'_> {
    pub(super) fn query(&mut self, q: &ast::Query) -> Result<Table> {
        let select = query::plain_select(q)?;
        let source = match select.from.as_slice() {
            // A SELECT without FROM is plain SQL: the embedded DuckDB's.
            [] => return Err(not_handled("SELECT without FROM")),
            [t] if t.joins.is_empty() => match &t.relation {
                TableFactor::Table { name, args, .. } if object_is(name, &["duckdb_secrets"]) && args.is_some() => {
                    for (n, e) in Self::function_args(args)? {
                        match (n.as_deref(), literal(&e)?) {
                            (Some("redact"), Some(InputValue::Bool(true))) => {}
                            (Some("redact"), _) => {
                                return Err(SqlError::Semantic(
                                    "duckdb_secrets(redact := false): coffer never shows a stored secret value".into(),
                                ))
                            }
                            _ => return Err(SqlError::Semantic("duckdb_secrets() takes only redact := true".into())),
                        }
                    }
                    self.secrets_table()?
                }
                TableFactor::Table { name, args, .. } if object_is(name, &["which_secret"]) && args.is_some() => {
                    let a = Self::function_args(args)?;
                    let [(None, path), (None, ty)] = a.as_slice() else {
                        return Err(SqlError::Semantic(
                            "which_secret takes two arguments: which_secret('path', 'type')".into(),
                        ));
                    };
                    let path = Self::string_arg(path, "which_secret's path")?;
                    let ty = Self::string_arg(ty, "which_secret's type")?;
                    // DuckDB answers no rows for a type it does not know.
                    let found = if coffer_model::types::lookup(&ty).is_some() {
                        self.service.which_secret(&self.caller, &self.project, &path, &ty)?
                    } else {
                        None
                    };
                    Table {
                        columns: vec![
                            ("name".into(), ColType::Varchar),
                            ("persistent".into(), ColType::Varchar),
                            ("storage".into(), ColType::Varchar),
                        ],
                        rows: found
                            .into_iter()
                            .map(|w| vec![Value::Text(w.name), Value::Text(w.persistent), Value::Text(w.storage)])
                            .collect(),
                    }
                }
                TableFactor::Table { name, args: None, .. } if object_is(name, &["duckdb", "secrets"]) => {
                    self.pg_table()?
                }
                TableFactor::Table {
                    name, args: Some(args), ..
                } if Func::lookup(name).is_some() => return self.flight_query(q, name, args),
                TableFactor::Table { name, args, .. } if object_is(name, &["coffer_sources"]) && args.is_some() => {
                    if !Self::function_args(args)?.is_empty() {
                        return Err(SqlError::Semantic("coffer_sources() takes no arguments".into()));
                    }
                    self.sources_table()?
                }
                TableFactor::Table { name, args, .. } if object_is(name, &["md_access_tokens"]) => {
                    if !Self::function_args(args)?.is_empty() {
                        return Err(SqlError::Semantic("md_access_tokens() takes no arguments".into()));
                    }
                    self.tokens_table()?
                }
                other => return Err(not_handled(&format!("FROM {other}"))),
            },
            _ => return Err(not_handled("joins and several FROM items")),
        };
        query::run(q, &source)
    }

    /// A flight function in `FROM`: the query's columns and clauses are checked against the
    /// function's columns before a function with effects runs, so that a typo in the SELECT
    /// does not create, change or start anything.
    fn flight_query(&self, q: &ast::Query, name: &ObjectName, args: &ast::TableFunctionArgs) -> Result<Table> {
        let Some(func) = Func::lookup(name) else {
            return Err(not_handled(&format!("FROM {name}")));
        };
        if func.has_effects() {
            let columns = func.columns();
            let probe = Table {
                rows: vec![vec![Value::Null; columns.len()]],
                columns,
            };
            // The WHERE, then the rest on a row the WHERE cannot drop.
            query::run(q, &probe)?;
            let mut unfiltered = q.clone();
            if let SetExpr::Select(s) = unfiltered.body.as_mut() {
                s.selection = None;
            }
            query::run(&unfiltered, &probe)?;
        }
        let source = flights::call(&self.flight_ctx(), func, &args.args)?;
        query::run(q, &source)
    }

    fn function_args(args: &Option<ast::TableFunctionArgs>) -> Result<Vec<(Option<String>, Expr)>> {
        let Some(args) = args else { return Ok(Vec::new()) };
        args.args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok((None, e.clone())),
                FunctionArg::Named {
                    name,
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => Ok((Some(name.value.to_ascii_lowercase()), e.clone())),
                other => Err(SqlError::Semantic(format!("unsupported argument {other}"))),
            })
            .collect()
    }

    fn string_arg(e: &Expr, what: &str) -> Result<String> {
        match literal(e)? {
            // A path or a type, not a value: handed over, not copied.
            Some(InputValue::Text(s)) => Ok(s.declassify()),
            _ => Err(SqlError::Semantic(format!("{what} must be a 'string'"))),
        }
    }

    fn secrets_table(&self) -> Result<Table> {
        let rows = self
            .service
            .list_secrets(&self.caller, &self.project)?
            .iter()
            .map(secrets_row)
            .collect();
        Ok(Table {
            columns: vec![
                ("name".into(), ColType::Varchar),
                ("type".into(), ColType::Varchar),
                ("provider".into(), ColType::Varchar),
                ("persistent".into(), ColType::Boolean),
                ("storage".into(), ColType::Varchar),
                ("scope".into(), ColType::VarcharList),
                ("secret_string".into(), ColType::Varchar),
            ],
            rows,
        })
    }

    /// MotherDuck's `md_access_tokens()`: the tokens the caller may see, never the tokens.
    fn tokens_table(&self) -> Result<Table> {
        let opt_ts = |v: Option<i64>| v.map_or(Value::Null, |ms| Value::Text(crate::table::timestamp(ms)));
        let rows = self
            .service
            .list_tokens(&self.caller)?
            .into_iter()
            .map(|t| {
                vec![
                    Value::Text(t.token_name),
                    Value::Text(t.owner),
                    Value::Text(t.owner_kind),
                    Value::Text(crate::table::timestamp(t.created_at)),
                    opt_ts(t.last_used_at),
                    opt_ts(t.expires_at),
                    Value::Text(t.status),
                ]
            })
            .collect();
        Ok(Table {
            columns: vec![
                ("token_name".into(), ColType::Varchar),
                ("owner".into(), ColType::Varchar),
                ("owner_kind".into(), ColType::Varchar),
                ("created_at".into(), ColType::Other("TIMESTAMP".into())),
                ("last_used_at".into(), ColType::Other("TIMESTAMP".into())),
                ("expires_at".into(), ColType::Other("TIMESTAMP".into())),
                ("status".into(), ColType::Varchar),
            ],
            rows,
        })
    }
}
