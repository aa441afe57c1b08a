//! The records a store keeps: secrets (sealed), projects, identities, tokens, grants, audit
//! events, flights with their runs and logs, data sources, nodes, and [`Dump`], all of them at
//! once.

use coffer_model::FieldValue;
use std::collections::BTreeMap;

/// The sealed sensitive values of one secret version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedRecord {
    /// The key-encryption key that wrapped the data key.
    pub key_id: String,
    /// The wrapped data key.
    pub wrapped_key: Vec<u8>,
    /// The ciphertext's nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext and tag.
    pub ciphertext: Vec<u8>,
}

/// One persistent secret as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRecord {
    /// The project it belongs to.
    pub project: String,
    /// Its name, unique in the project.
    pub name: String,
    /// Lower-case type.
    pub secret_type: String,
    /// Provider.
    pub provider: String,
    /// Scopes, defaults applied.
    pub scopes: Vec<String>,
    /// Non-sensitive fields, in clear.
    pub public_fields: BTreeMap<String, FieldValue>,
    /// The names of the sealed values (`secret`, `params.API_KEY`).
    pub sensitive_keys: Vec<String>,
    /// The sealed values.
    pub sealed: SealedRecord,
    /// Version, 1 for a new secret, +1 on each replace.
    pub version: i64,
    /// When the secret was first created (Unix milliseconds).
    pub created_at: i64,
    /// Who created it.
    pub created_by: String,
    /// When this version was written (Unix milliseconds).
    pub updated_at: i64,
    /// Who wrote this version.
    pub updated_by: String,
}

/// What a write expects to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No secret (or data source) of that name.
    Absent,
    /// The secret (or data source) at exactly this version.
    Version(i64),
}

/// A data source as stored: a database or lake the project's DuckDB attaches under `name`,
/// with the coffer secret `secret` for its credentials (see `coffer_model::source`). It holds
/// no credential itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    /// The project it belongs to.
    pub project: String,
    /// The catalog name it is attached under, unique in the project (case-insensitive).
    pub name: String,
    /// `postgres`, `mysql`, `sqlite`, `ducklake`, `iceberg` or `s3`.
    pub source_type: String,
    /// The secret holding its credentials, by name (`None` for a local file).
    pub secret: Option<String>,
    /// The type's options (`path`, `schema`, ...), stored as a JSON object.
    pub options: BTreeMap<String, String>,
    /// Attached read-only.
    pub read_only: bool,
    /// 1 for a new source, one more on each replace.
    pub version: i64,
    /// When it was first created (Unix milliseconds).
    pub created_at: i64,
    /// Who created it.
    pub created_by: String,
    /// When this version was written (Unix milliseconds).
    pub updated_at: i64,
    /// Who wrote this version.
    pub updated_by: String,
}

/// A project: every secret, grant, service account and audit event belongs to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRecord {
    /// Its name, unique (case-insensitively).
    pub name: String,
    /// When it was created (Unix milliseconds).
    pub created_at: i64,
    /// Who created it.
    pub created_by: String,
}

/// A user or a service account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRecord {
    /// Row id (0 before it is created).
    pub id: i64,
    /// Its name, unique (case-insensitively) across users and service accounts.
    pub name: String,
    /// `user` or `service_account`.
    pub kind: String,
    /// A superuser may do everything in every project (the first admin).
    pub superuser: bool,
    /// For a service account: the project whose admins manage it.
    pub project: Option<String>,
    /// When it was created (Unix milliseconds).
    pub created_at: i64,
    /// Who created it.
    pub created_by: String,
}

/// A named access token: only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Row id (0 before it is created).
    pub id: i64,
    /// The public part of the token, used to find its row.
    pub public_id: String,
    /// The identity it acts as.
    pub identity_id: i64,
    /// Its name, unique (case-insensitively).
    pub name: String,
    /// SHA-256 of the whole token.
    pub hash: Vec<u8>,
    /// When it was created (Unix milliseconds).
    pub created_at: i64,
    /// Who created it.
    pub created_by: String,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
    /// When it was last used (at most a minute off).
    pub last_used_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// The token that created it (its id): revoking that one revokes this one too. `None` for
    /// a token created with no token (local mode, the bootstrap token) or before tokens
    /// recorded their parent.
    pub parent_id: Option<i64>,
}

