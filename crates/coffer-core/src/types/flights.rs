//! The requests and answers of the flights use cases: definitions, runs and launches.

use crate::caller::Caller;
use crate::clock::now_ms;
use crate::runenv::RunEnv;
use crate::types::secrets::OpenedSecret;
use coffer_crypto::SecretString;
use coffer_model::flight::{FlightKind, FlightSpec, RunStatus, Step};
use coffer_store::{FlightRecord, FlightVersionRecord, RunRecord};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A flight as shown: its definition and bookkeeping, never a secret value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlightInfo {
    /// Stable id (the `flight_id` of the SQL functions).
    pub flight_id: String,
    /// Project.
    pub project: String,
    /// Name.
    pub name: String,
    /// `command`, `python` or `sql`.
    pub kind: String,
    /// For `command`: the argv.
    pub command: Vec<String>,
    /// For `python` and `sql`: the script.
    pub script: Option<String>,
    /// Plain variables (not secret).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub config: IndexMap<String, String>,
    /// Attached secrets.
    pub secrets: Vec<String>,
    /// The token whose identity runs act as.
    pub token_name: Option<String>,
    /// Cron expression.
    pub schedule: Option<String>,
    /// Time zone of the schedule (UTC when absent).
    pub timezone: Option<String>,
    /// Timeout in seconds.
    pub timeout_secs: Option<u64>,
    /// Runs allowed at once.
    pub concurrency: u32,
    /// For `flow`: its steps, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub steps: Vec<Step>,
    /// 1, then one more per update.
    pub version: i64,
    /// Who created it.
    pub owner: String,
    /// The identity its runs act as: the owner of its token, or its owner when it names none.
    pub runs_as: String,
    /// The version since which its runs act as `runs_as`: only someone who may act as that
    /// identity can change what the flight runs.
    pub runs_as_since: i64,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
    /// The next scheduled run, Unix milliseconds.
    pub next_run_at: Option<i64>,
    /// For `python`: the requirements.txt its runs' environment is built from.
    #[serde(default)]
    pub requirements: Option<String>,
    /// Whether installing the requirements may build packages from source.
    #[serde(default)]
    pub source_builds: bool,
}

impl FlightInfo {
    pub(crate) fn from_record(r: &FlightRecord, runs_as: String) -> Self {
        let next_run_at = r.spec.schedule.as_deref().and_then(|e| {
            coffer_model::schedule::Schedule::parse(e, r.spec.timezone.as_deref())
                .ok()
                .and_then(|s| s.next_after(now_ms()))
        });
        FlightInfo {
            flight_id: r.id.clone(),
            project: r.project.clone(),
            name: r.name.clone(),
            kind: r.spec.kind.name().into(),
            command: r.spec.command.clone(),
            script: r.spec.script.clone(),
            config: r.spec.config.clone(),
            secrets: r.spec.secrets.clone(),
            token_name: r.spec.token_name.clone(),
            schedule: r.spec.schedule.clone(),
            timezone: r.spec.timezone.clone(),
            timeout_secs: r.spec.timeout_secs,
            concurrency: r.spec.concurrency,
            steps: r.spec.steps.clone(),
            version: r.version,
            owner: r.owner.clone(),
            runs_as,
            runs_as_since: r.spec.runs_as_since.unwrap_or(1),
            created_at: r.created_at,
            updated_at: r.updated_at,
            next_run_at,
            requirements: r.spec.requirements.clone(),
            source_builds: r.spec.source_builds,
        }
    }
}

/// A flight just created or updated, with the warnings about its config.
#[derive(Debug, Clone)]
pub struct FlightSaved {
    /// The flight.
    pub info: FlightInfo,
    /// Config values that look like credentials (key and kind, never the value).
    pub warnings: Vec<String>,
    /// The update changed nothing: no version was made and the flight is as it was.
    pub unchanged: bool,
}

/// One kept version of a flight, without its content (see
/// [`Service::get_flight_version`](crate::Service::get_flight_version) for that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlightVersionInfo {
    /// 1 for the created flight, one more per update that changed it.
    pub version: i64,
    /// When it was written, Unix milliseconds.
    pub created_at: i64,
    /// Who wrote it: the creator for version 1, the updater for the others.
    pub created_by: String,
    /// The fields that differ from the version before, as [`FlightInfo`] names them
    /// (`script`, `config`, `schedule`, ...); `["created"]` for version 1, and
    /// `["first_recorded"]` for the oldest version of a flight from before coffer kept
    /// versions (the content of the ones before it is unknown).
    pub changes: Vec<String>,
}

