//! The flight functions: their names, parameters and result columns.

use super::rows::{flight_columns, run_columns, version_columns};
use crate::table::{ColType, Table};
use sqlparser::ast::ObjectName;

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
    ListVersions,
    GetVersion,
}

/// The functions a `CALL md_...` may name, for error messages.
pub(super) const KNOWN: &str =
    "MD_CREATE_FLIGHT, MD_UPDATE_FLIGHT, MD_RUN_FLIGHT, MD_LIST_FLIGHT_RUNS, MD_LIST_FLIGHTS, MD_GET_FLIGHT, MD_DELETE_FLIGHT, MD_CANCEL_FLIGHT_RUN, MD_LIST_FLIGHT_VERSIONS, MD_GET_FLIGHT_VERSION";

/// The parameters `MD_CREATE_FLIGHT` and `MD_UPDATE_FLIGHT` share.
pub(super) const DEFINITION: &[&str] = &[
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
            "md_list_flight_versions" | "md_flight_versions" => Func::ListVersions,
            "md_get_flight_version" => Func::GetVersion,
            _ => return None,
        })
    }

    pub(super) fn sql_name(self) -> &'static str {
        match self {
            Func::Create => "MD_CREATE_FLIGHT",
            Func::Update => "MD_UPDATE_FLIGHT",
            Func::Run => "MD_RUN_FLIGHT",
            Func::ListRuns => "MD_LIST_FLIGHT_RUNS",
            Func::ListFlights => "MD_LIST_FLIGHTS",
            Func::Get => "MD_GET_FLIGHT",
            Func::Delete => "MD_DELETE_FLIGHT",
            Func::Cancel => "MD_CANCEL_FLIGHT_RUN",
            Func::ListVersions => "MD_LIST_FLIGHT_VERSIONS",
            Func::GetVersion => "MD_GET_FLIGHT_VERSION",
        }
    }

    /// Every parameter, in the order error messages list them.
    pub(super) fn params(self) -> Vec<&'static str> {
        match self {
            Func::Create => [&["name"][..], DEFINITION].concat(),
            Func::Update => [&["flight_id", "name"][..], DEFINITION].concat(),
            Func::Run => vec!["flight_id", "config"],
            Func::ListRuns | Func::ListVersions => vec!["flight_id", "limit", "offset"],
            Func::GetVersion => vec!["flight_id", "version"],
            Func::ListFlights => vec!["limit", "offset"],
            Func::Get | Func::Delete => vec!["flight_id"],
            Func::Cancel => vec!["flight_id", "run_number"],
        }
    }

    /// Whether calling it changes something (its `FROM` form is checked before it runs).
    pub(crate) fn has_effects(self) -> bool {
        !matches!(
            self,
            Func::ListRuns | Func::ListFlights | Func::Get | Func::ListVersions | Func::GetVersion
        )
    }

    /// The columns of its result.
    pub(crate) fn columns(self) -> Vec<(String, ColType)> {
        match self {
            Func::Create | Func::Update => flight_columns(true),
            Func::ListFlights | Func::Get => flight_columns(false),
            Func::GetVersion => {
                let mut cols = flight_columns(false);
                cols.extend([
                    ("version".to_string(), ColType::BigInt),
                    ("source_code".to_string(), ColType::Varchar),
                ]);
                cols
            }
            Func::ListVersions => version_columns(),
            Func::Run | Func::ListRuns | Func::Cancel => run_columns(),
            Func::Delete => Table::success().columns,
        }
    }
}
