//! Secrets: the use cases of DuckDB's secret manager, over three storages.
//!
//! - `coffer` (persistent): validated with `coffer-model`, sensitive values sealed under a
//!   fresh data key with AAD binding the row ([`crate::aad`]), written with an optimistic
//!   version check; replaces keep earlier versions (`history`).
//! - `memory` (temporary): this process's memory only, bounded per project (`temporary`).
//! - `env`: Kestra's `SECRET_<NAME>` variables, read-only (`env`).
//!
//! The part is `Secrets`, a view over the store, the keyring, the read caches, the
//! in-memory secrets, the scope indexes (`index`, for `which_secret`) and the service's
//! observers (told of every committed change through [`Changes`]). One file per use case:
//! `create`, `read` (list, show, locate), `open` (values for runs and the data plane), `drop`,
//! `update`, `history` (versions and rollback).

mod create;
mod drop;
mod env;
mod history;
mod index;
mod open;
mod read;
mod temporary;
mod update;

use crate::access::Access;
use crate::cache::{Cache, StoredSecret};
use crate::types::secrets::{SecretChange, SecretInfo};
use coffer_crypto::Keyring;
use coffer_model::net::NetPolicy;
use coffer_model::{SecretFields, Storage};
use coffer_store::Store;
use std::sync::{Arc, Mutex};

pub(crate) use env::EnvSecrets;
pub use env::ENV_SECRET_PREFIX;
pub(crate) use index::ScopeIndexes;
pub(crate) use read::open_record;
pub(crate) use temporary::TemporarySecrets;
pub use temporary::{MAX_TEMPORARY_BYTES, MAX_TEMPORARY_SECRETS};

/// Where the secrets part reports each change it committed: the service's observers.
pub(crate) trait Changes {
    /// `change` happened in `project`.
    fn changed(&self, project: &str, change: SecretChange);
}

/// The secrets part: a view over the state it works on.
#[derive(Clone, Copy)]
pub(crate) struct Secrets<'a> {
    pub store: &'a dyn Store,
    pub keyring: &'a dyn Keyring,
    pub cache: &'a Cache,
    pub access: Access<'a>,
    pub temporary: &'a TemporarySecrets,
    pub env: &'a EnvSecrets,
    pub indexes: &'a ScopeIndexes,
    /// Where secrets' endpoints may point (see [`Service::set_net_policy`](crate::Service::set_net_policy)).
    pub net: &'a Mutex<NetPolicy>,
    pub changes: &'a dyn Changes,
}

/// A secret held in this process's memory (temporary or `env`), values included.
struct TempSecret {
    info: SecretInfo,
    fields: SecretFields,
}

/// Where a name was found: the metadata of an in-memory secret, or the stored record.
enum Located {
    Memory(Box<SecretInfo>),
    Coffer(Arc<StoredSecret>),
    Env(Box<SecretInfo>),
}

impl Located {
    fn storage(&self) -> Storage {
        match self {
            Located::Memory(_) => Storage::Memory,
            Located::Coffer(_) => Storage::Coffer,
            Located::Env(_) => Storage::Env,
        }
    }
}

impl Secrets<'_> {
    /// The metadata of the secrets of `project` that live in this process's memory: its
    /// temporary secrets and the `env` secrets visible there.
    pub(crate) fn temporary_infos(&self, project: &str) -> Vec<SecretInfo> {
        let mut out: Vec<SecretInfo> = self
            .temporary
            .lock()
            .iter()
            .filter(|((p, _), _)| p == project)
            .map(|(_, t)| t.info.clone())
            .collect();
        out.extend(self.env.lock().infos(project).cloned());
        out
    }

    /// Forgets the temporary secrets and the scope index of a deleted project.
    pub(crate) fn forget_project(&self, project: &str) {
        self.temporary.lock().retain(|(p, _), _| p != project);
        self.indexes.forget(project);
    }
}
