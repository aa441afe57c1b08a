//! coffer's application layer: every use case is a method of [`Service`]; the CLI, the HTTP
//! API and the SQL front only translate to and from it.
//!
//! A [`Service`] owns a [`Store`](coffer_store::Store) for persistent secrets, a
//! [`Keyring`](coffer_crypto::Keyring) for envelope encryption, the temporary (in-memory)
//! secrets of this process, and one [`ScopeIndex`](coffer_model::ScopeIndex) per project that
//! answers `which_secret` as DuckDB would.
//!
//! Creating a secret validates it with `coffer-model`, seals its sensitive values under a fresh
//! data key with AAD binding project, name, type, version and the clear metadata
//! ([`aad`]), and writes it with an optimistic version check. Listing never opens a value;
//! [`Service::use_secrets`] does (for a caller with `use`, audited), and fails with an
//! integrity error on any tampering.
//!
//! [`Service::load_env_secrets`] adds Kestra's environment secrets backend: `SECRET_<NAME>`
//! variables (base64) as read-only `generic` secrets of storage `env`, kept in memory only.
//!
//! [`nodes`] lets several `coffer serve` processes share one database: heartbeats, failing
//! the runs of a lost node ([`Service::fail_lost_nodes`]), and following the store's change
//! feed so that live DuckDB instances see other nodes' changes ([`Service::follow_store`]).
//!
//! # Layout
//!
//! [`Service`] is a thin façade (`service`): it owns the state and hands each request to the
//! part that carries it out, a view over that state with one file per use case:
//!
//! - `access` ([`access`]): callers from tokens, projects, identities, tokens, grants, the
//!   audit log, and the role checks the other parts make;
//! - `secrets`: create, read, open (use), drop, update, history, and the temporary, `env` and
//!   scope-index state;
//! - [`flights`]: definitions, runs, launch environments, templates, run tokens, schedules
//!   and recovery;
//! - [`keys`]: verification and rotation of the key-encryption key;
//! - [`nodes`], above the façade: heartbeats, lost nodes and the change feed, whose threads
//!   hold the service itself.
//!
//! Below the parts are what they share: `caller` ([`Caller`], [`Role`]), `clock`, `error`
//! ([`CoreError`]), `types` (the requests and answers), `cache` (read caches tied to the
//! store's generation), and [`aad`], [`plan`] and [`runenv`]. Modules depend on each other
//! without a cycle: a part uses only the parts and modules below it.
#![deny(missing_docs)]

pub mod aad;
pub mod access;
mod cache;
mod caller;
mod clock;
mod error;
pub mod flights;
pub mod keys;
pub mod nodes;
pub mod plan;
pub mod runenv;
mod secrets;
mod service;
mod types;

pub use cache::ReadScope;
pub use caller::{Caller, Role};
pub use coffer_store::{AuditFilter, NodeRecord, StoreChange};
pub use error::{CoreError, Result};
pub use nodes::{LostNode, NodeEvent, NodeHeartbeat, NodeTiming};
pub use secrets::{ENV_SECRET_PREFIX, MAX_TEMPORARY_BYTES, MAX_TEMPORARY_SECRETS};
pub use service::{SecretObserver, Service};
pub use types::access::{AuditInfo, IdentityInfo, MemberInfo, NewToken, ProjectInfo, TokenInfo};
pub use types::flights::{FlightInfo, FlightSaved, FlightUpdate, Launch, LaunchStep, RunInfo, RunRequest, Started};
pub use types::keys::{KeyUsage, RotationReport};
pub use types::secrets::{
    CreateOutcome, CreateRequest, OnConflict, OpenedSecret, SecretChange, SecretInfo, SecretUpdate, SecretVersionInfo,
    WhichSecret,
};
