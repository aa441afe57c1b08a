//! The request and response bodies of the HTTP API, shared with the CLI's remote client.
//! Request bodies refuse unknown fields.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// An error: a stable `code`, a message for people, and the field at fault when there is one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ErrorBody {
    /// `invalid`, `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `ambiguous`, `payload_too_large`, `unsupported_media_type`, `method_not_allowed`,
    /// `audit_unavailable`, `store_unavailable`, `keyring_unavailable`, `unavailable` (the
    /// server was started without what the request needs, e.g. a flight runner), `internal`.
    pub code: String,
    /// What went wrong and what to do. Never a secret value. For errors on the server's side
    /// (`store_unavailable`, `keyring_unavailable`, `audit_unavailable`, `internal`) only a
    /// generic message and the request id under which the server logged the cause.
    pub message: String,
    /// The request field at fault (`fields.secret`, `name`, `type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `forbidden`: the role that was needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_needed: Option<String>,
}

/// A name of a project, secret, identity or token: 1 to 128 letters, digits, `.`, `_`, `-`.
/// Every `{project}`, `{name}`, `{identity}` and `{token}` in a path is one.
#[derive(Debug, Clone, ToSchema)]
#[schema(value_type = String, pattern = "^[A-Za-z0-9._-]{1,128}$", example = "default")]
pub struct Name(pub String);

/// A field value in a create request: text, boolean, integer, or a map of text.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum FieldInput {
    /// A boolean (use_ssl).
    Bool(bool),
    /// An integer (port).
    Int(i64),
    /// Text (most fields; sensitive ones too).
    Text(String),
    /// A map (flights `params`, s3 `extra_http_headers`).
    Map(IndexMap<String, String>),
}

/// What to do when a secret of that name exists.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OnConflictBody {
    /// Refuse (plain CREATE SECRET).
    #[default]
    Error,
    /// Replace it as a new version (OR REPLACE).
    Replace,
    /// Keep it (IF NOT EXISTS).
    Ignore,
}

/// Create a secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSecretBody {
    /// The name; without it, `__default_<type>`.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9._-]{1,128}$")]
    pub name: Option<String>,
    /// The type: s3, r2, gcs, azure, huggingface, postgres, mysql, openai, ollama, azure_llm,
    /// flights, generic.
    #[serde(rename = "type")]
    #[schema(pattern = "^(s3|r2|gcs|azure|huggingface|postgres|mysql|openai|ollama|azure_llm|flights|generic)$")]
    pub secret_type: String,
    /// The provider (default: the type's first).
    #[serde(default)]
    pub provider: Option<String>,
    /// URL prefixes (default: the type's).
    #[serde(default)]
    pub scope: Vec<String>,
    /// Keep it in the server's memory only.
    #[serde(default)]
    pub temporary: bool,
    /// What to do when it exists.
    #[serde(default)]
    pub on_conflict: OnConflictBody,
    /// The fields, by name.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: IndexMap<String, FieldInput>,
}

/// What a create did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateSecretResponse {
    /// `created`, `replaced` or `kept existing`.
    pub action: String,
    /// The secret's metadata.
    pub secret: coffer_core::SecretInfo,
}

/// Which storage to act on.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StorageQuery {
    /// `memory` (temporary) or `coffer` (persistent); both when absent.
    #[serde(default)]
    #[param(pattern = "^(memory|coffer)$")]
    pub storage: Option<String>,
}

/// Drop options.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DropQuery {
    /// Succeed when it does not exist.
    #[serde(default)]
    pub if_exists: bool,
    /// `memory` or `coffer`; needed when the name is in both.
    #[serde(default)]
    #[param(pattern = "^(memory|coffer)$")]
    pub storage: Option<String>,
}

/// What a drop did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DropResponse {
    /// The storage dropped from; absent when nothing existed (`if_exists`).
    pub dropped: Option<String>,
}

/// A which_secret lookup.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WhichQuery {
    /// The path DuckDB would read.
    pub path: String,
    /// The secret type.
    #[serde(rename = "type")]
    #[param(pattern = "^(s3|r2|gcs|azure|huggingface|postgres|mysql|openai|ollama|azure_llm|flights|generic)$")]
    pub secret_type: String,
}

/// The answer of a which_secret lookup.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WhichResponse {
    /// The secret DuckDB would use, if any.
    pub secret: Option<coffer_core::WhichSecret>,
}

/// Ask for a run's environment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvBody {
    /// The secrets whose values go into the environment.
    #[schema(value_type = Vec<Name>)]
    pub secrets: Vec<String>,
}

