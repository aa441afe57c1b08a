//! The nodes use cases of [`Service`], carried out by the nodes part; the service is the
//! [`NodeHost`] its threads run for, and tells its observers of the changes the feed brings.

use super::Service;
use crate::error::Result;
use crate::nodes::{self, LostNode, NodeEvent, NodeHeartbeat, NodeHost, NodeTiming};
use crate::types::secrets::{SecretChange, SecretInfo};
use coffer_model::Storage;
use coffer_store::{NodeRecord, StoreChange};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;
use tracing::warn;

impl Service {
    /// Records a heartbeat of node `id` (`host:pid`, the runner id of its runs) serving on
    /// `url`, started at `started_at` (Unix milliseconds); the first one registers it.
    ///
    /// # Errors
    /// Store errors.
    pub fn node_heartbeat(&self, id: &str, url: &str, started_at: i64) -> Result<()> {
        self.nodes().node_heartbeat(id, url, started_at)
    }

    /// The nodes that have a row, by id.
    ///
    /// # Errors
    /// Store errors.
    pub fn list_nodes(&self) -> Result<Vec<NodeRecord>> {
        self.nodes().list_nodes()
    }

    /// Removes node `id`'s row (it stopped cleanly); false when it had none.
    ///
    /// # Errors
    /// Store errors.
    pub fn remove_node(&self, id: &str) -> Result<bool> {
        self.nodes().remove_node(id)
    }

    /// Every node other than `this_node` whose last heartbeat is older than `now_ms -
    /// timeout` is lost: each of its runs still `running` is marked `failed` (saying the
    /// node was lost and its process may still be running there), the run's own token is
    /// revoked, and the node's row is removed. Returns the lost nodes with how many runs this
    /// call failed; a run another node failed first is not counted.
    ///
    /// # Errors
    /// Store errors (what was done before stays done; the next sweep goes on).
    pub fn fail_lost_nodes(&self, this_node: &str, now_ms: i64, timeout: Duration) -> Result<Vec<LostNode>> {
        self.nodes().fail_lost_nodes(this_node, now_ms, timeout)
    }

    /// Registers this process as node `id` serving on `url` (one heartbeat now, so an error
    /// stops the start), then starts a thread that looks for lost nodes at once and then,
    /// every [`NodeTiming::interval`], records a heartbeat and looks again
    /// ([`Service::fail_lost_nodes`] with [`NodeTiming::timeout`]). `report` is told what
    /// happens, from that thread. The thread holds the service weakly: it ends when the
    /// service is dropped or when [`NodeHeartbeat::stop`] is called.
    ///
    /// # Errors
    /// The first heartbeat cannot be recorded; the thread cannot be started.
    pub fn join_nodes(
        self: &Arc<Self>,
        id: &str,
        url: &str,
        timing: NodeTiming,
        report: impl FnMut(NodeEvent) + Send + 'static,
    ) -> Result<NodeHeartbeat> {
        let host: Arc<dyn NodeHost> = Arc::<Self>::clone(self);
        nodes::join(host, id, url, timing, report)
    }

    /// Follows the store's change feed, if it has one (see [`nodes`](crate::nodes)): a thread
    /// turns each change another process commits into notifications of this service's
    /// observers ([`Service::apply_store_change`]). `None` for a store without a feed (SQLite). The
    /// thread holds the service weakly and ends when the service is dropped or the feed
    /// closes.
    ///
    /// # Errors
    /// The feed cannot be started; the thread cannot be started.
    pub fn follow_store(self: &Arc<Self>) -> Result<Option<JoinHandle<()>>> {
        let host: Weak<dyn NodeHost> = Arc::<Self>::downgrade(self);
        nodes::follow(self.store.as_ref(), host)
    }

    /// Tells this service's observers about a change another process committed, as if it
    /// had been made here: what [`Service::follow_store`] does with each change of the feed.
    /// A secret's change is told from what the store holds now (so changes told late or out
    /// of order still leave observers with the current state): `Upserted` when it exists,
    /// `Dropped` when not. A data source's change is told as
    /// [`SecretObserver::source_changed`](crate::SecretObserver::source_changed). A dropped project is forgotten (its temporary secrets too) and
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
            StoreChange::SourceChanged { project, name } => {
                crate::secrets::Changes::source_changed(self, project, name);
            }
            StoreChange::ProjectDropped { project } => {
                self.secrets().forget_project(project);
                self.resync_observers(Some(project));
            }
            StoreChange::Resync => self.resync_observers(None),
        }
    }
}

impl NodeHost for Service {
    fn heartbeat(&self, id: &str, url: &str, started_at: i64) -> Result<()> {
        self.node_heartbeat(id, url, started_at)
    }

    fn sweep(&self, this_node: &str, now_ms: i64, timeout: Duration) -> Result<Vec<LostNode>> {
        self.fail_lost_nodes(this_node, now_ms, timeout)
    }

    fn leave(&self, id: &str) -> Result<bool> {
        self.remove_node(id)
    }

    fn apply(&self, change: &StoreChange) {
        self.apply_store_change(change);
    }
}
