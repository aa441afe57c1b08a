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
//! The part is `Nodes` (`part`), a view over the store and the flights part (a lost node's
//! runs are failed and their tokens revoked): `heartbeat` (each node's row, and the thread that
//! records this node's), `lost` (the sweep), `feed` (the thread that follows the store's change
//! feed) and `timing`. The threads run for the service through `NodeHost`, which the service
//! implements: they hold it weakly, as they held the service, so they stop when it is dropped.

mod feed;
mod heartbeat;
mod lost;
mod part;
mod timing;

pub use crate::types::nodes::{LostNode, NodeEvent};
pub(crate) use feed::follow;
pub(crate) use heartbeat::join;
pub use heartbeat::NodeHeartbeat;
pub(crate) use part::{NodeHost, Nodes};
pub use timing::NodeTiming;
