//! Recovery: runs recorded `running` whose process on this host is gone.

use super::part::Flights;
use super::schedule::scheduler_caller;
use crate::clock::now_ms;
use crate::error::Result;
use coffer_model::flight::RunStatus;
use coffer_store::RunEnd;

impl Flights<'_> {
    /// See [`Service::fail_orphaned_runs`](crate::Service::fail_orphaned_runs).
    pub(crate) fn fail_orphaned_runs(&self, host: &str, alive: impl Fn(u32) -> bool) -> Result<usize> {
        let mut n = 0;
        for r in self.store.running_runs()? {
            let Some((h, pid)) = r.runner.as_deref().and_then(|x| x.rsplit_once(':')) else {
                continue;
            };
            let Ok(pid) = pid.parse::<u32>() else { continue };
            if h != host || alive(pid) {
                continue;
            }
            let end = RunEnd {
                status: RunStatus::Failed.name().into(),
                exit_code: None,
                finished_at: now_ms(),
                message: Some(format!(
                    "the coffer process running it ({h}:{pid}) stopped during the run"
                )),
            };
            let project = self
                .store
                .get_flight_by_id(&r.flight_id)?
                .map(|f| f.project)
                .unwrap_or_default();
            let ev = scheduler_caller().event(
                &project,
                &format!("flight-id:{}", r.flight_id),
                "flight.run.end",
                "failed",
                Some(format!("run={} runner gone", r.run_number)),
            );
            if self.store.finish_run(&r.flight_id, r.run_number, &end, &[ev])? {
                self.revoke_run_token(
                    &r,
                    &scheduler_caller(),
                    &project,
                    "run failed: its coffer process stopped",
                )?;
                n += 1;
            }
        }
        Ok(n)
    }
}
