//! MotherDuck's flight functions (seed 003), over [`coffer_core`]'s flights:
//!
//! ```text
//! CALL MD_CREATE_FLIGHT(name := 'ingest', script := '...', config := MAP {'REGION': 'us'}, ...)
//! CALL MD_UPDATE_FLIGHT(flight_id := '<uuid or name>', config := MAP {...}, ...)
//! CALL MD_RUN_FLIGHT(flight_id := '...', config := MAP {'REGION': 'eu'})
//! CALL MD_CANCEL_FLIGHT_RUN(flight_id := '...', run_number := 3)
//! CALL MD_DELETE_FLIGHT(flight_id := '...')
//! FROM MD_LIST_FLIGHT_RUNS(flight_id := '...')      -- also MD_FLIGHT_RUNS
//! FROM MD_LIST_FLIGHTS()                            -- also MD_FLIGHTS
//! FROM MD_GET_FLIGHT(flight_id := '...')
//! ```
//!
//! Every function works both as `CALL f(...)` and as `SELECT ... FROM f(...)`, as in
//! MotherDuck; the `FROM` form takes `WHERE`, `ORDER BY`, `LIMIT` and a projection (see
//! [`crate::query`]). Parameters are named (`name := value`, or `name => value`), their names
//! case-insensitive; MotherDuck's names are accepted (`source_code` for `script`,
//! `schedule_cron` for `schedule`, `"LIMIT"`/`"OFFSET"`). sqlparser 0.63 (DuckDB dialect) parses
//! the named arguments, `MAP {...}` literals, `[...]` lists and `$$...$$` strings itself.
//!
//! A `flight_id` is a flight's UUID or its name. Runs are started by a [`FlightLauncher`]
//! given to the session: coffer-sql does not run processes.

use crate::error::{Result, SqlError};
use crate::table::{timestamp, ColType, Table, Value};
use coffer_core::{Caller, CoreError, FlightInfo, FlightUpdate, RunInfo, Service};
use coffer_model::flight::{FlightKind, FlightSpec};
use indexmap::IndexMap;
use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, ObjectName, UnaryOperator, Value as AstValue};

/// Starts flight runs for `MD_RUN_FLIGHT` (the binary's runner: blocking in local mode, in the
/// background in the server).
pub trait FlightLauncher {
    /// Starts a run of `flight` (a name or a flight id) in `project` with per-run config
    /// `overrides`, and returns the run as it is once started (or finished, for a blocking
    /// runner).
    ///
    /// # Errors
    /// Whatever [`Service::start_run`] refuses (an unknown override key, concurrency, access).
    fn run(
        &self,
        caller: &Caller,
        project: &str,
        flight: &str,
        overrides: IndexMap<String, String>,
    ) -> std::result::Result<RunInfo, CoreError>;
}

/// One of the flight functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Create,
    Update,
    Run,
    ListRuns,
    ListFlights,
    Get,
    Delete,
    Cancel,
}

/// The functions a `CALL md_...` may name, for error messages.
const KNOWN: &str =
    "MD_CREATE_FLIGHT, MD_UPDATE_FLIGHT, MD_RUN_FLIGHT, MD_LIST_FLIGHT_RUNS, MD_LIST_FLIGHTS, MD_GET_FLIGHT, MD_DELETE_FLIGHT, MD_CANCEL_FLIGHT_RUN";

/// The parameters `MD_CREATE_FLIGHT` and `MD_UPDATE_FLIGHT` share.
const DEFINITION: &[&str] = &[
    "kind",
    "script",
    "source_code",
    "command",
    "config",
    "flight_secret_names",
    "access_token_name",
    "schedule",
    "schedule_cron",
    "timezone",
    "timeout",
    "concurrency",
    "requirements_txt",
    "source_builds",
];

impl Func {
    /// The flight function `name` names (one part, any case), if any.
    pub(crate) fn lookup(name: &ObjectName) -> Option<Func> {
        let [part] = name.0.as_slice() else { return None };
        let s = part.to_string();
        Some(match s.trim_matches('"').to_ascii_lowercase().as_str() {
            "md_create_flight" => Func::Create,
            "md_update_flight" => Func::Update,
            "md_run_flight" => Func::Run,
            "md_list_flight_runs" | "md_flight_runs" => Func::ListRuns,
            "md_list_flights" | "md_flights" => Func::ListFlights,
            "md_get_flight" => Func::Get,
            "md_delete_flight" => Func::Delete,
            "md_cancel_flight_run" => Func::Cancel,
            _ => return None,
        })
    }

