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
//! FROM MD_LIST_FLIGHT_VERSIONS(flight_id := '...')  -- also MD_FLIGHT_VERSIONS
//! FROM MD_GET_FLIGHT_VERSION(flight_id := '...', version := 2)
//! ```
//!
//! Run statuses are shown as MotherDuck names them (`RUN_STATUS_SUCCEEDED`, ...; see
//! [`coffer_model::flight::RunStatus::md_status`]).
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
//!
//! The module's parts: `func` (which function, its parameters and columns), `params` (binding
//! and checking named arguments), `rows` (a flight, a version or a run as a result row).

mod func;
mod params;
mod rows;

use crate::error::{Result, SqlError};
use crate::table::{Table, Value};
use coffer_core::{Caller, CoreError, RunInfo, Service};
use coffer_model::flight::{FlightKind, FlightSpec};
pub(crate) use func::Func;
use func::{DEFINITION, KNOWN};
use indexmap::IndexMap;
use params::Params;
use rows::{flight_row, flight_version_row, run_row, version_row};
use sqlparser::ast::{FunctionArg, ObjectName};

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
        Func::ListVersions => {
            let id = p.required_text("flight_id")?;
            let (limit, offset) = p.limit_offset()?;
            let f = svc.get_flight(caller, project, &id)?;
            let rows = svc
                .list_flight_versions(caller, project, &f.flight_id)?
                .iter()
                .skip(offset)
                .take(limit.unwrap_or(usize::MAX))
                .map(|v| version_row(&f, v))
                .collect();
            Ok(table(func, rows))
        }
        Func::GetVersion => {
            let id = p.required_text("flight_id")?;
            let v = p.take("version");
            let Some(Some(v)) = p.int(v, 1, "a version number (1 or more)")? else {
                return Err(SqlError::Semantic(
                    "MD_GET_FLIGHT_VERSION needs version := N (see MD_LIST_FLIGHT_VERSIONS)".into(),
                ));
            };
            let current = svc.get_flight(caller, project, &id)?;
            let f = svc.get_flight_version(caller, project, &current.flight_id, v)?;
            Ok(table(func, vec![flight_version_row(&f, current.version)]))
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
