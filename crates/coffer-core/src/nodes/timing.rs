//! How often a node records its heartbeat, and when a silent node is lost.

use crate::error::{CoreError, Result};
use std::time::Duration;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_needs_a_timeout_above_twice_the_interval() {
        let s = Duration::from_secs;
        assert!(NodeTiming::new(s(2), s(15)).is_ok());
        let e = NodeTiming::new(s(2), s(4)).expect_err("equal to twice");
        assert!(
            e.to_string()
                .contains("(4s) must be more than twice the heartbeat interval (2s)"),
            "{e}"
        );
        assert!(NodeTiming::new(Duration::ZERO, s(4)).is_err());
        let t = NodeTiming::new(Duration::from_millis(500), s(3)).expect("ok");
        assert_eq!((t.interval(), t.timeout()), (Duration::from_millis(500), s(3)));
        assert_eq!(humanize(Duration::from_millis(1500)), "1.500s");
    }
}
