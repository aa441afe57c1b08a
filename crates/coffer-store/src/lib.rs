//! coffer's storage layer: the [`Store`] trait and its records. Every backend passes the one
//! test suite of `coffer-store-suite`.
//!
//! A store keeps secrets exactly as [`SecretRecord`]s: metadata in clear and the sensitive
//! values as an opaque [`SealedRecord`] (ciphertext plus wrapped data key). A store never
//! encrypts or decrypts; `coffer-core` does. Writes are optimistic: [`Store::put_secret`] says
//! which version it expects to replace ([`Expect`]), so two writers can never both "win".
#![deny(missing_docs)]

use coffer_model::FieldValue;
use std::collections::BTreeMap;

/// Errors of a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The write's expectation did not hold: the secret exists (when absent was expected) or
    /// its version moved on.
    #[error("conflict: secret '{name}' {what}")]
    Conflict {
        /// The secret.
        name: String,
        /// What was found instead.
        what: String,
    },
    /// The database schema is newer than this binary knows.
    #[error("the database schema is version {found} but this coffer knows up to {known}: upgrade coffer")]
    SchemaTooNew {
        /// The database's version.
        found: i64,
        /// The newest version this binary knows.
        known: i64,
    },
    /// A stored row cannot be read back (bad JSON, bad column).
    #[error("corrupt row for secret '{name}': {reason}")]
    Corrupt {
        /// The secret.
        name: String,
        /// What is wrong (never a value).
        reason: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Backend(String),
    /// An audit event could not be written (the change it went with was not made).
    #[error("the audit log cannot be written: {0}")]
    Audit(String),
}

/// A `Result` with [`StoreError`].
pub type Result<T> = std::result::Result<T, StoreError>;

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
    /// No secret of that name.
    Absent,
    /// The secret at exactly this version.
    Version(i64),
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

/// How a run ended, for [`Store::finish_run`].
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
/// ([`Store::subscribe`]) reports it.
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
    /// Every run of every flight.
    pub runs: Vec<RunRecord>,
    /// Every log chunk: flight id, run number, chunk (with its `seq`).
    pub logs: Vec<(String, i64, LogChunk)>,
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
            ("flight_runs", self.runs.len()),
            ("flight_run_logs", self.logs.len()),
        ]
    }
}

/// For backends' [`Store::token_ancestors`]: from `found` (the token `id` and the tokens above
/// it, in any order), the chain above `id`, nearest first. The chain stops at a parent that is
/// not in `found` (and at a loop, which no store should hold).
pub fn chain_above(id: i64, found: Vec<TokenRecord>) -> Vec<TokenRecord> {
    let mut by_id: std::collections::HashMap<i64, TokenRecord> = found.into_iter().map(|t| (t.id, t)).collect();
    let mut next = by_id.remove(&id).and_then(|t| t.parent_id);
    let mut out = Vec::new();
    while let Some(t) = next.and_then(|p| by_id.remove(&p)) {
        next = t.parent_id;
        out.push(t);
    }
    out
}

/// For backends' [`Store::revoke_token`]: the tokens `found` to revoke (the token `name` and
/// those below it), marked revoked at `at`, the named one first, then by id.
pub fn root_first(name: &str, found: Vec<TokenRecord>, at: i64) -> Vec<TokenRecord> {
    let mut out: Vec<TokenRecord> = found
        .into_iter()
        .map(|t| TokenRecord {
            revoked_at: Some(at),
            ..t
        })
        .collect();
    out.sort_by_key(|t| (!t.name.eq_ignore_ascii_case(name), t.id));
    out
}

/// A persistent store of secrets. Secret names keep the case they were written in but are
/// compared case-insensitively (ASCII), as DuckDB compares them: `get_secret(p, "MY_S3")`
/// finds `my_s3`, and the two cannot coexist.
pub trait Store: Send + Sync {
    /// Writes `record` if `expect` holds, together with `audit`, atomically: either both are
    /// written or neither. A replaced version is kept as history (see
    /// [`Store::set_keep_versions`]).
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when it does not hold; [`StoreError::Backend`].
    fn put_secret(&self, record: &SecretRecord, expect: Expect, audit: &[AuditEvent]) -> Result<()>;

    /// How many earlier versions of each secret a replace keeps (default 10; 0 keeps none).
    fn set_keep_versions(&self, keep: usize);

    /// Every version of the secret `name` still kept, oldest first, the current one last.
    ///
    /// # Errors
    /// As [`Store::get_secret`].
    fn secret_history(&self, project: &str, name: &str) -> Result<Vec<SecretRecord>>;

