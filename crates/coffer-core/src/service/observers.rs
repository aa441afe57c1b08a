//! The observers of secret changes (the live DuckDB instances of the data plane).

use super::Service;
use crate::types::secrets::SecretChange;
use std::sync::{Arc, Mutex};

/// Told of every secret change after it is committed (the DuckDB data plane keeps its live
/// instances in step this way).
pub trait SecretObserver: Send + Sync {
    /// `change` happened in `project`. Errors are the observer's to report; the change stands.
    fn changed(&self, service: &Service, project: &str, change: &SecretChange);

    /// Secrets of `project` (of every project when `None`) changed in ways not told one by
    /// one: another node deleted the project, or a store's change feed may have missed
    /// changes. Re-read them through `service`. The default does nothing.
    fn resync(&self, service: &Service, project: Option<&str>) {
        let _ = (service, project);
    }
}

/// The observers of one service, in the order they were added.
#[derive(Default)]
pub(super) struct Observers {
    observers: Mutex<Vec<Arc<dyn SecretObserver>>>,
}

impl Observers {
    /// Every observer, as they are now (so that none is called under the lock).
    fn all(&self) -> Vec<Arc<dyn SecretObserver>> {
        self.observers.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Service {
    /// Adds an observer of every later secret change.
    pub fn observe(&self, observer: Arc<dyn SecretObserver>) {
        self.observers
            .observers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(observer);
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