    fn sql_name(self) -> &'static str {
        match self {
            Func::Create => "MD_CREATE_FLIGHT",
            Func::Update => "MD_UPDATE_FLIGHT",
            Func::Run => "MD_RUN_FLIGHT",
            Func::ListRuns => "MD_LIST_FLIGHT_RUNS",
            Func::ListFlights => "MD_LIST_FLIGHTS",
            Func::Get => "MD_GET_FLIGHT",
            Func::Delete => "MD_DELETE_FLIGHT",
            Func::Cancel => "MD_CANCEL_FLIGHT_RUN",
        }
    }

    /// Every parameter, in the order error messages list them.
    fn params(self) -> Vec<&'static str> {
        match self {
            Func::Create => [&["name"][..], DEFINITION].concat(),
            Func::Update => [&["flight_id", "name"][..], DEFINITION].concat(),
            Func::Run => vec!["flight_id", "config"],
            Func::ListRuns => vec!["flight_id", "limit", "offset"],
            Func::ListFlights => vec!["limit", "offset"],
            Func::Get | Func::Delete => vec!["flight_id"],
            Func::Cancel => vec!["flight_id", "run_number"],
        }
    }

    /// Whether calling it changes something (its `FROM` form is checked before it runs).
    pub(crate) fn has_effects(self) -> bool {
        !matches!(self, Func::ListRuns | Func::ListFlights | Func::Get)
    }

    /// The columns of its result.
    pub(crate) fn columns(self) -> Vec<(String, ColType)> {
        match self {
            Func::Create | Func::Update => flight_columns(true),
            Func::ListFlights | Func::Get => flight_columns(false),
            Func::Run | Func::ListRuns | Func::Cancel => run_columns(),
            Func::Delete => Table::success().columns,
        }
    }
}

/// DuckDB's type name of a `config` column.
const MAP_TYPE: &str = "map(varchar, varchar)";

fn named(cols: &[(&str, ColType)]) -> Vec<(String, ColType)> {
    cols.iter().map(|(n, t)| (n.to_string(), t.clone())).collect()
}

/// A flight row (MotherDuck's names where it has the column), then `warnings` for
/// `MD_CREATE_FLIGHT`/`MD_UPDATE_FLIGHT`.
fn flight_columns(with_warnings: bool) -> Vec<(String, ColType)> {
    let ts = || ColType::Other("timestamp".into());
    let mut cols = named(&[
        ("flight_id", ColType::Other("uuid".into())),
        ("flight_name", ColType::Varchar),
        ("kind", ColType::Varchar),
        ("current_version", ColType::BigInt),
        ("config", ColType::Other(MAP_TYPE.into())),
        ("flight_secret_names", ColType::VarcharList),
        ("access_token_name", ColType::Varchar),
        ("schedule_cron", ColType::Varchar),
        ("timezone", ColType::Varchar),
        ("next_run_at", ts()),
        ("timeout", ColType::BigInt),
        ("concurrency", ColType::BigInt),
        ("command", ColType::VarcharList),
        ("owner", ColType::Varchar),
        ("created_at", ts()),
        ("updated_at", ts()),
    ]);
    if with_warnings {
        cols.push(("warnings".into(), ColType::VarcharList));
    }
    cols
}

/// A run row: coffer's columns, then MotherDuck's others.
fn run_columns() -> Vec<(String, ColType)> {
    let ts = || ColType::Other("timestamp".into());
    named(&[
        ("run_number", ColType::BigInt),
        ("status", ColType::Varchar),
        ("flight_version", ColType::BigInt),
        ("config", ColType::Other(MAP_TYPE.into())),
        ("exit_code", ColType::BigInt),
        ("trigger", ColType::Varchar),
        ("started_by", ColType::Varchar),
        ("started_at", ts()),
        ("finished_at", ts()),
        ("duration_ms", ColType::BigInt),
        ("message", ColType::Varchar),
        ("flight_name", ColType::Varchar),
        ("flight_id", ColType::Other("uuid".into())),
        ("is_scheduled", ColType::Boolean),
        ("created_at", ts()),
        ("scheduled_for", ts()),
    ])
}