/// A run's environment: variable name to value. The only response that carries values.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct EnvResponse {
    /// Variables.
    pub env: BTreeMap<String, String>,
    /// The names of the variables whose values are sensitive (to mask in logs).
    pub sensitive: Vec<String>,
    /// Variables left out, and why (a stored secret whose name steers a loader, shell or
    /// interpreter, such as LD_PRELOAD).
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for EnvResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvResponse")
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Create a project.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectBody {
    /// Its name.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,128}$")]
    pub name: String,
}

/// Delete options.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteProjectQuery {
    /// Delete even when it holds secrets.
    #[serde(default)]
    pub force: bool,
}

/// Create a user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    /// Its name.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,128}$")]
    pub name: String,
    /// May do everything everywhere.
    #[serde(default)]
    pub superuser: bool,
}

/// Create a service account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountBody {
    /// Its name.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,128}$")]
    pub name: String,
}

/// Create a token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// The token's name (`flights-prod-ingest`).
    #[schema(pattern = "^[A-Za-z0-9._-]{1,128}$")]
    pub name: String,
    /// Whose token: a user or service account (default: the caller).
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9._-]{1,128}$")]
    pub owner: Option<String>,
    /// How long it is valid: `90d`, `12h`, `30m` (default: until revoked).
    #[serde(default)]
    #[schema(pattern = "^[1-9][0-9]{0,5}(s|m|h|d|w)$")]
    pub expires_in: Option<String>,
}

/// A token just created: shown this once, stored only as a hash.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TokenCreated {
    /// The token.
    pub token: String,
    /// Its metadata.
    pub info: coffer_core::TokenInfo,
    /// Why it was not made as asked, if it was not: a token created with a token never
    /// outlives it, so a missing or later expiry is capped to that token's.
    #[serde(default)]
    pub notice: Option<String>,
}

impl std::fmt::Debug for TokenCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCreated")
            .field("token", &"*******")
            .field("info", &self.info)
            .field("notice", &self.notice)
            .finish()
    }
}

/// Give a role.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// `admin`, `write`, `use` or `read`.
    #[schema(pattern = "^(read|use|write|admin)$")]
    pub role: String,
}

/// Which audit events to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this project (required unless the caller is a superuser).
    #[serde(default)]
    pub project: Option<String>,
    /// Only this secret.
    #[serde(default)]
    pub secret: Option<String>,
    /// Only this actor.
    #[serde(default)]
    pub actor: Option<String>,
    /// Only events this recent: `1h`, `30m`, `7d`.
    #[serde(default)]
    #[param(pattern = "^[1-9][0-9]{0,5}(s|m|h|d|w)$")]
    pub since: Option<String>,
    /// At most this many (newest kept; default 1000).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Who the caller is.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WhoAmI {
    /// The identity.
    pub name: String,
    /// Whether it may do everything everywhere.
    pub superuser: bool,
    /// The token used.
    pub token_name: Option<String>,
}

/// Liveness.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// coffer's version.
    pub version: String,
}

/// Parses a duration like `90d`, `12h`, `30m`, `1w`, into milliseconds.
///
/// # Errors
/// A message naming the accepted forms.
pub fn parse_duration_ms(field: &str, s: &str) -> Result<i64, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|_| format!("invalid duration '{s}' for {field}: use a number and a unit, e.g. 30m, 12h, 90d, 1w"))?;
    let ms = i64::try_from(d.as_millis()).map_err(|_| format!("duration '{s}' for {field} is too long"))?;
    if ms <= 0 {
        return Err(format!("duration '{s}' for {field} must be positive"));
    }
    Ok(ms)
}

/// Run SQL: the statements of `coffer sql`, on the server.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlBody {
    /// One or more statements separated by `;`.
    pub sql: String,
}

impl std::fmt::Debug for SqlBody {
    // Statements can carry secret values (CREATE SECRET ... SECRET '...').
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlBody").finish_non_exhaustive()
    }
}

/// An SQL error, as `coffer sql` prints it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SqlErrorBody {
    /// The message.
    pub message: String,
    /// The message with the statement's line, column and a caret, string literals masked.
    pub rendered: String,
    /// The exit code `coffer sql` gives it: 2 for syntax and usage, 3 for permission, 1 else.
    pub exit_code: u8,
}

/// One statement's result: a table or an error.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SqlStatementResult {
    /// The result, when it succeeded.
    #[schema(value_type = Option<Object>)]
    pub table: Option<coffer_sql::Table>,
    /// The error, when it failed.
    pub error: Option<SqlErrorBody>,
}

