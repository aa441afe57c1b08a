//! Lost nodes: a node silent for longer than the timeout has its runs failed, their tokens
//! revoked and its row removed.

use super::part::Nodes;
use crate::clock::now_ms;
use crate::error::Result;
use crate::flights::scheduler_caller;
use crate::types::nodes::LostNode;
use coffer_model::flight::RunStatus;
use coffer_store::{NodeRecord, RunEnd, RunRecord};
use std::time::Duration;

/// An RFC 3339 UTC time for Unix milliseconds.
fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| format!("{ms} ms after the Unix epoch"))
}

impl Nodes<'_> {
    /// See [`Service::fail_lost_nodes`](crate::Service::fail_lost_nodes).
    pub(crate) fn fail_lost_nodes(&self, this_node: &str, now_ms: i64, timeout: Duration) -> Result<Vec<LostNode>> {
        let timeout_ms = i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX);
        let cutoff = now_ms.saturating_sub(timeout_ms);
        let lost: Vec<NodeRecord> = self
            .store
            .list_nodes()?
            .into_iter()
            .filter(|n| n.id != this_node && n.heartbeat_at < cutoff)
            .collect();
        if lost.is_empty() {
            return Ok(Vec::new());
        }
        let running = self.store.running_runs()?;
        let mut out = Vec::with_capacity(lost.len());
        for node in lost {
            let mut failed_runs = 0;
            for run in running.iter().filter(|r| r.runner.as_deref() == Some(node.id.as_str())) {
                if self.fail_run_of_lost_node(run, &node, this_node)? {
                    failed_runs += 1;
                }
            }
            self.store.remove_node(&node.id)?;
            out.push(LostNode {
                id: node.id,
                heartbeat_at: node.heartbeat_at,
                failed_runs,
            });
        }
        Ok(out)
    }

    /// Marks one run of a lost node `failed` (if it is still `running`) and revokes its run
    /// token; true when this call failed it.
    fn fail_run_of_lost_node(&self, run: &RunRecord, node: &NodeRecord, this_node: &str) -> Result<bool> {
        let flight = self.store.get_flight_by_id(&run.flight_id)?;
        let (project, object) = match &flight {
            Some(f) => (f.project.clone(), format!("flight:{}", f.name)),
            None => (String::new(), format!("flight-id:{}", run.flight_id)),
        };
        let end = RunEnd {
            status: RunStatus::Failed.name().into(),
            exit_code: None,
            finished_at: now_ms(),
            message: Some(format!(
                "node lost: {} stopped sending heartbeats at {}; the run's process may still be running on that host",
                node.id,
                rfc3339(node.heartbeat_at)
            )),
        };
        let mut caller = scheduler_caller();
        caller.client = format!("node:{this_node}");
        let ev = caller.event(
            &project,
            &object,
            "flight.run.end",
            RunStatus::Failed.name(),
            Some(format!("run={} node lost: {}", run.run_number, node.id)),
        );
        if !self.store.finish_run(&run.flight_id, run.run_number, &end, &[ev])? {
            return Ok(false);
        }
        self.flights
            .revoke_run_token(run, &caller, &project, "run failed: node lost")?;
        Ok(true)
    }
}
