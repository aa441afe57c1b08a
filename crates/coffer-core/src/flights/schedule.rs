//! Schedules: which flights have a tick due, each claimed by one node.

use super::part::Flights;
use crate::caller::Caller;
use crate::error::Result;

/// The one identity the scheduler acts as when it starts runs.
pub fn scheduler_caller() -> Caller {
    Caller {
        identity_id: None,
        name: "scheduler".into(),
        superuser: true,
        token_name: None,
        client: "scheduler".into(),
    }
}

impl Flights<'_> {
    /// See [`Service::claim_due_ticks`](crate::Service::claim_due_ticks).
    pub(crate) fn claim_due_ticks(&self, now_ms: i64) -> Result<Vec<(String, String, i64)>> {
        let mut out = Vec::new();
        for f in self.store.list_flights(None)? {
            let Some(expr) = &f.spec.schedule else { continue };
            let Ok(schedule) = coffer_model::schedule::Schedule::parse(expr, f.spec.timezone.as_deref()) else {
                continue;
            };
            let since = f.last_tick.unwrap_or(f.created_at).max(f.created_at);
            if let Some(tick) = schedule.due(since, now_ms) {
                if self.store.claim_tick(&f.id, f.last_tick, tick)? {
                    out.push((f.project.clone(), f.name.clone(), tick));
                }
            }
        }
        Ok(out)
    }
}
