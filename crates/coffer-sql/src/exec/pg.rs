//! pg_duckdb's `duckdb.secrets` table over coffer's persistent secrets: its rows, and
//! `INSERT`, `UPDATE` and `DELETE` on it.

use super::values::{count, literal, not_handled, object_is, text_of};
use super::Session;
use crate::error::{Result, SqlError};
use crate::parse::{self, Statement};
use crate::query;
use crate::split;
use crate::table::{ColType, Table, Value};
use coffer_core::{CreateRequest, OnConflict, SecretInfo, SecretUpdate};
use coffer_model::{types, FieldValue, InputValue, Storage};
use sqlparser::ast::{self, Expr, FromTable, ObjectName, SetExpr, TableFactor, TableObject};

/// pg_duckdb's `duckdb.secrets` columns (seed 000), in its order.
const PG_COLUMNS: &[(&str, ColType)] = &[
    ("name", ColType::Varchar),
    ("type", ColType::Varchar),
    ("key_id", ColType::Varchar),
    ("secret", ColType::Varchar),
    ("session_token", ColType::Varchar),
    ("region", ColType::Varchar),
    ("endpoint", ColType::Varchar),
    ("r2_account_id", ColType::Varchar),
    ("use_ssl", ColType::Boolean),
    ("scope", ColType::Varchar),
    // Added by later pg_duckdb versions.
    ("url_style", ColType::Varchar),
    ("connection_string", ColType::Varchar),
];

/// pg_duckdb's types, as its check constraint lists them, plus Azure (seed 000).
const PG_TYPES: &[&str] = &["S3", "GCS", "R2", "AZURE"];

fn pg_field(s: &SecretInfo, field: &str) -> Value {
    if s.sensitive_keys.iter().any(|k| k == field) {
        return Value::Text("redacted".into());
    }
    match s.fields.get(field) {
        None => Value::Null,
        Some(FieldValue::Bool(b)) => Value::Bool(*b),
        Some(FieldValue::Int(i)) => Value::Text(i.to_string()),
        Some(v) => Value::Text(v.to_display()),
    }
}

/// The pg_duckdb column a coffer field answers to, per type: Azure keeps its account name in
/// `key_id` and its connection string in `secret`.
fn pg_to_field(ty: &str, column: &str) -> String {
    match (ty, column) {
        ("azure", "key_id") => "account_name".into(),
        ("azure", "secret" | "connection_string") => "connection_string".into(),
        ("r2", "r2_account_id") => "account_id".into(),
        (_, c) => c.to_string(),
    }
}

fn pg_row(s: &SecretInfo) -> Vec<Value> {
    let ty = s.secret_type.as_str();
    let default_scopes: Vec<String> = types::lookup(ty)
        .map(|t| t.default_scopes.iter().map(|x| x.to_string()).collect())
        .unwrap_or_default();
    let scope = if s.scope == default_scopes {
        Value::Null
    } else {
        Value::Text(s.scope.join(","))
    };
    let use_ssl = match s.fields.get("use_ssl") {
        Some(FieldValue::Bool(b)) => Value::Bool(*b),
        _ => Value::Bool(true),
    };
    vec![
        Value::Text(s.name.clone()),
        Value::Text(ty.to_ascii_uppercase()),
        pg_field(s, &pg_to_field(ty, "key_id")),
        pg_field(s, &pg_to_field(ty, "secret")),
        pg_field(s, "session_token"),
        pg_field(s, "region"),
        pg_field(s, "endpoint"),
        pg_field(s, &pg_to_field(ty, "r2_account_id")),
        use_ssl,
        scope,
        pg_field(s, "url_style"),
        pg_field(s, "connection_string"),
    ]
}

