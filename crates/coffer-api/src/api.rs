//! [`CofferApi`]: every use case of coffer, one method each, in the HTTP API's terms.

use crate::error::Result;
use crate::resolved::ResolvedEnv;
use crate::types::{
    AuditQuery, CreateSecretBody, CreateSecretResponse, CreateSourceBody, CreateSourceResponse, DropResponse,
    DropSourceResponse, EnvBody, FlightCreateBody, FlightSavedResponse, FlightUpdateBody, GrantBody, LogResponse,
    ProjectBody, RollbackBody, RunBody, ServiceAccountBody, SqlBody, SqlResponse, TokenBody, TokenCreated, UserBody,
    WhichResponse, WhoAmI,
};
use coffer_core::{
    AuditInfo, FlightInfo, FlightVersionInfo, IdentityInfo, KeyUsage, MemberInfo, ProjectInfo, PruneReport,
    RotationReport, RunInfo, SecretInfo, SecretVersionInfo, SourceInfo, TokenInfo,
};
use coffer_model::Storage;

/// Every use case of coffer, one method each, as the HTTP API has them: its path and query
/// parameters are arguments (the audit log's many filters its [`types::AuditQuery`](crate::types::AuditQuery)), a
/// request body is its type from [`types`](crate::types), and so is an answer. Both adapters are
/// `Send + Sync`, for front ends that share one across threads.
///
/// # Errors
/// Every method fails with an [`Error`](crate::Error): the service's refusal or failure (not found, no role,
/// invalid input, the store), or, through a server, its answer or the connection's failure.
pub trait CofferApi {
    /// Who the caller is.
    fn whoami(&self) -> Result<WhoAmI>;

    /// The projects the caller has a role in.
    fn list_projects(&self) -> Result<Vec<ProjectInfo>>;
    /// Creates a project (superusers).
    fn create_project(&self, body: ProjectBody) -> Result<ProjectInfo>;
    /// Deletes a project; with `force`, even when it holds secrets (superusers).
    fn delete_project(&self, project: &str, force: bool) -> Result<()>;

    /// The project's secrets, metadata only (role `read`).
    fn list_secrets(&self, project: &str) -> Result<Vec<SecretInfo>>;
    /// Creates, replaces or keeps a secret (role `write`).
    fn create_secret(&self, project: &str, body: CreateSecretBody) -> Result<CreateSecretResponse>;
    /// One secret's metadata, in `storage` or wherever it is (role `read`).
    fn secret_info(&self, project: &str, name: &str, storage: Option<Storage>) -> Result<SecretInfo>;
    /// Drops a secret; with `if_exists`, a missing one is no error (role `write`).
    fn drop_secret(&self, project: &str, name: &str, if_exists: bool, storage: Option<Storage>)
        -> Result<DropResponse>;
    /// The versions kept of a persistent secret, oldest first (role `read`).
    fn secret_history(&self, project: &str, name: &str) -> Result<Vec<SecretVersionInfo>>;
    /// Makes a new version equal to a kept one (role `write`).
    fn rollback_secret(&self, project: &str, name: &str, body: RollbackBody) -> Result<SecretInfo>;
    /// The secret DuckDB would use for `path` (its which_secret; role `read`).
    fn which_secret(&self, project: &str, path: &str, secret_type: &str) -> Result<WhichResponse>;
    /// The environment for a run: the values of the secrets named (role `use`, audited).
    fn resolve_env(&self, project: &str, body: EnvBody) -> Result<ResolvedEnv>;

    /// The project's data sources, by name (role `read`).
    fn list_sources(&self, project: &str) -> Result<Vec<SourceInfo>>;
    /// Creates, replaces or keeps a data source; its secret must exist with the type the
    /// source takes (role `write`).
    fn create_source(&self, project: &str, body: CreateSourceBody) -> Result<CreateSourceResponse>;
    /// One data source (role `read`).
    fn get_source(&self, project: &str, name: &str) -> Result<SourceInfo>;
    /// Drops a data source; with `if_exists`, a missing one is no error (role `write`).
    fn drop_source(&self, project: &str, name: &str, if_exists: bool) -> Result<DropSourceResponse>;

    /// Runs a script as `coffer sql` does; statement errors are in the response.
    fn run_sql(&self, project: &str, body: SqlBody) -> Result<SqlResponse>;

