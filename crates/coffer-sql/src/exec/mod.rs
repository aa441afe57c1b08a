//! Executing parsed statements against a [`Service`]: the [`Session`] and its dispatch. The
//! `SELECT`s of coffer's table functions are in `select`, pg_duckdb's `duckdb.secrets` table in
//! `pg`, and the reading of literal values in `values`.

use crate::create_secret::{CreateSecret, OptionValue, Persist};
use crate::error::{Result, SqlError};
use crate::flights::{self, FlightLauncher, Func};
use crate::guard;
use crate::parse::{self, Statement};
use crate::split::{self, StmtSource};
use crate::table::Table;
use coffer_core::{Caller, CreateRequest, OnConflict, Role, Service};
use coffer_model::Storage;
use sqlparser::ast;
use values::{not_handled, option_input};

/// Runs the statements that are not about secrets: the embedded DuckDB data plane.
pub trait Passthrough {
    /// Runs one statement's text; the error is DuckDB's message.
    ///
    /// # Errors
    /// The engine's message.
    fn run(&self, sql: &str) -> std::result::Result<Table, String>;

    /// Evaluates `SELECT CAST((expr) AS VARCHAR)` for an option of `CREATE SECRET` whose value
    /// is a constant expression (`'s3://' || 'b'`, `getvariable('x')`), in the same DuckDB
    /// session as [`Passthrough::run`] (so `SET VARIABLE` reaches it). The statement reads no
    /// storage and names no data source: an engine should run it without the checks `run`
    /// makes on statements that may read paths (a string that looks like an `s3://` path is
    /// only a value here). The default is `run`.
    ///
    /// # Errors
    /// The engine's message (it may quote the expression, which may hold a secret value:
    /// callers do not show it).
    fn evaluate(&self, sql: &str) -> std::result::Result<Table, String> {
        self.run(sql)
    }
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
    settings: secret_settings::SecretSettings,
}

/// Whether a statement names secrets: such statements are coffer's alone and never go to the
/// embedded DuckDB, even when coffer cannot handle them.
fn names_secrets(source: &StmtSource) -> bool {
    use sqlparser::tokenizer::Token;
    // `ATTACH '' AS db (TYPE postgres, SECRET name)` names the secret DuckDB attaches with: it
    // goes to DuckDB, whose secrets manager holds what the caller may use.
    let attach = source
        .tokens
        .iter()
        .find(|t| !matches!(t.token, Token::Whitespace(_)))
        .is_some_and(|t| matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case("attach")));
    source.tokens.iter().any(|t| match &t.token {
        Token::Word(w) => {
            let v = w.value.to_ascii_lowercase();
            (v == "secret" && !attach)
                || matches!(
                    v.as_str(),
                    "secrets" | "duckdb_secrets" | "which_secret" | "md_access_tokens" | "coffer_sources"
                )
                || v.starts_with("md_")
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

mod constant;
mod pg;
mod secret_settings;
mod select;
mod settings;
mod sources;
mod values;

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
            settings: secret_settings::SecretSettings::default(),
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
            Statement::CreateSource(c) => self.create_source(c),
            Statement::DropSource(d) => self.drop_source(d),
            Statement::Sql(s) => self.sql(*s),
        }
    }

    fn create_secret(&mut self, c: CreateSecret) -> Result<Table> {
        if c.persist == Some(Persist::Persistent) && !self.settings.allow_persistent {
            return Err(SqlError::Semantic(
                "Invalid Input Error: Persistent secrets are disabled. Restart DuckDB and enable persistent secrets through 'SET allow_persistent_secrets=true'".into(),
            ));
        }
        // A PERSISTENT secret without IN goes to default_secret_storage, as in DuckDB.
        let default_storage = (c.persist == Some(Persist::Persistent)).then(|| self.settings.default_storage.clone());
        let storage = match c.storage.as_ref().or(default_storage.as_ref()) {
            None => None,
            Some(s) => Some(Storage::parse(s).ok_or_else(|| {
                SqlError::Semantic(format!(
                    "Invalid Input Error: Secret storage '{s}' not found! coffer's storages are memory (temporary) and coffer (persistent; local_file and motherduck are accepted for it)"
                ))
            })?),
        };
        let storage = match (c.persist, storage) {
            (Some(Persist::Temporary), Some(s)) if s.persistent() => {
                return Err(SqlError::Semantic(
                    "Invalid Input Error: Cannot create temporary secrets in a persistent secret storage!".into(),
                ))
            }
            (Some(Persist::Persistent), Some(Storage::Memory)) => {
                return Err(SqlError::Semantic(
                    "Invalid Input Error: Cannot create persistent secrets in a temporary secret storage!".into(),
                ))
            }
            (_, Some(s)) => s,
            (Some(Persist::Persistent), None) => Storage::Coffer,
            // DuckDB's default persist type is TEMPORARY.
            (Some(Persist::Temporary), None) | (None, None) => Storage::Memory,
        };
        let mut scopes = c.scopes;
        let mut values = Vec::with_capacity(c.options.len());
        for (k, v) in c.options {
            let v = match v {
                OptionValue::Expr(e) => OptionValue::Text(self.eval_constant(&k, &e)?),
                other => other,
            };
            if k.eq_ignore_ascii_case("scope") {
                if let OptionValue::Text(t) = v {
                    scopes = vec![t.declassify()];
                }
                continue;
            }
            let input = option_input(&k, v)?;
            values.push((k, input));
        }
        let req = CreateRequest {
            name: c.name,
            secret_type: c.secret_type,
            provider: c.provider,
            scopes,
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
                if name.quote_style.is_none() && crate::keywords::refused_as_name(&name.value) {
                    return Err(SqlError::syntax(
                        format!(
                            "at or near \"{v}\": '{v}' is a reserved word in DuckDB; quote it (\"{v}\") to use it as a secret name",
                            v = name.value
                        ),
                        None,
                    ));
                }
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
            ast::Statement::Set(ast::Set::SingleAssignment { variable, values, .. })
                if secret_settings::is_secret_setting(&variable) =>
            {
                self.set_secret_setting(&variable, &values)
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
}