impl FlightVersionInfo {
    /// The versions as shown, newest first, from the stored ones, newest first.
    pub(crate) fn list(versions: &[FlightVersionRecord]) -> Vec<Self> {
        versions
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let changes = match versions.get(i + 1) {
                    Some(before) => before
                        .spec
                        .changed_fields(&v.spec)
                        .into_iter()
                        .map(String::from)
                        .collect(),
                    None if v.version == 1 => vec!["created".to_string()],
                    None => vec!["first_recorded".to_string()],
                };
                FlightVersionInfo {
                    version: v.version,
                    created_at: v.created_at,
                    created_by: v.created_by.clone(),
                    changes,
                }
            })
            .collect()
    }
}

/// A change to a flight: `None` keeps a field, `Some` replaces it (config and secrets are
/// replaced whole, not merged, as in seed 003).
#[derive(Debug, Clone, Default)]
pub struct FlightUpdate {
    /// New kind.
    pub kind: Option<FlightKind>,
    /// New argv.
    pub command: Option<Vec<String>>,
    /// New script.
    pub script: Option<String>,
    /// New config map (replaces).
    pub config: Option<IndexMap<String, String>>,
    /// New secret list (replaces).
    pub secrets: Option<Vec<String>>,
    /// New token (`Some(None)` clears it).
    pub token_name: Option<Option<String>>,
    /// New schedule (`Some(None)` clears it).
    pub schedule: Option<Option<String>>,
    /// New time zone (`Some(None)` clears it).
    pub timezone: Option<Option<String>>,
    /// New timeout (`Some(None)` clears it).
    pub timeout_secs: Option<Option<u64>>,
    /// New concurrency.
    pub concurrency: Option<u32>,
    /// New steps (a flow's; replaces them all).
    pub steps: Option<Vec<Step>>,
    /// New requirements.txt (`Some(None)` removes it, and then `source_builds` too unless
    /// given).
    pub requirements: Option<Option<String>>,
    /// Whether installing the requirements may build from source.
    pub source_builds: Option<bool>,
    /// Applies only while the flight is at this version (a read-modify-write, such as an
    /// edit of its source, then cannot overwrite a change made in between). Not a change.
    pub if_version: Option<i64>,
}

impl FlightUpdate {
    /// Whether it changes what the flight runs (its kind, command, script, steps, config,
    /// secrets, token or requirements), as opposed to when (schedule, time zone) or how long (timeout,
    /// concurrency).
    pub fn changes_what_runs(&self) -> bool {
        self.kind.is_some()
            || self.command.is_some()
            || self.script.is_some()
            || self.config.is_some()
            || self.secrets.is_some()
            || self.token_name.is_some()
            || self.steps.is_some()
            || self.requirements.is_some()
            || self.source_builds.is_some()
    }

    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.kind.is_none()
            && self.command.is_none()
            && self.script.is_none()
            && self.config.is_none()
            && self.secrets.is_none()
            && self.token_name.is_none()
            && self.schedule.is_none()
            && self.timezone.is_none()
            && self.timeout_secs.is_none()
            && self.concurrency.is_none()
            && self.steps.is_none()
            && self.requirements.is_none()
            && self.source_builds.is_none()
    }

    pub(crate) fn apply(self, spec: &mut FlightSpec) {
        if let Some(k) = self.kind {
            if k != spec.kind {
                // A new kind drops what the old one ran unless the update sets it.
                spec.command.clear();
                spec.script = None;
                spec.steps.clear();
            }
            spec.kind = k;
        }
        if let Some(steps) = self.steps {
            spec.steps = steps;
        }
        if let Some(c) = self.command {
            spec.command = c;
        }
        if let Some(s) = self.script {
            spec.script = Some(s);
        }
        if let Some(c) = self.config {
            spec.config = c;
        }
        if let Some(s) = self.secrets {
            spec.secrets = s;
        }
        if let Some(t) = self.token_name {
            spec.token_name = t;
        }
        if let Some(s) = self.schedule {
            spec.schedule = s;
        }
        if let Some(t) = self.timezone {
            spec.timezone = t;
        }
        if let Some(t) = self.timeout_secs {
            spec.timeout_secs = t;
        }
        if let Some(c) = self.concurrency {
            spec.concurrency = c;
        }
        if let Some(r) = self.requirements {
            if r.is_none() && self.source_builds.is_none() {
                spec.source_builds = false;
            }
            spec.requirements = r;
        }
        if let Some(b) = self.source_builds {
            spec.source_builds = b;
        }
    }
}

