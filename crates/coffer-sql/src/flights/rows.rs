//! Flights, versions and runs as result rows: MotherDuck's column names where it has the
//! column, and its run status names (`RUN_STATUS_SUCCEEDED`, ...).

use crate::table::{timestamp, ColType, Value};
use coffer_core::{FlightInfo, FlightVersionInfo, RunInfo};
use indexmap::IndexMap;

/// DuckDB's type name of a `config` column.
pub(super) const MAP_TYPE: &str = "map(varchar, varchar)";

fn named(cols: &[(&str, ColType)]) -> Vec<(String, ColType)> {
    cols.iter().map(|(n, t)| (n.to_string(), t.clone())).collect()
}

/// A flight row (MotherDuck's names where it has the column), then `warnings` for
/// `MD_CREATE_FLIGHT`/`MD_UPDATE_FLIGHT`.
pub(super) fn flight_columns(with_warnings: bool) -> Vec<(String, ColType)> {
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

/// A run row: coffer's columns, then MotherDuck's others. Its `status` is MotherDuck's name
/// (`RUN_STATUS_SUCCEEDED`, `RUN_STATUS_FAILED`, `RUN_STATUS_CANCELLED`, `RUN_STATUS_RUNNING`;
/// a run that timed out is `RUN_STATUS_FAILED`, its message says so); the CLI and the HTTP
/// API show coffer's own (`succeeded`, `timed_out`, ...).
pub(super) fn run_columns() -> Vec<(String, ColType)> {
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

pub(super) fn flight_row(f: &FlightInfo, warnings: Option<&[String]>) -> Vec<Value> {
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

pub(super) fn run_row(r: &RunInfo) -> Vec<Value> {
    vec![
        Value::Int(r.run_number),
        Value::Text(coffer_model::flight::md_status_name(&r.status)),
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

/// A version row of `MD_LIST_FLIGHT_VERSIONS`.
pub(super) fn version_columns() -> Vec<(String, ColType)> {
    named(&[
        ("flight_id", ColType::Other("uuid".into())),
        ("flight_name", ColType::Varchar),
        ("version", ColType::BigInt),
        ("created_at", ColType::Other("timestamp".into())),
        ("created_by", ColType::Varchar),
        ("changes", ColType::VarcharList),
    ])
}

/// One version of flight `f`, as [`version_columns`].
pub(super) fn version_row(f: &FlightInfo, v: &FlightVersionInfo) -> Vec<Value> {
    vec![
        Value::Text(f.flight_id.clone()),
        Value::Text(f.name.clone()),
        Value::Int(v.version),
        Value::Text(timestamp(v.created_at)),
        Value::Text(v.created_by.clone()),
        texts(&v.changes),
    ]
}

/// Flight `f` at one of its versions, `current` its current version: the columns of
/// `MD_GET_FLIGHT` (`current_version` the current one), then the version's number and script.
pub(super) fn flight_version_row(f: &FlightInfo, current: i64) -> Vec<Value> {
    let mut row = flight_row(f, None);
    row[3] = Value::Int(current);
    row.extend([Value::Int(f.version), opt_text(&f.script)]);
    row
}
