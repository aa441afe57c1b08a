//! Heartbeats: each node's row, and the thread that records this node's heartbeat and
//! sweeps for lost nodes.

use super::part::{NodeHost, Nodes};
use super::timing::NodeTiming;
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::nodes::NodeEvent;
use coffer_store::NodeRecord;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;

impl Nodes<'_> {
    /// See [`Service::node_heartbeat`](crate::Service::node_heartbeat).
    pub(crate) fn node_heartbeat(&self, id: &str, url: &str, started_at: i64) -> Result<()> {
        Ok(self.store.node_heartbeat(&NodeRecord {
            id: id.to_string(),
            started_at,
            heartbeat_at: now_ms(),
            url: url.to_string(),
        })?)
    }

    /// See [`Service::list_nodes`](crate::Service::list_nodes).
    pub(crate) fn list_nodes(&self) -> Result<Vec<NodeRecord>> {
        Ok(self.store.list_nodes()?)
    }

    /// See [`Service::remove_node`](crate::Service::remove_node).
    pub(crate) fn remove_node(&self, id: &str) -> Result<bool> {
        Ok(self.store.remove_node(id)?)
    }
}

/// See [`Service::join_nodes`](crate::Service::join_nodes): `host` is the service.
pub(crate) fn join(
    host: Arc<dyn NodeHost>,
    id: &str,
    url: &str,
    timing: NodeTiming,
    report: impl FnMut(NodeEvent) + Send + 'static,
) -> Result<NodeHeartbeat> {
    let started_at = now_ms();
    host.heartbeat(id, url, started_at)?;
    let (stop, stopped) = mpsc::channel::<()>();
    let service = Arc::downgrade(&host);
    let (node, node_url) = (id.to_string(), url.to_string());
    let thread = std::thread::Builder::new()
        .name("coffer-heartbeat".into())
        .spawn(move || heartbeat_loop(&service, &node, &node_url, started_at, timing, &stopped, report))
        .map_err(|e| CoreError::Usage(format!("cannot start the heartbeat thread: {e}")))?;
    Ok(NodeHeartbeat {
        service: host,
        id: id.to_string(),
        stop: Some(stop),
        thread: Some(thread),
    })
}

fn heartbeat_loop(
    service: &Weak<dyn NodeHost>,
    id: &str,
    url: &str,
    started_at: i64,
    timing: NodeTiming,
    stopped: &mpsc::Receiver<()>,
    mut report: impl FnMut(NodeEvent),
) {
    let mut beat_failing = false;
    let mut sweep_failing = false;
    let mut first = true;
    loop {
        if !first {
            match stopped.recv_timeout(timing.interval()) {
                Err(RecvTimeoutError::Timeout) => {}
                // Asked to stop, or the handle is gone.
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let Some(service) = service.upgrade() else { return };
        if !first {
            match service.heartbeat(id, url, started_at) {
                Ok(()) if beat_failing => {
                    beat_failing = false;
                    report(NodeEvent::HeartbeatRestored);
                }
                Ok(()) => {}
                Err(e) => {
                    if !beat_failing {
                        report(NodeEvent::HeartbeatFailed(e.to_string()));
                    }
                    beat_failing = true;
                    // A node that cannot reach the store cannot tell who is lost either.
                    continue;
                }
            }
        }
        first = false;
        match service.sweep(id, now_ms(), timing.timeout()) {
            Ok(lost) => {
                sweep_failing = false;
                for node in lost {
                    report(NodeEvent::Lost(node));
                }
            }
            Err(e) => {
                if !sweep_failing {
                    report(NodeEvent::SweepFailed(e.to_string()));
                }
                sweep_failing = true;
            }
        }
    }
}

/// This process as a node of [`Service::join_nodes`](crate::Service::join_nodes): its heartbeat
/// thread.
pub struct NodeHeartbeat {
    service: Arc<dyn NodeHost>,
    id: String,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for NodeHeartbeat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeHeartbeat")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl NodeHeartbeat {
    /// The node's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn halt(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Stops the heartbeats. With `leave`, the node's row is removed too: for a clean stop
    /// after its runs have ended. Without, the row is left to go stale, so that another node
    /// fails the runs it still records `running` once the timeout has passed. Returns whether
    /// a row was removed.
    ///
    /// # Errors
    /// The row cannot be removed.
    pub fn stop(mut self, leave: bool) -> Result<bool> {
        self.halt();
        if leave {
            self.service.leave(&self.id)
        } else {
            Ok(false)
        }
    }
}

impl Drop for NodeHeartbeat {
    fn drop(&mut self) {
        self.halt();
    }
}
