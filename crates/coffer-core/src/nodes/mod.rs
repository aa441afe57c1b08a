//! Several `coffer serve` nodes on one database: heartbeats, lost nodes, and the change feed.
//!
//! - Every node records a heartbeat ([`Service::node_heartbeat`]) under its id, `host:pid`:
//!   the `runner` of the flight runs it executes, so a run maps to the node running it.
//!   [`Service::join_nodes`] registers this process and starts a [`NodeHeartbeat`] thread.
//! - A node whose last heartbeat is older than the node timeout is lost: after each of its
//!   own heartbeats every node sweeps ([`Service::fail_lost_nodes`]), marking `failed` every
//!   run still recorded `running` by a lost node and removing the lost node's row. Two nodes
//!   may sweep at once: a run is finished only while it is `running` (compare and set), so
//!   each run is failed once.
//! - A store that pushes the changes other processes commit (PostgreSQL's LISTEN/NOTIFY,
//!   [`Store::subscribe`](coffer_store::Store::subscribe)) is followed by
//!   [`Service::follow_store`]: each change reaches this process's
//!   [`SecretObserver`](crate::SecretObserver)s (the live DuckDB instances) as if it had
//!   been made here. Requests need no feed: the caches revalidate against the store's
//!   generation on every request.
//!
//! This module sits above the [`Service`] façade rather than below it like the other parts:
//! its threads hold the service itself (weakly) and call its public methods, and a change
//! from the feed reaches the service's observers. So it names `Service`, and the façade never
//! names it. `heartbeat` has the heartbeats and the thread, `lost` the sweep, `feed` the
//! change feed.

mod feed;
mod heartbeat;
mod lost;

use crate::error::{CoreError, Result};
#[cfg(doc)]
use crate::Service;
use std::time::Duration;

pub use heartbeat::NodeHeartbeat;

/// How often a node records its heartbeat, and how long a silent node has before it is
/// lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeTiming {
    interval: Duration,
    timeout: Duration,
}

impl Default for NodeTiming {
    /// A heartbeat every 2 s; lost after 15 s of silence.
    fn default() -> Self {
        NodeTiming {
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(15),
        }
    }
}

impl NodeTiming {
    /// A heartbeat every `interval`; a node silent for longer than `timeout` is lost.
    ///
    /// # Errors
    /// [`CoreError::Usage`] when `interval` is zero or `timeout` is not more than twice
    /// `interval` (one late heartbeat must not make a node lost).
    pub fn new(interval: Duration, timeout: Duration) -> Result<Self> {
        if interval.is_zero() {
            return Err(CoreError::Usage("the heartbeat interval must be more than 0".into()));
        }
        if timeout <= interval.saturating_mul(2) {
            return Err(CoreError::Usage(format!(
                "the node timeout ({}) must be more than twice the heartbeat interval ({}), so that one late heartbeat does not make a node lost",
                humanize(timeout),
                humanize(interval)
            )));
        }
        Ok(NodeTiming { interval, timeout })
    }

    /// The heartbeat interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The node timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// A duration as `1.5s` or `250ms`.
fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else if d.as_secs() == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.3}s", d.as_secs_f64())
    }
}

/// A node found lost by [`Service::fail_lost_nodes`].
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

/// What the heartbeat thread of [`Service::join_nodes`] reports.
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

/// An RFC 3339 UTC time for Unix milliseconds.
fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| format!("{ms} ms after the Unix epoch"))
}

#[cfg(test)]
mod tests;
