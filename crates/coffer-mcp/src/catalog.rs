//! The tools: names, descriptions, input schemas and annotations, and which of them change
//! nothing (the only ones listed and callable in read-only mode).

use crate::params;
use rmcp::handler::server::common::schema_for_input;
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use rmcp::schemars::JsonSchema;
use std::sync::Arc;

/// What a tool does to coffer's state, as its annotations tell a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Changes nothing: listed in read-only mode.
    Reads,
    /// Adds something (a flight, a run); calling twice adds twice.
    Adds,
    /// Changes or removes what exists; calling twice with the same arguments changes
    /// nothing more (`idempotentHint`).
    Replaces,
    /// Changes what exists, differently on each call.
    Edits,
    /// `query`: whatever its statements do (changes nothing in read-only mode).
    Statements,
}

/// One tool.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Its name.
    pub name: &'static str,
    /// What it does, for the model.
    pub description: &'static str,
    /// What it changes.
    pub effect: Effect,
    /// Whether it reaches beyond coffer (runs member code, reads remote data).
    pub open_world: bool,
    schema: fn() -> Arc<JsonObject>,
}

fn schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    // The parameter types are this crate's own and always object schemas.
    schema_for_input::<T>().unwrap_or_else(|_| rmcp::handler::server::common::schema_for_empty_input())
}

/// Every tool, in the order they are listed.
pub const TOOLS: &[Spec] = &[
    Spec {
        name: "get_flight_guide",
        description: "How to write a coffer flight (MotherDuck Flights' model): source, requirements, config, secrets as SECRETNAME_KEY variables, the run's token, schedules, versions, logs. Read it before creating a flight.",
        effect: Effect::Reads,
        open_world: false,
        schema: schema::<params::ProjectOnly>,
    },
    Spec {
        name: "create_flight",
        description: "Create a flight: a Python script (default), a SQL script or a command, with a config map, attached flights secrets (md_secret_names), the token its runs act as, a cron schedule. Never put secret values in source_code or config: attach secrets by name, or reference them as {{ secret('NAME') }}.",
        effect: Effect::Adds,
        open_world: false,
        schema: schema::<params::CreateFlight>,
    },
    Spec {
        name: "update_flight",
        description: "Change a flight (a new version): only the fields given change; config and md_secret_names replace the whole map or list; schedule_cron \"\" removes the schedule.",
        effect: Effect::Replaces,
        open_world: false,
        schema: schema::<params::UpdateFlight>,
    },
    Spec {
        name: "edit_flight_source",
        description: "Edit a flight's source with exact-match replacements (each old_string must occur exactly once unless replace_all); all edits or none are saved, as one new version.",
        effect: Effect::Edits,
        open_world: false,
        schema: schema::<params::EditFlightSource>,
    },
    Spec {
        name: "get_flight",
        description: "A flight's definition (source, requirements, config, attached secrets, token, schedule), current or at a given version.",
        effect: Effect::Reads,
        open_world: false,
        schema: schema::<params::GetFlight>,
    },
    Spec {
        name: "list_flights",
        description: "The project's flights, optionally those whose name or source holds every keyword.",
        effect: Effect::Reads,
        open_world: false,
        schema: schema::<params::ListFlights>,
    },
    Spec {
        name: "list_flight_versions",
        description: "A flight's versions, newest first: when, by whom, and what changed.",
        effect: Effect::Reads,
        open_world: false,
        schema: schema::<params::FlightRef>,
    },
    Spec {
        name: "run_flight",
        description: "Start a run of a flight now; config overrides values of existing keys for this run only. Returns the run (RUNNING); follow it with list_flight_runs and get_flight_logs.",
        effect: Effect::Adds,
        open_world: true,
        schema: schema::<params::RunFlight>,
    },
    Spec {
        name: "list_flight_runs",
        description: "A flight's runs, newest first: status (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED), version, effective config, exit code, times.",
        effect: Effect::Reads,
        open_world: false,
        schema: schema::<params::ListFlightRuns>,
    },
    Spec {
        name: "get_flight_logs",
        description: "A run's output (stdout, stderr and coffer's own lines), secret values masked; the end is kept when it is longer than max_bytes.",
        effect: Effect::Reads,
        open_world: false,
        schema: schema::<params::GetFlightLogs>,
    },
    Spec {
        name: "cancel_flight_run",
        description: "Ask a running run to stop.",
        effect: Effect::Replaces,
        open_world: false,
        schema: schema::<params::RunRef>,
    },
    Spec {
        name: "delete_flight",
        description: "Delete a flight with its versions, runs and logs.",
        effect: Effect::Replaces,
        open_world: false,
        schema: schema::<params::FlightRef>,
    },
    Spec {
        name: "list_secrets",
        description: "The project's secrets: name, type, provider, scopes, storage, version, who changed them when, and the names of their sensitive fields. Never their values.",
        effect: Effect::Reads,
        open_world: false,
        schema: schema::<params::ProjectOnly>,
    },
    Spec {
        name: "which_secret",
        description: "Which secret DuckDB would use for a path and a type (longest SCOPE prefix wins), as DuckDB's which_secret() answers.",
        effect: Effect::Reads,
        open_world: false,
        schema: schema::<params::WhichSecret>,
    },
    Spec {
        name: "list_secret_types",
        description: "The secret types coffer knows (s3, gcs, r2, azure, openai, flights, ...), their providers and fields: which are required, which are sensitive, defaults.",
        effect: Effect::Reads,
        open_world: false,
        schema: schema::<params::ProjectOnly>,
    },
    Spec {
        name: "query",
        description: "Run SQL through coffer's SQL front: FROM duckdb_secrets(), which_secret(), the MD_* flight functions, md_access_tokens(), and DuckDB statements on the project's sandboxed DuckDB (read_parquet('s3://...') uses the project's secrets). Rows come back as JSON, cut at max_rows. Statements that would store a secret value (CREATE SECRET with a key, INSERT INTO duckdb.secrets) are refused: create secrets with the CLI, the HTTP API or the web page.",
        effect: Effect::Statements,
        open_world: true,
        schema: schema::<params::Query>,
    },
];

impl Spec {
    /// Whether it is listed and callable in read-only mode.
    pub fn in_read_only(&self) -> bool {
        matches!(self.effect, Effect::Reads | Effect::Statements)
    }

    /// The MCP tool, annotated for `read_only` mode.
    pub fn tool(&self, read_only: bool) -> Tool {
        let reads = self.effect == Effect::Reads || (read_only && self.effect == Effect::Statements);
        let mut annotations = ToolAnnotations::new().read_only(reads).open_world(self.open_world);
        if !reads {
            annotations = annotations
                .destructive(matches!(
                    self.effect,
                    Effect::Replaces | Effect::Edits | Effect::Statements
                ))
                .idempotent(self.effect == Effect::Replaces);
        }
        Tool::new(self.name, self.description, (self.schema)()).annotate(annotations)
    }
}

/// The tool called `name`, if this mode offers it.
pub fn find(name: &str, read_only: bool) -> Option<&'static Spec> {
    TOOLS
        .iter()
        .find(|t| t.name == name && (!read_only || t.in_read_only()))
}

/// The tools listed in this mode.
pub fn list(read_only: bool) -> Vec<Tool> {
    TOOLS
        .iter()
        .filter(|t| !read_only || t.in_read_only())
        .map(|t| t.tool(read_only))
        .collect()
}
