//! The answers of the nodes use cases: lost nodes, and what the heartbeat thread reports.

/// A node found lost by [`Service::fail_lost_nodes`](crate::Service::fail_lost_nodes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostNode {
    /// Its id, `host:pid`.
    pub id: String,
    /// Its last heartbeat (Unix milliseconds).
    pub heartbeat_at: i64,
    /// How many of its runs this sweep marked `failed` (another node sweeping at the same
    /// time may have failed others).
    pub failed_runs: usize,
}

/// What the heartbeat thread of [`Service::join_nodes`](crate::Service::join_nodes) reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeEvent {
    /// Another node was found lost and its runs failed.
    Lost(LostNode),
    /// This node's heartbeat could not be recorded (reported once until it works again).
    HeartbeatFailed(String),
    /// The heartbeat is recorded again after failing.
    HeartbeatRestored,
    /// Looking for lost nodes failed (reported once until it works again).
    SweepFailed(String),
}
