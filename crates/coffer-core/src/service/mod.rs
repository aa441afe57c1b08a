//! [`Service`], the façade: it owns the store, the keyring and the state of this process
//! (read caches, temporary and `env` secrets, scope indexes, the network policy, observers),
//! and each public method hands the request to the part that carries it out, through a view
//! of that state: [`Access`], [`Secrets`], [`Flights`], [`Sources`], [`Keys`], [`Nodes`]. The parts never name
//! `Service`; a use case that spans two parts (deleting a project) is put together here, and
//! so are the observers of secret changes ([`SecretObserver`]), which are handed the service.

mod access;
mod flights;
mod keys;
#[cfg(test)]
mod node_tests;
mod nodes;
mod secrets;
mod sources;

use crate::access::Access;
use crate::cache::{Cache, ReadScope};
use crate::error::Result;
use crate::flights::Flights;
use crate::keys::Keys;
use crate::nodes::Nodes;
use crate::secrets::{Changes, EnvSecrets, Maskers, ScopeIndexes, Secrets, TemporarySecrets};
use crate::sources::Sources;
use crate::types::secrets::SecretChange;
use coffer_crypto::Keyring;
use coffer_model::net::NetPolicy;
use coffer_store::Store;
use std::sync::{Arc, Mutex};

/// The application layer. See the crate docs.
pub struct Service {
    pub(crate) store: Box<dyn Store>,
    keyring: Box<dyn Keyring>,
    cache: Cache,
    temporary: TemporarySecrets,
    env: EnvSecrets,
    indexes: ScopeIndexes,
    net: Mutex<NetPolicy>,
    observers: Observers,
    maskers: Maskers,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

impl Service {
    /// A service over `store` and `keyring`.
    pub fn new(store: Box<dyn Store>, keyring: Box<dyn Keyring>) -> Self {
        Service {
            store,
            keyring,
            cache: Cache::default(),
            temporary: TemporarySecrets::default(),
            env: EnvSecrets::default(),
            indexes: ScopeIndexes::default(),
            net: Mutex::new(NetPolicy::standard()),
            observers: Observers::default(),
            maskers: Maskers::default(),
        }
    }

    /// Where runs and engines may connect (default: [`NetPolicy::standard`], no cloud
    /// metadata address): a secret whose endpoint resolves to a refused address is refused at
    /// creation. The server adds its own listeners and the owner's `--allow-network` ranges.
    pub fn set_net_policy(&self, policy: NetPolicy) {
        *self.net.lock().unwrap_or_else(|e| e.into_inner()) = policy;
    }

    /// The policy of [`Service::set_net_policy`].
    pub fn net_policy(&self) -> NetPolicy {
        self.net.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many earlier versions of each persistent secret a replace keeps (default 10).
    pub fn set_keep_versions(&self, keep: usize) {
        self.store.set_keep_versions(keep);
    }

    /// Begins a read-only request on this thread: the store's generation is read once, and
    /// every lookup until the scope is dropped uses it, so a request that makes several
    /// lookups costs one generation read. Only for requests that change nothing: a write
    /// inside the scope would not be seen by the lookups after it.
    ///
    /// # Errors
    /// Store errors.
    pub fn read_scope(&self) -> Result<ReadScope> {
        self.cache.read_scope(self.store.as_ref())
    }

    /// The access part.
    pub(crate) fn access(&self) -> Access<'_> {
        Access {
            store: self.store.as_ref(),
            cache: &self.cache,
        }
    }

    /// The secrets part.
    pub(crate) fn secrets(&self) -> Secrets<'_> {
        Secrets {
            store: self.store.as_ref(),
            keyring: self.keyring.as_ref(),
            cache: &self.cache,
            access: self.access(),
            temporary: &self.temporary,
            env: &self.env,
            indexes: &self.indexes,
            net: &self.net,
            changes: self,
        }
    }

    /// The flights part.
    pub(crate) fn flights(&self) -> Flights<'_> {
        Flights {
            store: self.store.as_ref(),
            access: self.access(),
            secrets: self.secrets(),
        }
    }

    /// The sources part.
    pub(crate) fn sources(&self) -> Sources<'_> {
        Sources {
            store: self.store.as_ref(),
            access: self.access(),
            secrets: self.secrets(),
            changes: self,
        }
    }

    /// The nodes part.
    fn nodes(&self) -> Nodes<'_> {
        Nodes {
            store: self.store.as_ref(),
            flights: self.flights(),
        }
    }

    /// The keys part.
    fn keys(&self) -> Keys<'_> {
        Keys {
            store: self.store.as_ref(),
            keyring: self.keyring.as_ref(),
            access: self.access(),
        }
    }
}

impl Changes for Service {
    fn changed(&self, project: &str, change: SecretChange) {
        self.maskers.changed();
        self.notify(project, change);
    }

    fn source_changed(&self, project: &str, name: &str) {
        for o in self.observers.all() {
            o.source_changed(self, project, name);
        }
    }
}

/// Told of every secret (and data source) change after it is committed (the DuckDB data plane
/// keeps its live instances in step this way).
pub trait SecretObserver: Send + Sync {
    /// `change` happened in `project`. Errors are the observer's to report; the change stands.
    fn changed(&self, service: &Service, project: &str, change: &SecretChange);

    /// Secrets of `project` (of every project when `None`) changed in ways not told one by
    /// one: another node deleted the project, or a store's change feed may have missed
    /// changes. Re-read them through `service`. The default does nothing.
    fn resync(&self, service: &Service, project: Option<&str>) {
        let _ = (service, project);
    }

    /// The data source `name` of `project` was created, replaced or dropped (here or, through
    /// the store's change feed, by another node): an engine that attached it detaches it, to
    /// attach the current definition on its next use. Read it through `service`. The default
    /// does nothing.
    fn source_changed(&self, service: &Service, project: &str, name: &str) {
        let _ = (service, project, name);
    }
}

/// The observers of one service, in the order they were added.
#[derive(Default)]
struct Observers {
    observers: Mutex<Vec<Arc<dyn SecretObserver>>>,
}

impl Observers {
    fn add(&self, observer: Arc<dyn SecretObserver>) {
        self.observers.lock().unwrap_or_else(|p| p.into_inner()).push(observer);
    }

    /// Every observer, as they are now (so that none is called under the lock).
    fn all(&self) -> Vec<Arc<dyn SecretObserver>> {
        self.observers.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Service {
    /// Adds an observer of every later secret change.
    pub fn observe(&self, observer: Arc<dyn SecretObserver>) {
        self.observers.add(observer);
    }

    /// Tells every observer that `change` happened in `project`.
    pub(crate) fn notify(&self, project: &str, change: SecretChange) {
        let observers = self.observers.all();
        for o in observers {
            o.changed(self, project, &change);
        }
    }

    /// Tells every observer to re-read `project` (every project when `None`).
    pub(crate) fn resync_observers(&self, project: Option<&str>) {
        let observers = self.observers.all();
        for o in observers {
            o.resync(self, project);
        }
    }
}
