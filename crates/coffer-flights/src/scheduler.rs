//! [`Scheduler`]: starts the runs of cron schedules, one per due tick, claimed in the store so
//! that several nodes never double-run.

use crate::log::now_ms;
use crate::runner::Runner;
use coffer_core::flights::{scheduler_caller, RunInfo, RunRequest};
use coffer_core::Service;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};

/// Starts the runs of schedules.
pub struct Scheduler {
    runner: Arc<Runner>,
    service: Arc<Service>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler").finish_non_exhaustive()
    }
}

impl Scheduler {
    /// A scheduler starting runs on `runner`.
    pub fn new(runner: Arc<Runner>, service: Arc<Service>) -> Self {
        Scheduler { runner, service }
    }

    /// Starts the runs due at `now_ms` (Unix milliseconds): what the loop does once per
    /// second, callable with any clock. Returns what it started (or why it could not).
    ///
    /// # Errors
    /// Store errors while looking for due ticks.
    pub fn tick(&self, now_ms: i64) -> coffer_core::Result<Vec<(String, coffer_core::Result<RunInfo>)>> {
        let mut out = Vec::new();
        for (project, name, tick) in self.service.claim_due_ticks(now_ms)? {
            let req = RunRequest {
                trigger: Some("schedule".into()),
                scheduled_for: Some(tick),
                ..RunRequest::default()
            };
            let started = self
                .runner
                .spawn(&self.service, &scheduler_caller(), &project, &name, req);
            match &started {
                Ok(run) => info!(%project, flight = %name, run = run.run_number, tick, "scheduled run started"),
                Err(e) => warn!(%project, flight = %name, tick, error = %e, "scheduled run not started"),
            }
            out.push((name, started));
        }
        Ok(out)
    }

    /// Ticks every second on the system clock until `stop` is set.
    pub fn spawn_loop(self, stop: Arc<AtomicBool>) -> std::io::Result<std::thread::JoinHandle<()>> {
        std::thread::Builder::new()
            .name("flight-scheduler".into())
            .spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    if let Err(e) = self.tick(now_ms()) {
                        warn!(error = %e, "the scheduler could not read the flights");
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            })
    }
}
