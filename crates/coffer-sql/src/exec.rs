//! Executing parsed statements against a [`Service`].

use crate::create_secret::{CreateSecret, OptionValue, Persist};
use crate::flights::{self, FlightLauncher, Func};
use crate::guard;
use crate::parse::{self, Statement};
use crate::query;
use crate::split::{self, StmtSource};
use crate::table::{ColType, Table, Value};
use crate::{Result, SqlError};
use coffer_core::{Caller, CreateRequest, OnConflict, Role, SecretInfo, SecretUpdate, Service};
use coffer_crypto::SecretString;
use coffer_model::{types, FieldValue, InputValue, Storage};
use sqlparser::ast::{
    self, Expr, FromTable, FunctionArg, FunctionArgExpr, ObjectName, SetExpr, TableFactor, TableObject,
    Value as AstValue,
};

/// Runs the statements that are not about secrets: the embedded DuckDB data plane.
pub trait Passthrough {
    /// Runs one statement's text; the error is DuckDB's message.
    ///
    /// # Errors
    /// The engine's message.
    fn run(&self, sql: &str) -> std::result::Result<Table, String>;
}

/// A SQL session: the project it acts in, who acts, and the service (whose temporary secrets
/// live as long as the session's service).
pub struct Session<'a> {
    service: &'a Service,
    project: String,
    caller: Caller,
    passthrough: Option<&'a dyn Passthrough>,
    flights: Option<&'a dyn FlightLauncher>,
    sandboxed: bool,
}

/// Whether a statement names secrets: such statements are coffer's alone and never go to the
/// embedded DuckDB, even when coffer cannot handle them.
fn names_secrets(source: &StmtSource) -> bool {
    source.tokens.iter().any(|t| match &t.token {
        sqlparser::tokenizer::Token::Word(w) => {
            let v = w.value.to_ascii_lowercase();
            matches!(
                v.as_str(),
                "secret" | "secrets" | "duckdb_secrets" | "which_secret" | "md_access_tokens"
            ) || v.starts_with("md_")
        }
        _ => false,
    })
}

/// The result of one statement of a script.
pub struct Outcome {
    /// The statement.
    pub source: StmtSource,
    /// Its result table or error.
    pub result: Result<Table>,
}

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

fn not_handled(what: &str) -> SqlError {
    SqlError::Unsupported(format!(
        "{what}: coffer sql handles secret statements (CREATE/DROP SECRET, duckdb_secrets(), which_secret(), the duckdb.secrets table); other SQL needs the embedded DuckDB data plane, which this coffer does not have yet"
    ))
}

fn object_is(name: &ObjectName, want: &[&str]) -> bool {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| p.to_string().trim_matches('"').to_ascii_lowercase())
        .collect();
    parts.len() == want.len() && parts.iter().zip(want).all(|(a, b)| a == b)
}

