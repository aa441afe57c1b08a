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
//! [`Service`] is a thin façade (`service`): it owns the state (the store, the keyring, the
//! read caches, the in-memory secrets, the observers) and hands each request to the part that
//! carries it out. A part is a view of that state (`Access`, `Secrets`, `Flights`, `Sources`,
//! `Keys`, `Nodes`, each in its folder's `part.rs`, `authz.rs` for access) with one file per use case:
//!
//! - [`access`]: the role checks the other parts make (`authz`), callers from tokens
//!   (`authn`), `projects`, `identities`, `tokens`, `grants`, `audit`;
//! - `secrets`: `create`, `read`, `open` (use), `drop`, `update`, `history`, and the
//!   `temporary`, `env` and `index` (`which_secret`) use cases over the in-memory `state`;
//! - [`flights`]: `define`, `runs`, `launch` (identity and environment), `templates`,
//!   `run_tokens`, `schedule`, `recovery`;
//! - `sources`: data sources (databases and lakes attached by name with a secret): `define`
//!   (create, list, show, drop) and `attach` (what an engine asks before it attaches one);
//! - [`keys`]: `verify` and `rotate`;
//! - [`nodes`]: `heartbeat`, `lost` nodes and the change `feed`, whose threads run for the
//!   service through a trait it implements (`NodeHost`).
//!
//! Below the parts is what they share: `caller` ([`Caller`], [`Role`]), `clock`, `error`
//! ([`CoreError`]), `types` (the requests and answers), `cache` (read caches tied to the
//! store's generation), [`aad`], [`plan`] and [`runenv`]. No module depends on another that
//! depends on it: a part uses only what is below it, a folder's `mod.rs` only declares and
//! re-exports, and the parts never name `Service` (the secrets part reports changes, and the
//! node threads call the service, through traits the service implements).
//! `python3 scripts/module_cycles.py crates/coffer-core` checks it.
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
mod sources;
mod types;

pub use cache::ReadScope;
pub use caller::{Caller, Role};
pub use coffer_model::hint::Hint;
pub use coffer_store::{AuditFilter, NodeRecord, StoreChange};
pub use error::{CoreError, Result};
pub use nodes::{LostNode, NodeEvent, NodeHeartbeat, NodeTiming};
pub use secrets::{ENV_SECRET_PREFIX, MAX_TEMPORARY_BYTES, MAX_TEMPORARY_SECRETS};
pub use service::{SecretObserver, Service};
pub use types::access::{AuditInfo, IdentityInfo, MemberInfo, NewToken, ProjectInfo, TokenInfo};
pub use types::flights::{
    FlightInfo, FlightSaved, FlightUpdate, FlightVersionInfo, Launch, LaunchStep, RunInfo, RunRequest, Started,
};
pub use types::keys::{KeptKey, KeyUsage, PruneReport, RotationReport};
pub use types::secrets::{
    CreateOutcome, CreateRequest, OnConflict, OpenedSecret, SecretChange, SecretInfo, SecretUpdate, SecretVersionInfo,
    WhichSecret,
};
pub use types::sources::{SourceInfo, SourceOutcome};
