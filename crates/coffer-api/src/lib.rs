//! coffer's API layer: what a client can ask of coffer, whatever carries the request.
//!
//! - [`CofferApi`]: one method per use case (a project's secrets, its members and flights;
//!   projects, identities, tokens, the audit log, the keys), speaking the HTTP API's request
//!   and response types ([`types`]), with one [`Error`] type.
//! - [`Local`]: the API over a [`coffer_core::Service`] in this process, as one
//!   [`coffer_core::Caller`]. The CLI's local mode uses it as the machine's owner, the HTTP
//!   server's handlers as the token's identity. It is the one place where the request types
//!   become the service's and its answers become the response types.
//! - `Remote` (feature `remote`): the API through a `coffer serve` server over HTTP (ureq),
//!   the CLI's remote mode. It only carries requests and answers.
//! - [`Error`]: every failure, with the CLI's exit code ([`Error::exit_code`]) and the HTTP
//!   status and code a server answers with ([`Error::http_status`], [`Error::code`]).
//! - [`SqlRunner`]: what runs `/sql` scripts for [`Local`] ([`PlainSql`] without DuckDB).
//!
//! A front end (the CLI, the HTTP server; an MCP server, a web page or a PostgreSQL endpoint
//! to come) holds a `&dyn CofferApi`. One that takes requests from the network checks them
//! first with the request types' `validate` methods, as the HTTP server does before it
//! authenticates a request.
//!
//! The `openapi` feature derives the types' OpenAPI schemas (coffer-server's document).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod local;
#[cfg(feature = "remote")]
mod remote;
mod sql;
pub mod types;

pub use error::{is_for_the_client, Error, Result};
pub use local::{Local, SqlErrorRender};
#[cfg(feature = "remote")]
pub use remote::Remote;
pub use sql::{PlainSql, SqlRunner};

use coffer_core::runenv::RunEnv;
use coffer_core::{
    AuditInfo, FlightInfo, IdentityInfo, KeyUsage, MemberInfo, ProjectInfo, PruneReport, RotationReport, RunInfo,
    SecretInfo, SecretVersionInfo, TokenInfo,
};
use coffer_model::Storage;
use types::{
    AuditQuery, CreateSecretBody, CreateSecretResponse, DropResponse, EnvBody, FlightCreateBody, FlightSavedResponse,
    FlightUpdateBody, GrantBody, LogResponse, ProjectBody, RollbackBody, RunBody, ServiceAccountBody, SqlBody,
    SqlResponse, TokenBody, TokenCreated, UserBody, WhichResponse, WhoAmI,
};

/// A run's environment as the API hands it out: the variables, and the warnings about those
/// left out (a stored secret whose name steers a loader, shell or interpreter).
#[derive(Debug)]
pub struct ResolvedEnv {
    /// The variables, values included.
    pub env: RunEnv,
    /// What was left out, and why.
    pub warnings: Vec<String>,
}

/// Every use case of coffer, one method each, as the HTTP API has them: its path and query
/// parameters are arguments (the audit log's many filters its [`types::AuditQuery`]), a
/// request body is its type from [`types`], and so is an answer. Both adapters are
/// `Send + Sync`, for front ends that share one across threads.
///
/// # Errors
/// Every method fails with an [`Error`]: the service's refusal or failure (not found, no role,
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
    /// Changes a flight (role `write`).
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

#[cfg(test)]
mod tests {
    fn shareable<T: Send + Sync + 'static>() {}

    #[test]
    fn both_adapters_can_be_shared_across_threads() {
        shareable::<crate::Local>();
        #[cfg(feature = "remote")]
        shareable::<crate::Remote>();
    }
}