/// A config map as DuckDB prints a MAP: `{REGION=us-east-1, BATCH_SIZE=1000}`.
fn map_text(m: &IndexMap<String, String>) -> String {
    let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", parts.join(", "))
}

fn texts(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| Value::Text(s.clone())).collect())
}

fn opt_text(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::Text(s.clone()))
}

fn opt_ts(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, |ms| Value::Text(timestamp(ms)))
}

fn flight_row(f: &FlightInfo, warnings: Option<&[String]>) -> Vec<Value> {
    let mut row = vec![
        Value::Text(f.flight_id.clone()),
        Value::Text(f.name.clone()),
        Value::Text(f.kind.clone()),
        Value::Int(f.version),
        Value::Text(map_text(&f.config)),
        texts(&f.secrets),
        opt_text(&f.token_name),
        opt_text(&f.schedule),
        opt_text(&f.timezone),
        opt_ts(f.next_run_at),
        f.timeout_secs
            .map_or(Value::Null, |s| Value::Int(i64::try_from(s).unwrap_or(i64::MAX))),
        Value::Int(i64::from(f.concurrency)),
        texts(&f.command),
        Value::Text(f.owner.clone()),
        Value::Text(timestamp(f.created_at)),
        Value::Text(timestamp(f.updated_at)),
    ];
    if let Some(w) = warnings {
        row.push(texts(w));
    }
    row
}

fn run_row(r: &RunInfo) -> Vec<Value> {
    vec![
        Value::Int(r.run_number),
        Value::Text(r.status.clone()),
        Value::Int(r.flight_version),
        Value::Text(map_text(&r.config)),
        r.exit_code.map_or(Value::Null, |c| Value::Int(i64::from(c))),
        Value::Text(r.trigger.clone()),
        Value::Text(r.started_by.clone()),
        Value::Text(timestamp(r.started_at)),
        opt_ts(r.finished_at),
        Value::Int(r.duration_ms),
        opt_text(&r.message),
        Value::Text(r.flight.clone()),
        Value::Text(r.flight_id.clone()),
        Value::Bool(r.trigger == "schedule"),
        Value::Text(timestamp(r.started_at)),
        opt_ts(r.scheduled_for),
    ]
}

/// A literal argument value.
#[derive(Debug)]
enum Lit {
    Null,
    Text(String),
    Int(i64),
    Bool(bool),
    List(Vec<Lit>),
    Map(Vec<(Lit, Lit)>),
    /// A number that is not a whole number, kept as written.
    Decimal(String),
}

impl Lit {
    fn describe(&self) -> String {
        match self {
            Lit::Null => "NULL".into(),
            Lit::Text(_) => "a string".into(),
            Lit::Int(i) => format!("the number {i}"),
            Lit::Decimal(n) => format!("the number {n}"),
            Lit::Bool(true) => "TRUE".into(),
            Lit::Bool(false) => "FALSE".into(),
            Lit::List(_) => "a list".into(),
            Lit::Map(_) => "a MAP".into(),
        }
    }