    /// The project's members and their roles (role `admin`).
    fn list_members(&self, project: &str) -> Result<Vec<MemberInfo>>;
    /// Gives an identity a role in the project, replacing its role (role `admin`).
    fn grant(&self, project: &str, identity: &str, body: GrantBody) -> Result<MemberInfo>;
    /// Takes an identity's role in the project away (role `admin`).
    fn revoke_grant(&self, project: &str, identity: &str) -> Result<()>;
    /// Creates a service account of the project, with no role until granted.
    fn create_service_account(&self, project: &str, body: ServiceAccountBody) -> Result<IdentityInfo>;
    /// The identities the caller may see.
    fn list_identities(&self) -> Result<Vec<IdentityInfo>>;
    /// Creates a user (superusers).
    fn create_user(&self, body: UserBody) -> Result<IdentityInfo>;
    /// The tokens the caller may see (never the tokens themselves).
    fn list_tokens(&self) -> Result<Vec<TokenInfo>>;
    /// Creates a named token: the answer holds it this once.
    fn create_token(&self, body: TokenBody) -> Result<TokenCreated>;
    /// Revokes a token and every token created with it, transitively.
    fn revoke_token(&self, name: &str) -> Result<TokenInfo>;
    /// Audit events, oldest first (a project's admins; superusers for every project).
    fn list_audit(&self, query: AuditQuery) -> Result<Vec<AuditInfo>>;

    /// How many stored data keys each key-encryption key wraps (superusers).
    fn key_status(&self) -> Result<Vec<KeyUsage>>;
    /// Rotates the key-encryption key and wraps every data key again (superusers).
    fn rotate_keys(&self) -> Result<RotationReport>;
    /// Removes unused old key-encryption keys from the key file: on the machine that has it.
    fn prune_keys(&self) -> Result<PruneReport>;

    /// The project's flights (role `read`).
    fn list_flights(&self, project: &str) -> Result<Vec<FlightInfo>>;
    /// Creates a flight (role `write`).
    fn create_flight(&self, project: &str, body: FlightCreateBody) -> Result<FlightSavedResponse>;
    /// One flight, by name or id (role `read`).
    fn get_flight(&self, project: &str, flight: &str) -> Result<FlightInfo>;
    /// A flight's kept versions, newest first: each with when, by whom and the fields it
    /// changed (role `read`).
    fn list_flight_versions(&self, project: &str, flight: &str) -> Result<Vec<FlightVersionInfo>>;
    /// A flight as it was at `version`, its whole definition then; `version` in the answer is
    /// that version (role `read`). Not found names the flight, the version and the latest.
    fn get_flight_version(&self, project: &str, flight: &str, version: i64) -> Result<FlightInfo>;
    /// Changes a flight (role `write`): a change makes its next version; an update that
    /// changes nothing makes none and answers `unchanged`.
    fn update_flight(&self, project: &str, flight: &str, body: FlightUpdateBody) -> Result<FlightSavedResponse>;
    /// Deletes a flight with its runs and logs (role `write`).
    fn delete_flight(&self, project: &str, flight: &str) -> Result<()>;
    /// Starts a run (role `use`). Where runs run in the caller's process (the CLI's local
    /// mode) it runs to its end, its masked output handed to `sink`; elsewhere this returns at
    /// once, the run `running` or `failed` (it could not start), and its output is read with
    /// [`CofferApi::run_log`].
    fn run_flight(&self, project: &str, flight: &str, body: RunBody, sink: coffer_flights::Sink<'_>)
        -> Result<RunInfo>;
    /// A flight's runs, newest first, at most `limit` (role `read`).
    fn list_runs(&self, project: &str, flight: &str, limit: usize) -> Result<Vec<RunInfo>>;
    /// One run (role `read`).
    fn get_run(&self, project: &str, flight: &str, run: i64) -> Result<RunInfo>;
    /// A run's log, at most `limit` chunks after chunk `after`, with the run (role `read`).
    fn run_log(&self, project: &str, flight: &str, run: i64, after: i64, limit: usize) -> Result<LogResponse>;
    /// Asks a running run to stop (role `use`).
    fn cancel_run(&self, project: &str, flight: &str, run: i64) -> Result<RunInfo>;
}