/// The results of a script, one per statement; `error` when the script did not even split.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SqlResponse {
    /// An error of the whole script (an unterminated string).
    pub error: Option<SqlErrorBody>,
    /// One result per statement, in order.
    pub results: Vec<SqlStatementResult>,
}

impl SqlErrorBody {
    /// From an SQL error in `script`.
    pub fn of(e: &coffer_sql::SqlError, script: &str) -> Self {
        SqlErrorBody {
            message: e.to_string(),
            rendered: e.render(script),
            exit_code: e.exit_code(),
        }
    }
}

/// Roll a secret back.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackBody {
    /// The kept version whose values become a new current version.
    pub version: i64,
}

// ---- flights ----

/// Create a flight (seed 003): a command, a Python script or a SQL script with a config map,
/// attached secrets, a token to run as, an optional schedule and a timeout.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlightCreateBody {
    /// The flight's name.
    #[schema(value_type = Name)]
    pub name: String,
    /// `command`, `python` or `sql`.
    #[schema(example = "python")]
    pub kind: String,
    /// For `command`: the program and its arguments.
    #[serde(default)]
    pub command: Vec<String>,
    /// For `python` and `sql`: the script.
    #[serde(default)]
    pub script: Option<String>,
    /// Plain variables (not secret), replaced whole on update.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub config: IndexMap<String, String>,
    /// Attached secrets, replaced whole on update.
    #[serde(default)]
    #[schema(value_type = Vec<Name>)]
    pub secrets: Vec<String>,
    /// The token whose identity runs act as (the creator's when absent).
    #[serde(default)]
    #[schema(value_type = Option<Name>)]
    pub token_name: Option<String>,
    /// A cron expression: 5 fields, or 6 with seconds first.
    #[serde(default)]
    pub schedule: Option<String>,
    /// The schedule's IANA time zone (UTC when absent).
    #[serde(default)]
    pub timezone: Option<String>,
    /// Seconds before a run is killed and marked `timed_out`.
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Runs allowed at once (1 when absent).
    #[serde(default)]
    pub concurrency: Option<u32>,
    /// For kind `flow`: the steps, in order (`{id, kind, command?, script?, env?}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub steps: Vec<coffer_model::flight::Step>,
}

fn some<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Change a flight: absent fields stay, present ones replace (config and secrets whole, not
/// merged); `null` clears `token_name`, `schedule`, `timezone` and `timeout_secs`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlightUpdateBody {
    /// New kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// New argv.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// New script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// New config map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub config: Option<IndexMap<String, String>>,
    /// New list of attached secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Name>>)]
    pub secrets: Option<Vec<String>>,
    /// New token; `null` runs as the owner.
    #[serde(default, deserialize_with = "some", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Name>)]
    pub token_name: Option<Option<String>>,
    /// New schedule; `null` removes it.
    #[serde(default, deserialize_with = "some", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub schedule: Option<Option<String>>,
    /// New time zone; `null` is UTC.
    #[serde(default, deserialize_with = "some", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub timezone: Option<Option<String>>,
    /// New timeout; `null` removes it.
    #[serde(default, deserialize_with = "some", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u64>)]
    pub timeout_secs: Option<Option<u64>>,
    /// New concurrency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    /// New steps of a `flow` (replace them all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub steps: Option<Vec<coffer_model::flight::Step>>,
}

/// A flight just created or updated, with warnings about config values that look like
/// credentials (naming the key, never the value).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FlightSavedResponse {
    /// The flight.
    pub flight: coffer_core::FlightInfo,
    /// Warnings.
    pub warnings: Vec<String>,
}

/// Start a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    /// Per-run overrides of config keys the flight has (new keys are refused).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub config: IndexMap<String, String>,
}

/// Which runs to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// At most this many, newest first (default 50, at most 1000).
    pub limit: Option<usize>,
}

/// Which part of a log to read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Only chunks after this sequence number (0: from the start).
    pub after: Option<i64>,
    /// At most this many chunks (default 1000, at most 1000).
    pub limit: Option<usize>,
}

/// A piece of a run's log, masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogChunkBody {
    /// Sequence number, increasing.
    pub seq: i64,
    /// `stdout`, `stderr` or `coffer`.
    pub stream: String,
    /// Unix milliseconds.
    pub at: i64,
    /// The bytes, base64 (standard alphabet, padded).
    pub data: String,
}

/// A run and a piece of its log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogResponse {
    /// The run, as of this read.
    pub run: coffer_core::RunInfo,
    /// The chunks after `after`.
    pub chunks: Vec<LogChunkBody>,
}