    fn parse(e: &Expr, func: Func, param: &str) -> Result<Lit> {
        Ok(match e {
            Expr::Value(v) => match &v.value {
                AstValue::SingleQuotedString(s)
                | AstValue::DoubleQuotedString(s)
                | AstValue::EscapedStringLiteral(s)
                | AstValue::TripleSingleQuotedString(s)
                | AstValue::TripleDoubleQuotedString(s)
                | AstValue::NationalStringLiteral(s)
                | AstValue::UnicodeStringLiteral(s) => Lit::Text(s.clone()),
                AstValue::DollarQuotedString(d) => Lit::Text(d.value.clone()),
                AstValue::Number(n, _) => match n.parse::<i64>() {
                    Ok(i) => Lit::Int(i),
                    Err(_) => Lit::Decimal(n.to_string()),
                },
                AstValue::Boolean(b) => Lit::Bool(*b),
                AstValue::Null => Lit::Null,
                other => return Err(not_literal(func, param, &other.to_string())),
            },
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } => match Lit::parse(expr, func, param)? {
                Lit::Int(i) => Lit::Int(-i),
                Lit::Decimal(n) => Lit::Decimal(format!("-{n}")),
                _ => return Err(not_literal(func, param, &e.to_string())),
            },
            Expr::Nested(inner) => Lit::parse(inner, func, param)?,
            Expr::Array(a) => Lit::List(
                a.elem
                    .iter()
                    .map(|x| Lit::parse(x, func, param))
                    .collect::<Result<_>>()?,
            ),
            Expr::Map(m) => Lit::Map(
                m.entries
                    .iter()
                    .map(|entry| {
                        Ok((
                            Lit::parse(&entry.key, func, param)?,
                            Lit::parse(&entry.value, func, param)?,
                        ))
                    })
                    .collect::<Result<_>>()?,
            ),
            other => return Err(not_literal(func, param, &other.to_string())),
        })
    }
}

fn not_literal(func: Func, param: &str, what: &str) -> SqlError {
    SqlError::Semantic(format!(
        "{}: parameter '{param}' takes a literal value (a 'string', a number, a ['list'] or MAP {{'key': 'value'}}), not {what}",
        func.sql_name()
    ))
}

/// The named arguments of one call, checked against the function's parameters.
struct Params {
    func: Func,
    given: IndexMap<String, Lit>,
}