/// A role of an identity in a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    /// The project.
    pub project: String,
    /// The identity.
    pub identity_id: i64,
    /// `admin`, `write`, `use` or `read`.
    pub role: String,
    /// When it was granted (Unix milliseconds).
    pub granted_at: i64,
    /// Who granted it.
    pub granted_by: String,
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Row id (0 before it is written).
    pub id: i64,
    /// When (Unix milliseconds).
    pub at: i64,
    /// The identity that acted (`admin`, `local:alice`).
    pub actor: String,
    /// The token it used, if any.
    pub token_name: Option<String>,
    /// The project.
    pub project: String,
    /// What was acted on: `secret:NAME`, `token:NAME`, `grant:IDENTITY`, `project:NAME`.
    pub object: String,
    /// `create`, `replace`, `drop`, `use`, `grant`, ...
    pub action: String,
    /// `ok` or `denied`.
    pub result: String,
    /// The client's address, or `local`.
    pub client: String,
    /// More about it (never a value): the role that was needed, a storage.
    pub detail: Option<String>,
}

/// Which audit events to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this project.
    pub project: Option<String>,
    /// Only this object (`secret:NAME`).
    pub object: Option<String>,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only events at or after this time (Unix milliseconds).
    pub since: Option<i64>,
    /// Only events at or before this time (Unix milliseconds).
    pub until: Option<i64>,
    /// Only events older than this one (its id): the next page of a listing, newest first.
    pub before_id: Option<i64>,
    /// At most this many, newest kept.
    pub limit: Option<usize>,
}

/// A flight as stored: its definition and bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlightRecord {
    /// A stable id (a UUID), the `flight_id` of the SQL functions.
    pub id: String,
    /// The project it belongs to.
    pub project: String,
    /// Its name, unique in the project (case-insensitive).
    pub name: String,
    /// The definition.
    pub spec: coffer_model::flight::FlightSpec,
    /// 1 on creation, one more on every update.
    pub version: i64,
    /// The identity that created it (its runs act as this identity when no token is named):
    /// an identity name, or `local:<user>` in local mode.
    pub owner: String,
    /// The owner's identity id; `None` for a local-mode owner.
    pub owner_id: Option<i64>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
    /// The last schedule tick that was handled (run or skipped), Unix milliseconds.
    pub last_tick: Option<i64>,
}

/// One version of a flight's definition: written with the create or update that made it, in
/// the same transaction, and never changed afterwards (deleted only with its flight).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlightVersionRecord {
    /// The flight's id.
    pub flight_id: String,
    /// 1 for the created flight, one more for every update.
    pub version: i64,
    /// The whole definition at that version.
    pub spec: coffer_model::flight::FlightSpec,
    /// When it was written (the flight's `updated_at` then), Unix milliseconds.
    pub created_at: i64,
    /// Who wrote it: the creator for version 1, the updater for the others.
    pub created_by: String,
}

/// One run of a flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// The flight's id.
    pub flight_id: String,
    /// 1, 2, 3... per flight, given by the store.
    pub run_number: i64,
    /// `running`, `succeeded`, `failed`, `cancelled` or `timed_out`
    /// ([`coffer_model::flight::RunStatus`]).
    pub status: String,
    /// The flight's version the run ran.
    pub flight_version: i64,
    /// The config the run ran with (stored map plus per-run overrides).
    pub config: indexmap::IndexMap<String, String>,
    /// The process's exit code (128 + signal when killed by one).
    pub exit_code: Option<i32>,
    /// `manual` or `schedule`.
    pub trigger: String,
    /// Who started it (identity name, `local:<user>`, or `scheduler`).
    pub started_by: String,
    /// Unix milliseconds.
    pub started_at: i64,
    /// Unix milliseconds, once final.
    pub finished_at: Option<i64>,
    /// Why it failed or was stopped (never a value).
    pub message: Option<String>,
    /// Which process runs it: `host:pid`.
    pub runner: Option<String>,
    /// Set by `flight cancel`; the runner stops the run when it sees it.
    pub cancel_requested: bool,
    /// The schedule tick it was started for.
    pub scheduled_for: Option<i64>,
}