/// One run as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunInfo {
    /// The flight's name.
    pub flight: String,
    /// The flight's id.
    pub flight_id: String,
    /// 1, 2, 3...
    pub run_number: i64,
    /// `running`, `succeeded`, `failed`, `cancelled` or `timed_out`.
    pub status: String,
    /// The flight version it ran.
    pub flight_version: i64,
    /// The effective config.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub config: IndexMap<String, String>,
    /// Exit code (128 + signal when killed).
    pub exit_code: Option<i32>,
    /// `manual` or `schedule`.
    pub trigger: String,
    /// Who started it.
    pub started_by: String,
    /// Unix milliseconds.
    pub started_at: i64,
    /// Unix milliseconds.
    pub finished_at: Option<i64>,
    /// Milliseconds from start to end (to now while running).
    pub duration_ms: i64,
    /// Why it failed or stopped.
    pub message: Option<String>,
    /// The schedule tick it ran for.
    pub scheduled_for: Option<i64>,
}

impl RunInfo {
    pub(crate) fn from_record(flight: &str, r: &RunRecord) -> Self {
        RunInfo {
            flight: flight.to_string(),
            flight_id: r.flight_id.clone(),
            run_number: r.run_number,
            status: r.status.clone(),
            flight_version: r.flight_version,
            config: r.config.clone(),
            exit_code: r.exit_code,
            trigger: r.trigger.clone(),
            started_by: r.started_by.clone(),
            started_at: r.started_at,
            finished_at: r.finished_at,
            duration_ms: r.finished_at.unwrap_or_else(now_ms).saturating_sub(r.started_at).max(0),
            message: r.message.clone(),
            scheduled_for: r.scheduled_for,
        }
    }

    /// The status, parsed.
    pub fn run_status(&self) -> Option<RunStatus> {
        RunStatus::parse(&self.status)
    }
}

/// How a run is started.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// Per-run config overrides (only keys the flight has).
    pub overrides: IndexMap<String, String>,
    /// `manual` (default) or `schedule`.
    pub trigger: Option<String>,
    /// The schedule tick.
    pub scheduled_for: Option<i64>,
    /// Which process runs it: `host:pid`.
    pub runner: String,
    /// The server URL given to the run as `COFFER_URL`.
    pub coffer_url: Option<String>,
}

/// A run ready to execute: what to run and its environment.
pub struct Launch {
    /// The run.
    pub run: RunInfo,
    /// The project.
    pub project: String,
    /// What it runs.
    pub kind: FlightKind,
    /// What it runs, in order (one step unless it is a flow), templates resolved.
    pub steps: Vec<LaunchStep>,
    /// Every variable of the run (config, secrets, templates, COFFER_*); the runner adds its
    /// own to a copy per step. Its sensitive values are masked in the log.
    pub env: RunEnv,
    /// The project's secrets for the run's own DuckDB (`python` and `sql` runs of an identity
    /// with `use`): each opened secret with the scopes DuckDB should hold it under (see
    /// [`crate::plan`]), opened in the run's one audited batch.
    pub duckdb: Vec<(Vec<String>, OpenedSecret)>,
    /// The timeout.
    pub timeout: Option<std::time::Duration>,
    /// The identity the run acts as.
    pub identity: Caller,
    /// The requirements.txt its python steps' environment is built from, if any.
    pub requirements: Option<String>,
    /// Whether installing `requirements` may build packages from source.
    pub source_builds: bool,
    /// The run's own token, revoked at the end.
    pub(crate) run_token: Option<String>,
}

/// One step of a launched run.
pub struct LaunchStep {
    /// Its id (the flight's name for a single-step flight).
    pub id: String,
    /// `command`, `python` or `sql`.
    pub kind: FlightKind,
    /// The argv (`command`). Never holds a value: a template in a shell line (`sh -c LINE`)
    /// became a reference to a variable of [`LaunchStep::env`].
    pub command: Vec<String>,
    /// The script (`python`, `sql`), templates resolved.
    pub script: Option<SecretString>,
    /// Whether the script held templates (then it holds values and must not touch disk).
    pub script_has_secrets: bool,
    /// The step's own variables (a flow task's properties), templates resolved:
    /// `(name, value, source, sensitive)`.
    pub env: Vec<(String, SecretString, String, bool)>,
    /// The values of a shell line's templates (`COFFER_TEMPLATE_N`), which the line reads.
    pub template_env: Vec<(String, SecretString, String, bool)>,
}

impl std::fmt::Debug for Launch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Launch")
            .field("run", &self.run)
            .field("kind", &self.kind)
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

/// What [`Service::start_run`](crate::Service::start_run) gives.
#[derive(Debug)]
pub enum Started {
    /// Ready to execute.
    Launch(Box<Launch>),
    /// Recorded as `failed` before anything started (a dropped secret, a revoked token).
    Failed(Box<RunInfo>),
}