impl Params {
    fn bind(func: Func, args: &[FunctionArg]) -> Result<Params> {
        let valid = func.params();
        let list = valid.join(", ");
        let mut given = IndexMap::new();
        for a in args {
            let (name, e) = match a {
                FunctionArg::Named {
                    name,
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => (name.value.to_ascii_lowercase(), e),
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => {
                    return Err(SqlError::Semantic(format!(
                        "{}: arguments are named, as in {}(flight_id := '...'); '{e}' has no name; parameters: {list}",
                        func.sql_name(),
                        func.sql_name()
                    )))
                }
                other => {
                    return Err(SqlError::Semantic(format!(
                        "{}: unsupported argument {other}; parameters: {list}",
                        func.sql_name()
                    )))
                }
            };
            if !valid.contains(&name.as_str()) {
                let hint = if valid.is_empty() {
                    "it takes no parameters".to_string()
                } else {
                    format!("valid parameters: {list}")
                };
                return Err(SqlError::Semantic(format!(
                    "{} has no parameter '{name}'; {hint}",
                    func.sql_name()
                )));
            }
            let lit = Lit::parse(e, func, &name)?;
            if given.insert(name.clone(), lit).is_some() {
                return Err(SqlError::Semantic(format!(
                    "{}: parameter '{name}' is given twice",
                    func.sql_name()
                )));
            }
        }
        Ok(Params { func, given })
    }

    fn error(&self, param: &str, rule: impl std::fmt::Display) -> SqlError {
        SqlError::Semantic(format!("{}: parameter '{param}' {rule}", self.func.sql_name()))
    }

    /// The value of `name` or of its MotherDuck spelling `alias`, taken out.
    fn take_either(&mut self, name: &str, alias: &str) -> Result<Option<(String, Lit)>> {
        match (self.given.shift_remove(name), self.given.shift_remove(alias)) {
            (Some(_), Some(_)) => Err(SqlError::Semantic(format!(
                "{}: give '{name}' or '{alias}' (the same parameter), not both",
                self.func.sql_name()
            ))),
            (Some(v), None) => Ok(Some((name.to_string(), v))),
            (None, Some(v)) => Ok(Some((alias.to_string(), v))),
            (None, None) => Ok(None),
        }
    }

    fn take(&mut self, name: &str) -> Option<(String, Lit)> {
        self.given.shift_remove(name).map(|v| (name.to_string(), v))
    }

    /// A string, `Some(None)` for NULL.
    fn text(&self, given: Option<(String, Lit)>) -> Result<Option<Option<String>>> {
        match given {
            None => Ok(None),
            Some((_, Lit::Null)) => Ok(Some(None)),
            Some((_, Lit::Text(s))) => Ok(Some(Some(s))),
            Some((p, other)) => Err(self.error(&p, format!("must be a 'string', not {}", other.describe()))),
        }
    }

    /// A required string.
    fn required_text(&mut self, name: &str) -> Result<String> {
        let given = self.take(name);
        match self.text(given)? {
            Some(Some(s)) if !s.is_empty() => Ok(s),
            _ => Err(SqlError::Semantic(format!(
                "{} needs {name} := '...'{}",
                self.func.sql_name(),
                if name == "flight_id" {
                    " (the flight's id or its name)"
                } else {
                    ""
                }
            ))),
        }
    }

    /// A whole number in `min..`, `Some(None)` for NULL.
    fn int(&self, given: Option<(String, Lit)>, min: i64, what: &str) -> Result<Option<Option<i64>>> {
        match given {
            None => Ok(None),
            Some((_, Lit::Null)) => Ok(Some(None)),
            Some((_, Lit::Int(i))) if i >= min => Ok(Some(Some(i))),
            Some((p, Lit::Int(i))) => Err(self.error(&p, format!("must be {what}, not {i}"))),
            Some((p, other)) => Err(self.error(
                &p,
                format!(
                    "must be {what} (an unquoted number, e.g. {p} := 600), not {}",
                    other.describe()
                ),
            )),
        }
    }

    /// A list of strings, `Some(None)` for NULL.
    fn list(&self, given: Option<(String, Lit)>, example: &str) -> Result<Option<Option<Vec<String>>>> {
        let bad = |p: &str, what: String| self.error(p, format!("must be a list of strings, e.g. {example}; {what}"));
        match given {
            None => Ok(None),
            Some((_, Lit::Null)) => Ok(Some(None)),
            Some((p, Lit::List(items))) => items
                .into_iter()
                .map(|i| match i {
                    Lit::Text(s) => Ok(s),
                    other => Err(bad(&p, format!("an item is {}", other.describe()))),
                })
                .collect::<Result<Vec<_>>>()
                .map(|v| Some(Some(v))),
            Some((p, other)) => Err(bad(&p, format!("got {}", other.describe()))),
        }
    }

    /// A MAP of strings to strings, `Some(None)` for NULL.
    fn map(&self, given: Option<(String, Lit)>) -> Result<Option<Option<IndexMap<String, String>>>> {
        let bad = |p: &str, what: String| {
            self.error(
                p,
                format!("must be a MAP of strings to strings, e.g. MAP {{'REGION': 'us-east-1'}}; {what}"),
            )
        };
        match given {
            None => Ok(None),
            Some((_, Lit::Null)) => Ok(Some(None)),
            Some((p, Lit::Map(entries))) => {
                let mut out = IndexMap::new();
                for (k, v) in entries {
                    let Lit::Text(k) = k else {
                        return Err(bad(&p, format!("a key is {}", k.describe())));
                    };
                    let v = match v {
                        Lit::Text(v) => v,
                        Lit::Int(_) | Lit::Decimal(_) | Lit::Bool(_) => {
                            return Err(bad(
                                &p,
                                format!(
                                    "the value of '{k}' is {}: config values are strings, quote it",
                                    v.describe()
                                ),
                            ))
                        }
                        other => return Err(bad(&p, format!("the value of '{k}' is {}", other.describe()))),
                    };
                    if out.contains_key(&k) {
                        return Err(bad(&p, format!("the key '{k}' is given twice")));
                    }
                    out.insert(k, v);
                }
                Ok(Some(Some(out)))
            }
            Some((p, other)) => Err(bad(&p, format!("got {}", other.describe()))),
        }
    }

    fn kind(&mut self) -> Result<Option<FlightKind>> {
        let given = self.take("kind");
        match self.text(given)? {
            None => Ok(None),
            Some(None) => Err(self.error("kind", "cannot be NULL; use 'command', 'python' or 'sql'")),
            Some(Some(k)) => Ok(Some(FlightKind::parse(&k)?)),
        }
    }

    /// `requirements_txt` (NULL or '' removes it) and `source_builds` (TRUE or FALSE).
    fn requirements(&mut self) -> Result<(Option<Option<String>>, Option<bool>)> {
        let given = self.take("requirements_txt");
        let text = self.text(given)?.map(|t| t.filter(|s| !s.trim().is_empty()));
        let builds = match self.take("source_builds") {
            None => None,
            Some((_, Lit::Bool(b))) => Some(b),
            Some((p, other)) => return Err(self.error(&p, format!("must be TRUE or FALSE, not {}", other.describe()))),
        };
        Ok((text, builds))
    }

    /// The definition parameters of create and update, all optional.
    fn definition(&mut self) -> Result<FlightUpdate> {
        let (requirements, source_builds) = self.requirements()?;
        let kind = self.kind()?;
        let script = self.take_either("script", "source_code")?;
        let script_param = script.as_ref().map(|(n, _)| n.clone()).unwrap_or_default();
        let script = match self.text(script)? {
            Some(None) => return Err(self.error(&script_param, "cannot be NULL")),
            other => other.flatten(),
        };
        let command = self.take("command");
        let command = match self.list(command, "['echo', 'hi']")? {
            Some(None) => return Err(self.error("command", "cannot be NULL")),
            other => other.flatten(),
        };
        let config = self.take("config");
        let config = match self.map(config)? {
            Some(None) => return Err(self.error("config", "cannot be NULL; MAP {} empties it")),
            other => other.flatten(),
        };
        let secrets = self.take("flight_secret_names");
        let secrets = match self.list(secrets, "['my_api_secret']")? {
            Some(None) => return Err(self.error("flight_secret_names", "cannot be NULL; [] detaches every secret")),
            other => other.flatten(),
        };
        // NULL or '' clears these, as MotherDuck's schedule_cron := ''.
        let clearable = |v: Option<Option<String>>| v.map(|v| v.filter(|s| !s.is_empty()));
        let token = self.take("access_token_name");
        let token_name = clearable(self.text(token)?);
        let schedule = self.take_either("schedule", "schedule_cron")?;
        let schedule = clearable(self.text(schedule)?);
        let timezone = self.take("timezone");
        let timezone = clearable(self.text(timezone)?);
        let timeout = self.take("timeout");
        let timeout_secs = self
            .int(timeout, 1, "a positive whole number of seconds")?
            .map(|v| v.map(|s| s.unsigned_abs()));
        let concurrency = self.take("concurrency");
        let concurrency = match self.int(concurrency, 1, "a positive whole number")? {
            Some(None) => return Err(self.error("concurrency", "cannot be NULL")),
            Some(Some(c)) => {
                Some(u32::try_from(c).map_err(|_| self.error("concurrency", format!("is too large: {c}")))?)
            }
            None => None,
        };
        Ok(FlightUpdate {
            kind,
            command,
            script,
            config,
            secrets,
            token_name,
            schedule,
            timezone,
            timeout_secs,
            concurrency,
            steps: None,
            requirements,
            source_builds,
        })
    }

    fn limit_offset(&mut self) -> Result<(Option<usize>, usize)> {
        let limit = self.take("limit");
        let limit = self.int(limit, 0, "a whole number, 0 or more")?.flatten();
        let offset = self.take("offset");
        let offset = self.int(offset, 0, "a whole number, 0 or more")?.flatten();
        let us = |v: i64| usize::try_from(v).unwrap_or(usize::MAX);
        Ok((limit.map(us), offset.map_or(0, us)))
    }
}

/// What a flight function needs of the session.
pub(crate) struct Ctx<'a> {
    pub(crate) service: &'a Service,
    pub(crate) project: &'a str,
    pub(crate) caller: &'a Caller,
    pub(crate) launcher: Option<&'a dyn FlightLauncher>,
}

