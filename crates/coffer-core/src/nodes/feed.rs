//! The store's change feed: changes other processes commit reach this process's observers.

use crate::error::{CoreError, Result};
use crate::service::Service;
use crate::types::secrets::{SecretChange, SecretInfo};
use coffer_model::Storage;
use coffer_store::StoreChange;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;
use tracing::{debug, warn};

impl Service {
    /// Follows the store's change feed, if it has one (see the module docs): a thread turns
    /// each change another process commits into notifications of this service's observers
    /// ([`Service::apply_store_change`]). `None` for a store without a feed (SQLite). The
    /// thread holds the service weakly and ends when the service is dropped or the feed
    /// closes.
    ///
    /// # Errors
    /// The feed cannot be started; the thread cannot be started.
    pub fn follow_store(self: &Arc<Self>) -> Result<Option<JoinHandle<()>>> {
        let Some(feed) = self.store.subscribe()? else {
            return Ok(None);
        };
        let service = Arc::downgrade(self);
        let thread = std::thread::Builder::new()
            .name("coffer-store-feed".into())
            .spawn(move || follow_loop(&service, &feed))
            .map_err(|e| CoreError::Usage(format!("cannot start the thread following the store: {e}")))?;
        Ok(Some(thread))
    }

    /// Tells this service's observers about a change another process committed, as if it
    /// had been made here: what [`Service::follow_store`] does with each change of the feed.
    /// A secret's change is told from what the store holds now (so changes told late or out
    /// of order still leave observers with the current state): `Upserted` when it exists,
    /// `Dropped` when not. A dropped project is forgotten (its temporary secrets too) and
    /// its observers re-read it; after `Resync` they re-read everything.
    pub fn apply_store_change(&self, change: &StoreChange) {
        match change {
            StoreChange::SecretUpserted { project, name } | StoreChange::SecretDropped { project, name } => {
                match self.store.get_secret(project, name) {
                    Ok(Some(record)) => self.notify(
                        project,
                        SecretChange::Upserted(Box::new(SecretInfo::from_record(&record))),
                    ),
                    Ok(None) => self.notify(
                        project,
                        SecretChange::Dropped {
                            name: name.clone(),
                            storage: Storage::Coffer,
                        },
                    ),
                    Err(e) => {
                        warn!(%project, secret = %name, error = %e, "cannot read a secret another node changed; re-reading the project");
                        self.resync_observers(Some(project));
                    }
                }
            }
            StoreChange::ProjectDropped { project } => {
                self.secrets().forget_project(project);
                self.resync_observers(Some(project));
            }
            StoreChange::Resync => self.resync_observers(None),
        }
    }
}

/// How often the feed thread checks whether its service is gone when no change arrives.
const FEED_POLL: Duration = Duration::from_millis(500);

fn follow_loop(service: &Weak<Service>, feed: &mpsc::Receiver<StoreChange>) {
    loop {
        match feed.recv_timeout(FEED_POLL) {
            Ok(change) => {
                let Some(service) = service.upgrade() else { return };
                debug!(?change, "change from another node");
                service.apply_store_change(&change);
            }
            Err(RecvTimeoutError::Timeout) => {
                if service.strong_count() == 0 {
                    return;
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                debug!("the store's change feed closed");
                return;
            }
        }
    }
}