fn literal(e: &Expr) -> Result<Option<InputValue>> {
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

fn text_of(v: &Option<InputValue>) -> Option<String> {
    match v {
        Some(InputValue::Text(s)) => Some(s.expose_secret().to_string()),
        Some(InputValue::Int(i)) => Some(i.to_string()),
        Some(InputValue::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

fn option_input(key: &str, v: OptionValue) -> Result<InputValue> {
    Ok(match v {
        OptionValue::Text(s) => InputValue::Text(s),
        OptionValue::Number(n) => match n.parse::<i64>() {
            Ok(i) => InputValue::Int(i),
            Err(_) => InputValue::Text(SecretString::new(n)),
        },
        OptionValue::Bool(b) => InputValue::Bool(b),
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

fn count(n: usize) -> Table {
    Table {
        columns: vec![("Count".into(), ColType::BigInt)],
        rows: vec![vec![Value::Int(n as i64)]],
    }
}

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

impl<'a> Session<'a> {
    /// A session in `project`, acting as `caller`.
    pub fn new(service: &'a Service, project: impl Into<String>, caller: Caller) -> Self {
        Session {
            service,
            project: project.into(),
            caller,
            passthrough: None,
            flights: None,
            sandboxed: false,
        }
    }

    /// Sends every statement that is not about secrets to `engine`.
    pub fn with_passthrough(mut self, engine: &'a dyn Passthrough) -> Self {
        self.passthrough = Some(engine);
        self
    }

    /// Checks every statement with [`guard::check`] before it may reach the passthrough, and
    /// refuses it ([`SqlError::Refused`], naming the rule) when it could touch the host:
    /// for remote callers (`POST /v1/projects/P/sql`) and `coffer sql --safe`. coffer's own
    /// statements are not affected.
    pub fn sandboxed(mut self) -> Self {
        self.sandboxed = true;
        self
    }

    /// Starts `MD_RUN_FLIGHT`'s runs with `launcher`; without one, `MD_RUN_FLIGHT` is refused.
    pub fn with_flights(mut self, launcher: &'a dyn FlightLauncher) -> Self {
        self.flights = Some(launcher);
        self
    }

    fn flight_ctx(&self) -> flights::Ctx<'_> {
        flights::Ctx {
            service: self.service,
            project: &self.project,
            caller: &self.caller,
            launcher: self.flights,
        }
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

    /// Hands a statement coffer does not handle to the passthrough: only for a caller with
    /// `use` in the project, and in a sandboxed session only when [`guard::check`] allows it.
    fn pass(&self, source: &StmtSource, not_mine: SqlError) -> Result<Table> {
        let engine = match self.passthrough {
            Some(engine) if !names_secrets(source) => engine,
            _ => return Err(not_mine),
        };
        self.may_pass()?;
        if self.sandboxed {
            guard::check(source)?;
            guard::check_network(source, &self.service.net_policy(), &coffer_model::net::resolve_system)?;
        }
        engine.run(&source.text).map_err(SqlError::Engine)
    }

    /// Whether the caller holds `use` in the project, which passing statements to DuckDB needs.
    fn may_pass(&self) -> Result<()> {
        if self.service.has_role(&self.caller, &self.project, Role::Use)? {
            return Ok(());
        }
        let mut has = None;
        for r in Role::ALL {
            if self.service.has_role(&self.caller, &self.project, r)? {
                has = Some(r);
            }
        }
        let has = match has {
            Some(r) => format!("has '{r}'"),
            None => "has no role there".to_string(),
        };
        Err(SqlError::Forbidden(format!(
            "passing statements to DuckDB needs role 'use' in project '{project}' ('{caller}' {has}); coffer's own statements (duckdb_secrets(), which_secret(), duckdb.secrets, md_access_tokens()) work with 'read'; a project admin can grant 'use' with `coffer grant use {caller} --project {project}`",
            project = self.project,
            caller = self.caller.name,
        )))
    }

    /// Runs every statement of `sql` in order, stopping at nothing: each gets its own result.
    /// A script that does not even split (an unterminated string) gives one error.
    pub fn run_script(&mut self, sql: &str) -> std::result::Result<Vec<Outcome>, SqlError> {
        let stmts = split::split(sql)?;
        Ok(stmts
            .into_iter()
            .map(|source| {
                let result = match parse::parse(&source) {
                    Ok(stmt) => match self.execute(stmt) {
                        Err(e @ SqlError::Unsupported(_)) => self.pass(&source, e),
                        other => other,
                    },
                    Err(e) => self.pass(&source, e),
                };
                Outcome { source, result }
            })
            .collect())
    }

    /// Executes one parsed statement.
    ///
    /// # Errors
    /// Whatever the statement fails with.
    pub fn execute(&mut self, stmt: Statement) -> Result<Table> {
        match stmt {
            Statement::CreateSecret(c) => self.create_secret(c),
            Statement::Sql(s) => self.sql(*s),
        }
    }

    fn create_secret(&mut self, c: CreateSecret) -> Result<Table> {
        let storage = match &c.storage {
            None => None,
            Some(s) => Some(Storage::parse(s).ok_or_else(|| {
                SqlError::Semantic(format!(
                    "Secret storage '{s}' not found; coffer's storages are memory (temporary) and coffer (persistent; local_file and motherduck are accepted for it)"
                ))
            })?),
        };
        let storage = match (c.persist, storage) {
            (Some(Persist::Temporary), Some(s)) if s.persistent() => {
                return Err(SqlError::Semantic(
                    "Cannot create temporary secrets in a persistent secret storage!".into(),
                ))
            }
            (Some(Persist::Persistent), Some(Storage::Memory)) => {
                return Err(SqlError::Semantic(
                    "Cannot create persistent secrets in a temporary secret storage!".into(),
                ))
            }
            (_, Some(s)) => s,
            (Some(Persist::Persistent), None) => Storage::Coffer,
            // DuckDB's default persist type is TEMPORARY.
            (Some(Persist::Temporary), None) | (None, None) => Storage::Memory,
        };
        let values = c
            .options
            .into_iter()
            .map(|(k, v)| {
                let input = option_input(&k, v)?;
                Ok((k, input))
            })
            .collect::<Result<Vec<_>>>()?;
        let req = CreateRequest {
            name: c.name,
            secret_type: c.secret_type,
            provider: c.provider,
            scopes: c.scopes,
            storage,
            on_conflict: if c.or_replace {
                OnConflict::Replace
            } else if c.if_not_exists {
                OnConflict::Ignore
            } else {
                OnConflict::Error
            },
            values,
        };
        self.service.create_secret(&self.caller, &self.project, req)?;
        Ok(Table::success())
    }

    fn sql(&mut self, s: ast::Statement) -> Result<Table> {
        match s {
            ast::Statement::DropSecret {
                if_exists,
                temporary,
                name,
                storage_specifier,
            } => {
                if temporary == Some(true) && storage_specifier.is_some() {
                    return Err(SqlError::syntax(
                        "Can not combine TEMPORARY with specifying a storage for drop secret",
                        None,
                    ));
                }
                let storage = match storage_specifier {
                    Some(spec) => Some(Storage::parse(&spec.value).ok_or_else(|| {
                        SqlError::Semantic(format!("Unknown storage type found for drop secret: '{}'", spec.value))
                    })?),
                    None => temporary.map(|t| if t { Storage::Memory } else { Storage::Coffer }),
                };
                self.service
                    .drop_secret(&self.caller, &self.project, &name.value, if_exists, storage)?;
                Ok(Table::success())
            }
            ast::Statement::Query(q) => self.query(&q),
            ast::Statement::Insert(ins) => self.pg_insert(&ins),
            ast::Statement::Update(upd) => self.pg_update(&upd),
            ast::Statement::Delete(del) => self.pg_delete(&del),
            ast::Statement::Call(f) if f.name.to_string().to_ascii_lowercase().starts_with("md_") => {
                let Some(func) = Func::lookup(&f.name) else {
                    return Err(flights::unknown_procedure(&f.name));
                };
                let args = match &f.args {
                    ast::FunctionArguments::None => &[][..],
                    ast::FunctionArguments::List(l) if l.duplicate_treatment.is_none() && l.clauses.is_empty() => {
                        l.args.as_slice()
                    }
                    other => {
                        return Err(SqlError::Semantic(format!(
                            "CALL {}: unsupported arguments {other}",
                            f.name
                        )))
                    }
                };
                flights::call(&self.flight_ctx(), func, args)
            }
            other => {
                let text = other.to_string();
                let head: String = text.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
                Err(not_handled(&head))
            }
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

    fn pg_table(&self) -> Result<Table> {
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
            Some(InputValue::Text(s)) => Ok(s.expose_secret().to_string()),
            _ => Err(SqlError::Semantic(format!("{what} must be a 'string'"))),
        }
    }

    fn query(&mut self, q: &ast::Query) -> Result<Table> {
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
                "name" => name = text_of(&v),
                "type" => ty = text_of(&v),
                "scope" => scopes.extend(text_of(&v)),
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

    fn pg_insert(&mut self, ins: &ast::Insert) -> Result<Table> {
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

    fn pg_update(&mut self, upd: &ast::Update) -> Result<Table> {
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
                "type" => new_type = text_of(&v).map(|t| t.to_ascii_lowercase()),
                "scope" => scopes = Some(text_of(&v).into_iter().collect()),
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

    fn pg_delete(&mut self, del: &ast::Delete) -> Result<Table> {
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