impl Session<'_> {
    pub(super) fn pg_table(&self) -> Result<Table> {
        let rows = self
            .service
            .list_secrets(&self.caller, &self.project)?
            .iter()
            .filter(|s| s.persistent && PG_TYPES.iter().any(|t| t.eq_ignore_ascii_case(&s.secret_type)))
            .map(pg_row)
            .collect();
        Ok(Table {
            columns: PG_COLUMNS.iter().map(|(n, t)| (n.to_string(), t.clone())).collect(),
            rows,
        })
    }

    fn pg_target(name: &ObjectName) -> Result<()> {
        if object_is(name, &["duckdb", "secrets"]) {
            Ok(())
        } else {
            Err(not_handled(&format!("a write to {name}")))
        }
    }

    /// One `INSERT` row into a create request; `None` values are left out.
    fn pg_request(&self, columns: &[String], row: &[Expr]) -> Result<CreateRequest> {
        if row.len() != columns.len() {
            return Err(SqlError::Semantic(format!(
                "INSERT has {} columns but a row has {} values",
                columns.len(),
                row.len()
            )));
        }
        let mut name = None;
        let mut ty = None;
        let mut scopes = Vec::new();
        let mut values = Vec::new();
        for (col, e) in columns.iter().zip(row) {
            let v = literal(e)?;
            match col.as_str() {
                "name" => name = text_of(v),
                "type" => ty = text_of(v),
                "scope" => scopes.extend(text_of(v)),
                c if PG_COLUMNS.iter().any(|(n, _)| *n == c) => {
                    if let Some(v) = v {
                        values.push((c.to_string(), v));
                    }
                }
                c => {
                    let valid: Vec<&str> = PG_COLUMNS.iter().map(|(n, _)| *n).collect();
                    return Err(SqlError::Semantic(format!(
                        "table duckdb.secrets has no column '{c}'; columns: {}",
                        valid.join(", ")
                    )));
                }
            }
        }
        let ty = ty.ok_or_else(|| {
            SqlError::Semantic("duckdb.secrets: column 'type' is required (S3, GCS, R2 or AZURE)".into())
        })?;
        if !PG_TYPES.iter().any(|t| t.eq_ignore_ascii_case(&ty)) {
            return Err(SqlError::Semantic(format!(
                "duckdb.secrets: type '{ty}' is not one of S3, GCS, R2, AZURE"
            )));
        }
        let lower = ty.to_ascii_lowercase();
        let required: &[&str] = if lower == "azure" {
            &["connection_string"]
        } else {
            &["key_id", "secret"]
        };
        for required in required {
            let given = values
                .iter()
                .any(|(k, _)| k == required || (lower == "azure" && k == "secret"));
            if !given {
                return Err(SqlError::Semantic(format!(
                    "duckdb.secrets: column '{required}' is required (NOT NULL) for type {}",
                    lower.to_ascii_uppercase()
                )));
            }
        }
        let values = values.into_iter().map(|(k, v)| (pg_to_field(&lower, &k), v)).collect();
        Ok(CreateRequest {
            name: Some(name.unwrap_or_else(|| uuid::Uuid::new_v4().to_string())),
            secret_type: lower,
            provider: None,
            scopes,
            storage: Storage::Coffer,
            on_conflict: OnConflict::Error,
            values,
        })
    }

    pub(super) fn pg_insert(&mut self, ins: &ast::Insert) -> Result<Table> {
        let TableObject::TableName(name) = &ins.table else {
            return Err(not_handled("INSERT INTO a table function"));
        };
        Self::pg_target(name)?;
        let columns: Vec<String> = if ins.columns.is_empty() {
            PG_COLUMNS.iter().map(|(n, _)| n.to_string()).collect()
        } else {
            ins.columns
                .iter()
                .map(|c| c.to_string().trim_matches('"').to_ascii_lowercase())
                .collect()
        };
        let source = ins
            .source
            .as_ref()
            .ok_or_else(|| SqlError::Semantic("INSERT needs VALUES".into()))?;
        let SetExpr::Values(values) = source.body.as_ref() else {
            return Err(not_handled("INSERT ... SELECT"));
        };
        // Validate every row, and check its name is free, before writing any: a bad row writes
        // nothing.
        let mut names: Vec<String> = Vec::new();
        for row in &values.rows {
            let req = self.pg_request(&columns, row)?;
            let name = req.name.clone().unwrap_or_default();
            coffer_model::names::validate_name(&name)?;
            let taken = names.iter().any(|n| n.eq_ignore_ascii_case(&name))
                || self
                    .service
                    .secret_info(&self.caller, &self.project, &name, Some(Storage::Coffer))
                    .is_ok();
            if taken {
                return Err(coffer_core::CoreError::AlreadyExists {
                    name,
                    storage: Storage::Coffer,
                }
                .into());
            }
            coffer_model::validate::validate(&req.secret_type, None, req.scopes, req.values)?;
            names.push(name);
        }
        let mut n = 0;
        for (row, name) in values.rows.iter().zip(names) {
            let mut req = self.pg_request(&columns, row)?;
            req.name = Some(name);
            self.service.create_secret(&self.caller, &self.project, req)?;
            n += 1;
        }
        Ok(count(n))
    }

    /// Names of the pg_duckdb rows a WHERE selects.
    fn pg_matching(&self, selection: &Option<Expr>) -> Result<Vec<String>> {
        let table = self.pg_table()?;
        let mut q = String::from("SELECT name FROM t");
        if let Some(w) = selection {
            q.push_str(&format!(" WHERE {w}"));
        }
        let stmts = split::split(&q)?;
        let Some(Statement::Sql(stmt)) = stmts.first().map(parse::parse).transpose()? else {
            return Err(SqlError::Semantic("cannot evaluate the WHERE clause".into()));
        };
        let ast::Statement::Query(query) = *stmt else {
            return Err(SqlError::Semantic("cannot evaluate the WHERE clause".into()));
        };
        Ok(query::run(&query, &table)?
            .rows
            .into_iter()
            .filter_map(|r| match r.into_iter().next() {
                Some(Value::Text(n)) => Some(n),
                _ => None,
            })
            .collect())
    }

    pub(super) fn pg_update(&mut self, upd: &ast::Update) -> Result<Table> {
        let TableFactor::Table { name, .. } = &upd.table.relation else {
            return Err(not_handled("UPDATE of this target"));
        };
        Self::pg_target(name)?;
        let mut sets: Vec<(String, Option<InputValue>)> = Vec::new();
        let mut new_type = None;
        let mut scopes = None;
        for a in &upd.assignments {
            let col = a.target.to_string().trim_matches('"').to_ascii_lowercase();
            let v = literal(&a.value)?;
            match col.as_str() {
                "name" => {
                    return Err(SqlError::Semantic(
                        "duckdb.secrets: a secret's name cannot be changed; insert a new row and delete the old one"
                            .into(),
                    ))
                }
                "type" => new_type = text_of(v).map(|t| t.to_ascii_lowercase()),
                "scope" => scopes = Some(text_of(v).into_iter().collect()),
                c if PG_COLUMNS.iter().any(|(n, _)| *n == c) => sets.push((c.to_string(), v)),
                c => return Err(SqlError::Semantic(format!("table duckdb.secrets has no column '{c}'"))),
            }
        }
        let names = self.pg_matching(&upd.selection)?;
        let mut n = 0;
        for name in names {
            let current = self
                .service
                .secret_info(&self.caller, &self.project, &name, Some(Storage::Coffer))?;
            let ty = new_type.clone().unwrap_or(current.secret_type.clone());
            let update = SecretUpdate {
                set: sets
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Some(InputValue::Text(s)) => Some(InputValue::Text(s.duplicate())),
                            Some(InputValue::Bool(b)) => Some(InputValue::Bool(*b)),
                            Some(InputValue::Int(i)) => Some(InputValue::Int(*i)),
                            Some(InputValue::Map(_)) | None => None,
                        };
                        (pg_to_field(&ty, k), v)
                    })
                    .collect(),
                scopes: scopes.clone(),
                secret_type: new_type.clone(),
            };
            self.service
                .update_secret(&self.caller, &self.project, &name, Some(Storage::Coffer), update)?;
            n += 1;
        }
        Ok(count(n))
    }

    pub(super) fn pg_delete(&mut self, del: &ast::Delete) -> Result<Table> {
        let tables = match &del.from {
            FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
        };
        let [t] = tables.as_slice() else {
            return Err(not_handled("DELETE from several tables"));
        };
        let TableFactor::Table { name, .. } = &t.relation else {
            return Err(not_handled("DELETE from this target"));
        };
        Self::pg_target(name)?;
        let names = self.pg_matching(&del.selection)?;
        for name in &names {
            self.service
                .drop_secret(&self.caller, &self.project, name, false, Some(Storage::Coffer))?;
        }
        Ok(count(names.len()))
    }
}
