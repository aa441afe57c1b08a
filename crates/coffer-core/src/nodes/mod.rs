//! Several `coffer serve` nodes on one database: heartbeats, lost nodes, and the change feed.
//!
//! - Every node records a heartbeat ([`Service::node_heartbeat`](crate::Service::node_heartbeat))
//!   under its id, `host:pid`: the `runner` of the flight runs it executes, so a run maps to the
//!   node running it.
//!   [`Service::join_nodes`](crate::Service::join_nodes) registers this process and starts a
//!   [`NodeHeartbeat`] thread.
//! - A node whose last heartbeat is older than the node timeout is lost: after each of its
//!   own heartbeats every node sweeps
//!   ([`Service::fail_lost_nodes`](crate::Service::fail_lost_nodes)), marking `failed` every run
//!   still recorded `running` by a lost node and removing the lost node's row. Two nodes may sweep
//!   at once: a run is finished only while it is `running` (compare and set), so each run is failed
//!   once.
//! - A store that pushes the changes other processes commit (PostgreSQL's LISTEN/NOTIFY,
//!   [`Store::subscribe`](coffer_store::NodeStore::subscribe)) is followed by
//!   [`Service::follow_store`](crate::Service::follow_store): each change reaches this process's
//!   [`SecretObserver`](crate::SecretObserver)s (the live DuckDB instances) as if it had
//!   been made here. Requests need no feed: the caches revalidate against the store's
//!   generation on every request.
//!
//! This module sits above the [`Service`](crate::Service) façade rather than below it like the
//! other parts: its threads hold the service itself (weakly) and call its public methods, and a
//! change from the feed reaches the service's observers. So it names `Service`, and the façade
//! never names it. `heartbeat` has the heartbeats and the thread, `lost` the sweep, `feed` the
//! change feed, `timing` the heartbeat interval and node timeout.

mod feed;
mod heartbeat;
mod lost;
mod timing;

pub use heartbeat::{NodeEvent, NodeHeartbeat};
pub use lost::LostNode;
pub use timing::NodeTiming;

#[cfg(test)]
mod tests;
