//! Each tool's arguments, as MotherDuck's MCP tool reference names them (plus coffer's
//! `project`, `kind` and `timeout`). Unknown arguments are refused, so a misspelled optional
//! one is an error instead of being ignored.

use indexmap::IndexMap;
use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;

/// No arguments but the project.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectOnly {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
}

/// `create_flight`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFlight {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
    /// The flight's name: letters, digits, `.`, `_`, `-` (1 to 128).
    pub name: String,
    /// The program: a Python script (kind `python`, the default), a SQL script (`sql`), or
    /// an argv split on spaces (`command`, no shell).
    pub source_code: String,
    /// A requirements.txt for a python flight: the packages each run gets (wheels only
    /// unless the flight allows source builds).
    pub requirements_txt: Option<String>,
    /// Plain (not secret) variables, each an environment variable of every run.
    #[schemars(with = "Option<std::collections::BTreeMap<String, String>>")]
    pub config: Option<IndexMap<String, String>>,
    /// Names of `flights` secrets whose keys become `SECRETNAME_KEY` variables.
    pub md_secret_names: Option<Vec<String>>,
    /// The name of the access token the runs act as (default: yours).
    pub md_token_name: Option<String>,
    /// A cron expression (5 fields, or 6 with seconds first), in UTC.
    pub schedule_cron: Option<String>,
    /// coffer's extra: `python` (default), `sql` or `command`.
    pub kind: Option<String>,
    /// coffer's extra: seconds before a run is killed (no limit when absent).
    pub timeout: Option<u64>,
    /// coffer's extra: let installing `requirements_txt` build packages from source (runs
    /// their build code); wheels only when absent or false.
    pub source_builds: Option<bool>,
}

/// `update_flight`: absent fields stay as they are.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFlight {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
    /// The flight's id or name.
    pub id: String,
    /// The new program (see `create_flight`).
    pub source_code: Option<String>,
    /// The new requirements.txt; `""` removes it.
    pub requirements_txt: Option<String>,
    /// The new config map: replaces the whole map (not merged).
    #[schemars(with = "Option<std::collections::BTreeMap<String, String>>")]
    pub config: Option<IndexMap<String, String>>,
    /// The new list of attached secrets: replaces the whole list.
    pub md_secret_names: Option<Vec<String>>,
    /// The new token name; `""` runs as the flight's owner.
    pub md_token_name: Option<String>,
    /// The new cron expression; `""` removes the schedule.
    pub schedule_cron: Option<String>,
    /// coffer's extra: the new kind.
    pub kind: Option<String>,
    /// coffer's extra: the new timeout in seconds; `0` removes it.
    pub timeout: Option<u64>,
    /// coffer's extra: whether installing the requirements may build from source.
    pub source_builds: Option<bool>,
}

/// One exact-match edit of a flight's source.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    /// The text to replace: it must occur exactly once unless `replace_all`.
    pub old_string: String,
    /// What replaces it.
    pub new_string: String,
    /// Replace every occurrence (at least one).
    #[serde(default)]
    pub replace_all: bool,
}

/// `edit_flight_source`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditFlightSource {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
    /// The flight's id or name.
    pub id: String,
    /// Edits applied in order; all or none are saved, as one new version.
    pub edits: Vec<Edit>,
}

/// A flight by id or name.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlightRef {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
    /// The flight's id or name.
    pub id: String,
}

/// `get_flight`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetFlight {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
    /// The flight's id or name.
    pub id: String,
    /// A version number (default: the current version).
    pub version: Option<i64>,
}

/// `list_flights`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListFlights {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
    /// Words that must all appear in the flight's name or source (any case).
    pub keywords: Option<String>,
    /// At most this many (default 50, at most 1000).
    pub limit: Option<usize>,
}

/// `run_flight`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunFlight {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
    /// The flight's id or name.
    pub id: String,
    /// Per-run values of config keys the flight already has (new keys are refused).
    #[schemars(with = "Option<std::collections::BTreeMap<String, String>>")]
    pub config: Option<IndexMap<String, String>>,
}

/// `list_flight_runs`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListFlightRuns {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
    /// The flight's id or name.
    pub id: String,
    /// At most this many, newest first (default 20, at most 1000).
    pub limit: Option<usize>,
}

/// A run of a flight.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRef {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
    /// The flight's id or name.
    pub id: String,
    /// The run's number (1, 2, 3...).
    pub run_number: i64,
}

/// `get_flight_logs`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetFlightLogs {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
    /// The flight's id or name.
    pub id: String,
    /// The run's number.
    pub run_number: i64,
    /// At most this many bytes, the end of the log kept (default 65536, at least 1024).
    pub max_bytes: Option<usize>,
}

/// `which_secret`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhichSecret {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
    /// A path or URL, such as `s3://bucket/file.parquet`.
    pub path: String,
    /// A secret type, such as `s3`.
    #[serde(rename = "type")]
    pub secret_type: String,
}

/// `query`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// The coffer project (default: the server's default project).
    pub project: Option<String>,
    /// One or more statements separated by `;`.
    pub sql: String,
    /// At most this many rows per result (default 100, at most 1000).
    pub max_rows: Option<usize>,
}