/// A piece of a run's log, already masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogChunk {
    /// 1, 2, 3... per run, given by the store (0 when appending).
    pub seq: i64,
    /// `stdout`, `stderr` or `coffer` (coffer's own notes: start, exit, timeout).
    pub stream: String,
    /// Unix milliseconds.
    pub at: i64,
    /// The bytes (masked; not necessarily UTF-8 at chunk boundaries).
    pub data: Vec<u8>,
}

/// How a run ended, for [`RunStore::finish_run`](crate::RunStore::finish_run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunEnd {
    /// The final status.
    pub status: String,
    /// The exit code, if the process ran.
    pub exit_code: Option<i32>,
    /// Unix milliseconds.
    pub finished_at: i64,
    /// Why, when it did not succeed.
    pub message: Option<String>,
}

/// A `coffer serve` process, as its heartbeats record it: several nodes may share one
/// database, and a node whose heartbeat stops is lost (its runs are failed by another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRecord {
    /// `host:pid`, the `runner` of the flight runs it executes.
    pub id: String,
    /// When it started (Unix milliseconds).
    pub started_at: i64,
    /// Its last heartbeat (Unix milliseconds).
    pub heartbeat_at: i64,
    /// The URL it serves on.
    pub url: String,
}

/// A change committed by another process on the same database, as a store's change feed
/// ([`NodeStore::subscribe`](crate::NodeStore::subscribe)) reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreChange {
    /// A persistent secret was created or replaced (also by a rollback or rewrap).
    SecretUpserted {
        /// The project.
        project: String,
        /// The secret's name.
        name: String,
    },
    /// A persistent secret was dropped.
    SecretDropped {
        /// The project.
        project: String,
        /// The secret's name.
        name: String,
    },
    /// A data source was created, replaced or dropped.
    SourceChanged {
        /// The project.
        project: String,
        /// The source's name.
        name: String,
    },
    /// A project was deleted (with all its secrets).
    ProjectDropped {
        /// The project.
        project: String,
    },
    /// The feed lost its connection and may have missed changes: re-read everything.
    Resync,
}

/// Everything a store holds, for `coffer migrate`: rows exactly as stored (secrets stay
/// sealed), ids kept so tokens and grants still point at their identities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dump {
    /// Every project.
    pub projects: Vec<ProjectRecord>,
    /// The current version of every persistent secret.
    pub secrets: Vec<SecretRecord>,
    /// Every kept earlier version.
    pub versions: Vec<SecretRecord>,
    /// Every identity, with its id.
    pub identities: Vec<IdentityRecord>,
    /// Every token, with its id.
    pub tokens: Vec<TokenRecord>,
    /// Every grant.
    pub grants: Vec<GrantRecord>,
    /// The whole audit log, oldest first, with ids.
    pub audit: Vec<AuditEvent>,
    /// Every flight.
    pub flights: Vec<FlightRecord>,
    /// Every kept version of every flight.
    pub flight_versions: Vec<FlightVersionRecord>,
    /// Every run of every flight.
    pub runs: Vec<RunRecord>,
    /// Every log chunk: flight id, run number, chunk (with its `seq`).
    pub logs: Vec<(String, i64, LogChunk)>,
    /// Every data source.
    pub sources: Vec<SourceRecord>,
}

impl Dump {
    /// How many rows of each kind, by table name, for verifying a copy.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("projects", self.projects.len()),
            ("secrets", self.secrets.len()),
            ("secret_versions", self.versions.len()),
            ("identities", self.identities.len()),
            ("tokens", self.tokens.len()),
            ("grants", self.grants.len()),
            ("audit_events", self.audit.len()),
            ("flights", self.flights.len()),
            ("flight_versions", self.flight_versions.len()),
            ("flight_runs", self.runs.len()),
            ("flight_run_logs", self.logs.len()),
            ("sources", self.sources.len()),
        ]
    }
}
