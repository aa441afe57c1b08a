//! Secrets: the use cases of DuckDB's secret manager, over three storages.
//!
//! - `coffer` (persistent): validated with `coffer-model`, sensitive values sealed under a
//!   fresh data key with AAD binding the row ([`crate::aad`]), written with an optimistic
//!   version check; replaces keep earlier versions (`history`).
//! - `memory` (temporary): this process's memory only, bounded per project (`temporary`).
//! - `env`: Kestra's `SECRET_<NAME>` variables, read-only (`env`).
//!
//! The part is `Secrets` (`part`), a view over the store, the keyring, the read caches, the
//! in-memory secrets and scope indexes (`state`; `index` answers `which_secret`) and the service's
//! observers (told of every committed change through `Changes`). One file per use case:
//! `create`, `read` (list, show, locate), `open` (values for runs and the data plane), `drop`,
//! `update`, `history` (versions and rollback).

mod create;
mod drop;
mod env;
mod history;
mod index;
mod masking;
mod open;
mod part;
mod read;
mod state;
mod temporary;
mod update;

pub use env::ENV_SECRET_PREFIX;
pub(crate) use masking::Maskers;
pub(crate) use part::{Changes, Secrets};
pub(crate) use read::open_record;
pub(crate) use state::{EnvSecrets, ScopeIndexes, TemporarySecrets};
pub use temporary::{MAX_TEMPORARY_BYTES, MAX_TEMPORARY_SECRETS};