fn table(func: Func, rows: Vec<Vec<Value>>) -> Table {
    Table {
        columns: func.columns(),
        rows,
    }
}

/// Calls `func` with `args`.
///
/// # Errors
/// A parameter unknown, given twice or of the wrong type (naming it); what the service
/// refuses.
pub(crate) fn call(ctx: &Ctx<'_>, func: Func, args: &[FunctionArg]) -> Result<Table> {
    let mut p = Params::bind(func, args)?;
    let (svc, caller, project) = (ctx.service, ctx.caller, ctx.project);
    match func {
        Func::Create => {
            let name = p.required_text("name")?;
            let d = p.definition()?;
            let kind = match d.kind {
                Some(k) => k,
                None if d.command.is_some() => FlightKind::Command,
                // MotherDuck's flights are Python scripts.
                None => FlightKind::Python,
            };
            let spec = FlightSpec {
                kind,
                command: d.command.unwrap_or_default(),
                script: d.script,
                config: d.config.unwrap_or_default(),
                secrets: d.secrets.unwrap_or_default(),
                token_name: d.token_name.flatten(),
                schedule: d.schedule.flatten(),
                timezone: d.timezone.flatten(),
                timeout_secs: d.timeout_secs.flatten(),
                concurrency: d.concurrency.unwrap_or(1),
                steps: vec![],
                runs_as_since: None,
                requirements: d.requirements.flatten(),
                source_builds: d.source_builds.unwrap_or(false),
            };
            let saved = svc.create_flight(caller, project, &name, spec)?;
            Ok(table(func, vec![flight_row(&saved.info, Some(&saved.warnings))]))
        }
        Func::Update => {
            let id = p.required_text("flight_id")?;
            if p.given.contains_key("name") {
                return Err(p.error(
                    "name",
                    "is not supported: a coffer flight cannot be renamed; create it under the new name and delete the old one",
                ));
            }
            let update = p.definition()?;
            if update.is_empty() {
                return Err(SqlError::Semantic(format!(
                    "MD_UPDATE_FLIGHT changes nothing: give at least one of {}",
                    DEFINITION.join(", ")
                )));
            }
            let saved = svc.update_flight(caller, project, &id, update)?;
            Ok(table(func, vec![flight_row(&saved.info, Some(&saved.warnings))]))
        }
        Func::Run => {
            let id = p.required_text("flight_id")?;
            let config = p.take("config");
            let overrides = p.map(config)?.flatten().unwrap_or_default();
            let Some(launcher) = ctx.launcher else {
                return Err(SqlError::Unsupported(
                    "MD_RUN_FLIGHT: runs need the coffer CLI (coffer sql, coffer flight run) or the coffer server, which start and watch the flight's process; this SQL session has no flight runner".into(),
                ));
            };
            let run = launcher.run(caller, project, &id, overrides)?;
            Ok(table(func, vec![run_row(&run)]))
        }
        Func::ListRuns => {
            let id = p.required_text("flight_id")?;
            let (limit, offset) = p.limit_offset()?;
            let fetch = limit.map_or(usize::MAX, |l| l.saturating_add(offset));
            let rows = svc
                .list_runs(caller, project, &id, fetch)?
                .iter()
                .skip(offset)
                .map(run_row)
                .collect();
            Ok(table(func, rows))
        }
        Func::ListFlights => {
            let (limit, offset) = p.limit_offset()?;
            let rows = svc
                .list_flights(caller, project)?
                .iter()
                .skip(offset)
                .take(limit.unwrap_or(usize::MAX))
                .map(|f| flight_row(f, None))
                .collect();
            Ok(table(func, rows))
        }
        Func::Get => {
            let id = p.required_text("flight_id")?;
            let f = svc.get_flight(caller, project, &id)?;
            Ok(table(func, vec![flight_row(&f, None)]))
        }
        Func::Delete => {
            let id = p.required_text("flight_id")?;
            svc.delete_flight(caller, project, &id)?;
            Ok(Table::success())
        }
        Func::Cancel => {
            let id = p.required_text("flight_id")?;
            let n = p.take("run_number");
            let Some(Some(n)) = p.int(n, 1, "a run number (1 or more)")? else {
                return Err(SqlError::Semantic(
                    "MD_CANCEL_FLIGHT_RUN needs run_number := N (see MD_LIST_FLIGHT_RUNS)".into(),
                ));
            };
            let run = svc.cancel_run(caller, project, &id, n)?;
            Ok(table(func, vec![run_row(&run)]))
        }
    }
}

/// The message for a `CALL md_...` that is none of the flight functions.
pub(crate) fn unknown_procedure(name: &ObjectName) -> SqlError {
    SqlError::Unsupported(format!("CALL {name}: coffer's MotherDuck procedures are {KNOWN}"))
}
