//! Runs: start (recorded first, then launched or failed before start), finish, cancel, and
//! reading runs and their logs.

use super::part::{flight_object, Flights};
use crate::caller::{Caller, Role};
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::flights::{Launch, RunInfo, RunRequest, Started};
use coffer_model::flight::RunStatus;
use coffer_model::hint::Hint;
use coffer_store::{AuditEvent, LogChunk, RunEnd, RunRecord, StoreError};

/// The most log bytes one [`Service::run_log`](crate::Service::run_log) answer carries (at least
/// one chunk).
pub const LOG_PAGE_BYTES: usize = 1 << 20;

impl Flights<'_> {
    /// See [`Service::start_run`](crate::Service::start_run).
    pub(crate) fn start_run(&self, caller: &Caller, project: &str, name: &str, req: RunRequest) -> Result<Started> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Use, "flight.run", &flight_object(name))?;
        // The run is locked to the version read here, in one row: its record names `f.version`
        // and everything it runs (command, script, steps, config, secrets, token, timeout) comes
        // from this `f`, never read again, so an update landing while it starts changes
        // nothing of it (that update's version is another row, immutable like this one).
        let f = self.find_flight(project, name)?;
        let config = f.spec.effective_config(&req.overrides)?;
        let trigger = req.trigger.clone().unwrap_or_else(|| "manual".into());
        let now = now_ms();
        let mut run = RunRecord {
            flight_id: f.id.clone(),
            run_number: 0,
            status: RunStatus::Running.name().into(),
            flight_version: f.version,
            config: config.clone(),
            exit_code: None,
            trigger: trigger.clone(),
            started_by: caller.name.clone(),
            started_at: now,
            finished_at: None,
            message: None,
            runner: Some(req.runner.clone()),
            cancel_requested: false,
            scheduled_for: req.scheduled_for,
        };
        let overridden: Vec<&str> = req.overrides.keys().map(String::as_str).collect();
        let ev = caller.event(
            project,
            &flight_object(&f.name),
            "flight.run",
            "ok",
            Some(format!(
                "version={} trigger={trigger}{}",
                f.version,
                if overridden.is_empty() {
                    String::new()
                } else {
                    format!(" overrides={}", overridden.join(","))
                }
            )),
        );
        run.run_number = self
            .store
            .create_run(&run, f.spec.concurrency, &[ev])
            .map_err(|e| match e {
                StoreError::Conflict { .. } => CoreError::Conflict(format!(
                    "flight '{}' already has {} running run(s), its concurrency",
                    f.name, f.spec.concurrency
                ))
                .with_hint(Hint::CancelOrRaiseConcurrency { flight: f.name.clone() }),
                other => other.into(),
            })?;
        match self.prepare(&f, &run, project, req.coffer_url.as_deref()) {
            Ok(launch) => Ok(Started::Launch(Box::new(launch))),
            Err(message) => {
                let end = RunEnd {
                    status: RunStatus::Failed.name().into(),
                    exit_code: None,
                    finished_at: now_ms(),
                    message: Some(message.clone()),
                };
                let ev = caller.event(
                    project,
                    &flight_object(&f.name),
                    "flight.run.end",
                    "failed",
                    Some(format!("run={} {message}", run.run_number)),
                );
                self.store.finish_run(&f.id, run.run_number, &end, &[ev])?;
                self.store.append_log(
                    &f.id,
                    run.run_number,
                    &[LogChunk {
                        seq: 0,
                        stream: "coffer".into(),
                        at: end.finished_at,
                        data: format!("run {} failed before start: {message}\n", run.run_number).into_bytes(),
                    }],
                )?;
                let stored = self.store.get_run(&f.id, run.run_number)?.unwrap_or(run);
                Ok(Started::Failed(Box::new(RunInfo::from_record(&f.name, &stored))))
            }
        }
    }

    /// See [`Service::finish_run`](crate::Service::finish_run).
    pub(crate) fn finish_run(&self, launch: &Launch, end: &RunEnd) -> Result<RunInfo> {
        let ev = AuditEvent {
            id: 0,
            at: end.finished_at,
            actor: launch.identity.name.clone(),
            token_name: launch.identity.token_name.clone(),
            project: launch.project.clone(),
            object: flight_object(&launch.run.flight),
            action: "flight.run.end".into(),
            result: end.status.clone(),
            client: launch.identity.client.clone(),
            detail: Some(format!(
                "run={} exit_code={}",
                launch.run.run_number,
                end.exit_code.map_or_else(|| "-".to_string(), |c| c.to_string())
            )),
        };
        self.store
            .finish_run(&launch.run.flight_id, launch.run.run_number, end, &[ev])?;
        if let Some(t) = &launch.run_token {
            let ev = AuditEvent {
                id: 0,
                at: now_ms(),
                actor: format!("flight:{}", launch.run.flight),
                token_name: None,
                project: launch.project.clone(),
                object: format!("token:{t}"),
                action: "token.revoke".into(),
                result: "ok".into(),
                client: "flight-runner".into(),
                detail: Some("run ended".into()),
            };
            self.store.revoke_token(t, now_ms(), &|_| vec![ev.clone()])?;
        }
        self.run_record(&launch.run.flight_id, launch.run.run_number, &launch.run.flight)
    }

    pub(super) fn run_record(&self, flight_id: &str, n: i64, flight: &str) -> Result<RunInfo> {
        let r = self
            .store
            .get_run(flight_id, n)?
            .ok_or_else(|| CoreError::Missing(format!("flight '{flight}' has no run {n}")))?;
        Ok(RunInfo::from_record(flight, &r))
    }

    /// See [`Service::cancel_requested`](crate::Service::cancel_requested).
    pub(crate) fn cancel_requested(&self, flight_id: &str, run_number: i64) -> Result<bool> {
        Ok(self
            .store
            .get_run(flight_id, run_number)?
            .is_some_and(|r| r.cancel_requested))
    }

    /// See [`Service::append_run_log`](crate::Service::append_run_log).
    pub(crate) fn append_run_log(&self, flight_id: &str, run_number: i64, chunks: &[LogChunk]) -> Result<()> {
        Ok(self.store.append_log(flight_id, run_number, chunks)?)
    }

    /// See [`Service::cancel_run`](crate::Service::cancel_run).
    pub(crate) fn cancel_run(&self, caller: &Caller, project: &str, name: &str, run_number: i64) -> Result<RunInfo> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Use, "flight.cancel", &flight_object(name))?;
        let f = self.find_flight(project, name)?;
        let run = self.run_record(&f.id, run_number, &f.name)?;
        let ev = caller.event(
            project,
            &flight_object(&f.name),
            "flight.cancel",
            "ok",
            Some(format!("run={run_number}")),
        );
        if !self.store.request_cancel(&f.id, run_number, &[ev])? {
            return Err(CoreError::Conflict(format!(
                "run {run_number} of flight '{}' is not running (it is {})",
                f.name, run.status
            )));
        }
        self.run_record(&f.id, run_number, &f.name)
    }

    /// See [`Service::list_runs`](crate::Service::list_runs).
    pub(crate) fn list_runs(&self, caller: &Caller, project: &str, name: &str, limit: usize) -> Result<Vec<RunInfo>> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Read, "flight.runs", &flight_object(name))?;
        let f = self.find_flight(project, name)?;
        Ok(self
            .store
            .list_runs(&f.id, limit)?
            .iter()
            .map(|r| RunInfo::from_record(&f.name, r))
            .collect())
    }

    /// See [`Service::get_run`](crate::Service::get_run).
    pub(crate) fn get_run(&self, caller: &Caller, project: &str, name: &str, run_number: i64) -> Result<RunInfo> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Read, "flight.runs", &flight_object(name))?;
        let f = self.find_flight(project, name)?;
        self.run_record(&f.id, run_number, &f.name)
    }

    /// See [`Service::run_log`](crate::Service::run_log).
    pub(crate) fn run_log(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        run_number: i64,
        after: i64,
        limit: usize,
    ) -> Result<(RunInfo, Vec<LogChunk>)> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Read, "flight.logs", &flight_object(name))?;
        let f = self.find_flight(project, name)?;
        let run = self.run_record(&f.id, run_number, &f.name)?;
        // At most LOG_PAGE_BYTES of output per answer (always at least one chunk), read a few
        // chunks at a time: the caller asks again after the last `seq` it got.
        let mut chunks: Vec<LogChunk> = Vec::new();
        let mut bytes = 0usize;
        let mut cursor = after;
        'read: while chunks.len() < limit {
            let batch = self
                .store
                .read_log(&f.id, run_number, cursor, (limit - chunks.len()).min(8))?;
            if batch.is_empty() {
                break;
            }
            for c in batch {
                if !chunks.is_empty() && bytes + c.data.len() > LOG_PAGE_BYTES {
                    break 'read;
                }
                bytes += c.data.len();
                cursor = c.seq;
                chunks.push(c);
            }
        }
        Ok((run, chunks))
    }
}
