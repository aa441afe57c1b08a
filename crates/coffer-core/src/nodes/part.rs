//! The nodes part itself ([`Nodes`]) and what its threads need of the service they run for
//! ([`NodeHost`]).

use crate::error::Result;
use crate::flights::Flights;
use crate::types::nodes::LostNode;
use coffer_store::{Store, StoreChange};
use std::time::Duration;

/// The nodes part: a view over the store and the flights part.
#[derive(Clone, Copy)]
pub(crate) struct Nodes<'a> {
    pub store: &'a dyn Store,
    pub flights: Flights<'a>,
}

/// What the heartbeat and feed threads call on the service they run for, which implements it.
pub(crate) trait NodeHost: Send + Sync {
    /// [`Service::node_heartbeat`](crate::Service::node_heartbeat).
    fn heartbeat(&self, id: &str, url: &str, started_at: i64) -> Result<()>;
    /// [`Service::fail_lost_nodes`](crate::Service::fail_lost_nodes).
    fn sweep(&self, this_node: &str, now_ms: i64, timeout: Duration) -> Result<Vec<LostNode>>;
    /// [`Service::remove_node`](crate::Service::remove_node).
    fn leave(&self, id: &str) -> Result<bool>;
    /// [`Service::apply_store_change`](crate::Service::apply_store_change).
    fn apply(&self, change: &StoreChange);
}