    /// Every stored version of every secret in every project (current and kept), for key
    /// rotation and key status.
    ///
    /// # Errors
    /// As [`Store::get_secret`].
    fn all_versions(&self) -> Result<Vec<SecretRecord>>;

    /// Replaces the wrapped data key of one stored version if it is still `old` (compare and
    /// swap: a concurrent replace is never undone); returns whether it was replaced.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn rewrap_version(
        &self,
        project: &str,
        name: &str,
        version: i64,
        old: (&str, &[u8]),
        new: (&str, &[u8]),
    ) -> Result<bool>;

    /// The secret `name` of `project`.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn get_secret(&self, project: &str, name: &str) -> Result<Option<SecretRecord>>;

    /// Every secret of `project`, ordered by name.
    ///
    /// # Errors
    /// As [`Store::get_secret`].
    fn list_secrets(&self, project: &str) -> Result<Vec<SecretRecord>>;

    /// Deletes the secret (with its earlier versions) and writes `audit` with it, atomically;
    /// returns whether it existed (when it did not, nothing is written).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn delete_secret(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool>;

    /// Creates a project, with `audit`.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when it exists.
    fn create_project(&self, project: &ProjectRecord, audit: &[AuditEvent]) -> Result<()>;

    /// The project of that name (case-insensitive).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn get_project(&self, name: &str) -> Result<Option<ProjectRecord>>;

    /// Every project, by name.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn list_projects(&self) -> Result<Vec<ProjectRecord>>;

    /// Deletes a project with its secrets, grants and service accounts (and their tokens),
    /// with `audit`; its audit events stay. Returns whether it existed.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn delete_project(&self, name: &str, audit: &[AuditEvent]) -> Result<bool>;

    /// Creates an identity, with `audit`; returns its id.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the name is taken.
    fn create_identity(&self, identity: &IdentityRecord, audit: &[AuditEvent]) -> Result<i64>;

    /// The identity of that name (case-insensitive).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn get_identity(&self, name: &str) -> Result<Option<IdentityRecord>>;

    /// The identity with that id.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn get_identity_by_id(&self, id: i64) -> Result<Option<IdentityRecord>>;

    /// Every identity, by name.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn list_identities(&self) -> Result<Vec<IdentityRecord>>;

    /// Creates a token, with `audit`; returns its id.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the name is taken.
    fn create_token(&self, token: &TokenRecord, audit: &[AuditEvent]) -> Result<i64>;

    /// The token with that public id.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn token_by_public_id(&self, public_id: &str) -> Result<Option<TokenRecord>>;

    /// The token of that name (case-insensitive).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn get_token(&self, name: &str) -> Result<Option<TokenRecord>>;

    /// Every token, by name.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn list_tokens(&self) -> Result<Vec<TokenRecord>>;

    /// The tokens above the token with id `id`: its parent, the parent's parent, and so on,
    /// nearest first (empty for a token with no parent). When the list ends with a token whose
    /// parent is not in it, that parent no longer exists (it went with its identity).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn token_ancestors(&self, id: i64) -> Result<Vec<TokenRecord>>;

    /// Revokes the token `name` and every token below it (those it created, transitively,
    /// through [`TokenRecord::parent_id`]) that is not revoked yet, at `at`, in one
    /// transaction with the events `audit` makes from the tokens revoked. Returns those
    /// tokens (revoked, the named one first); empty, writing nothing, when there is no such
    /// unrevoked token.
    ///
    /// # Errors
    /// [`StoreError::Backend`]; [`StoreError::Audit`].
    fn revoke_token(
        &self,
        name: &str,
        at: i64,
        audit: &dyn Fn(&[TokenRecord]) -> Vec<AuditEvent>,
    ) -> Result<Vec<TokenRecord>>;

    /// Records that the token was used at `at`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn touch_token(&self, id: i64, at: i64) -> Result<()>;

    /// Gives an identity its role in a project (replacing any), with `audit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn set_grant(&self, grant: &GrantRecord, audit: &[AuditEvent]) -> Result<()>;

    /// Removes an identity's role in a project, with `audit`; false when it had none.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn remove_grant(&self, project: &str, identity_id: i64, audit: &[AuditEvent]) -> Result<bool>;

    /// The identity's role in the project.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn get_grant(&self, project: &str, identity_id: i64) -> Result<Option<GrantRecord>>;

    /// The grants of a project (all projects when `None`).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn list_grants(&self, project: Option<&str>) -> Result<Vec<GrantRecord>>;

    /// Writes audit events, atomically. A request whose event cannot be written fails.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn append_audit(&self, events: &[AuditEvent]) -> Result<()>;

    /// A number that changes, in the same transaction, whenever a secret, project, identity,
    /// token or grant changes, whichever process changed it (audit events and token use do not
    /// count), so caches can tell they are stale.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn generation(&self) -> Result<i64>;

    /// Audit events matching `filter`, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>>;

    // ---- flights ----

    /// Creates a flight, with `audit`.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the project has a flight of that name (case-insensitive).
    fn create_flight(&self, flight: &FlightRecord, audit: &[AuditEvent]) -> Result<()>;

    /// Replaces a flight's definition (spec, version, updated_at; not its id, owner or
    /// last_tick) if its stored version is still `expect_version`, with `audit`.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when it is gone or its version moved on.
    fn update_flight(&self, flight: &FlightRecord, expect_version: i64, audit: &[AuditEvent]) -> Result<()>;

    /// The flight of that name in the project (case-insensitive).
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn get_flight(&self, project: &str, name: &str) -> Result<Option<FlightRecord>>;

    /// The flight with that id.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn get_flight_by_id(&self, id: &str) -> Result<Option<FlightRecord>>;

    /// The flights of a project (all projects when `None`), by project then name.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn list_flights(&self, project: Option<&str>) -> Result<Vec<FlightRecord>>;

    /// Deletes a flight with its runs and logs, with `audit`; false when there was none.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn delete_flight(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool>;

    /// Moves a flight's `last_tick` from `expect` to `tick` (compare-and-set, so one node of
    /// several handles a tick); false when it had moved already.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn claim_tick(&self, flight_id: &str, expect: Option<i64>, tick: i64) -> Result<bool>;

    /// Starts a run: gives it the next run number of its flight and stores it, with `audit`,
    /// unless the flight already has `max_running` runs in status `running`.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when `max_running` runs are running; [`StoreError::Backend`].
    fn create_run(&self, run: &RunRecord, max_running: u32, audit: &[AuditEvent]) -> Result<i64>;

    /// One run.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn get_run(&self, flight_id: &str, run_number: i64) -> Result<Option<RunRecord>>;

    /// A flight's runs, newest first, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn list_runs(&self, flight_id: &str, limit: usize) -> Result<Vec<RunRecord>>;

    /// Every run in status `running`, of every flight.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn running_runs(&self) -> Result<Vec<RunRecord>>;

    /// Ends a run that is still `running`, with `audit`; false when it had already ended.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn finish_run(&self, flight_id: &str, run_number: i64, end: &RunEnd, audit: &[AuditEvent]) -> Result<bool>;

    /// Marks a running run for cancellation, with `audit`; false when it is not running.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn request_cancel(&self, flight_id: &str, run_number: i64, audit: &[AuditEvent]) -> Result<bool>;

    /// Appends log chunks to a run (their `seq` is ignored and given by the store).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn append_log(&self, flight_id: &str, run_number: i64, chunks: &[LogChunk]) -> Result<()>;

    /// A run's log chunks with `seq > after`, in order, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn read_log(&self, flight_id: &str, run_number: i64, after: i64, limit: usize) -> Result<Vec<LogChunk>>;

    // ---- nodes (several `coffer serve` processes on one database) ----

    /// Records a node's heartbeat (creating its row on the first).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn node_heartbeat(&self, node: &NodeRecord) -> Result<()>;

    /// Every node that has a row, by id.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn list_nodes(&self) -> Result<Vec<NodeRecord>>;

    /// Removes a node's row (it stopped, or was found lost); false when there was none.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn remove_node(&self, id: &str) -> Result<bool>;

    // ---- change feed and migration ----

    /// The changes other processes commit from now on, for a store that can push them
    /// (PostgreSQL's LISTEN/NOTIFY); `None` for one that cannot (SQLite: readers see changes
    /// through [`Store::generation`] on their next request).
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the feed cannot be started.
    fn subscribe(&self) -> Result<Option<std::sync::mpsc::Receiver<StoreChange>>> {
        Ok(None)
    }

    /// Everything the store holds, read in one consistent snapshot.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn export(&self) -> Result<Dump>;

    /// Writes `dump` into this store, which must hold no secret, identity, token, flight or
    /// audit event yet (a fresh one), in one transaction.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the store is not empty; [`StoreError::Backend`].
    fn import(&self, dump: &Dump) -> Result<()>;
}
