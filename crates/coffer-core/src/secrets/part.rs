//! The secrets part itself ([`Secrets`]), where it reports changes ([`Changes`]), and what
//! its use cases share: the in-memory secrets' type and where a name was found.

use super::state::{EnvSecrets, ScopeIndexes, TemporarySecrets};
use crate::access::Access;
use crate::cache::{Cache, StoredSecret};
use crate::types::secrets::{SecretChange, SecretInfo};
use coffer_crypto::Keyring;
use coffer_model::net::NetPolicy;
use coffer_model::Storage;
use coffer_store::Store;
use std::sync::{Arc, Mutex};

/// Where the secrets and sources parts report each change they committed: the service's
/// observers.
pub(crate) trait Changes {
    /// `change` happened in `project`.
    fn changed(&self, project: &str, change: SecretChange);

    /// The data source `name` of `project` was created, replaced or dropped.
    fn source_changed(&self, project: &str, name: &str);
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
    /// Where secrets' endpoints may point (see
    /// [`Service::set_net_policy`](crate::Service::set_net_policy)).
    pub net: &'a Mutex<NetPolicy>,
    pub changes: &'a dyn Changes,
}

/// Where a name was found: the metadata of an in-memory secret, or the stored record.
pub(super) enum Located {
    Memory(Box<SecretInfo>),
    Coffer(Arc<StoredSecret>),
    Env(Box<SecretInfo>),
}

impl Located {
    /// Its metadata.
    pub(super) fn into_info(self) -> SecretInfo {
        match self {
            Located::Memory(info) | Located::Env(info) => *info,
            Located::Coffer(r) => r.info.clone(),
        }
    }

    /// Its storage.
    pub(super) fn storage(&self) -> Storage {
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
