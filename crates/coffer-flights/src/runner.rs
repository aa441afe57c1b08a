//! [`Runner`]: starts runs through the service and executes them: the run's working directory,
//! its environment (with the DuckDB hook's variables), masking, its steps in order, and its end
//! recorded in the store.

use crate::log::{now_ms, Log, Sink};
use crate::settings::{DuckDbEnv, Isolation, Settings};
use crate::step::{RunCtx, Steps};
use crate::venv::Prepared;
use coffer_core::flights::{Launch, RunInfo, RunRequest, Started};
use coffer_core::{Caller, CoreError, Service};
use coffer_model::flight::{FlightKind, RunStatus};
use coffer_model::mask::Masker;
use coffer_store::RunEnd;
use nix::unistd::Pid;
use std::sync::Arc;
use std::time::Instant;
use tracing::warn;

/// Runs flights.
pub struct Runner {
    steps: Steps,
    duckdb: Option<Arc<dyn DuckDbEnv>>,
    host: String,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("settings", &self.steps.settings)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// This machine's name, for `host:pid` runner ids.
pub fn host_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else { return false };
    // Signal 0 checks existence; EPERM means it exists under another user.
    match nix::sys::signal::kill(Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(e) => e == nix::errno::Errno::EPERM,
    }
}

impl Runner {
    /// A runner with `settings`; `duckdb` gives `python` and `sql` runs their DuckDB secrets.
    pub fn new(settings: Settings, duckdb: Option<Arc<dyn DuckDbEnv>>) -> Self {
        Runner {
            steps: Steps::new(settings),
            duckdb,
            host: host_name(),
        }
    }

    /// This process as a runner: `host:pid`.
    pub fn runner_id(&self) -> String {
        format!("{}:{}", self.host, std::process::id())
    }

    /// Marks `failed` the runs recorded by processes of this host that are gone (a server
    /// or CLI that died mid-run). Returns how many.
    ///
    /// # Errors
    /// Store errors.
    pub fn recover(&self, service: &Service) -> coffer_core::Result<usize> {
        service.fail_orphaned_runs(&self.host, pid_alive)
    }

    fn request(&self, overrides: indexmap::IndexMap<String, String>) -> RunRequest {
        RunRequest {
            overrides,
            trigger: None,
            scheduled_for: None,
            runner: self.runner_id(),
            coffer_url: self.steps.settings.coffer_url.clone(),
        }
    }

    /// Starts a run and executes it on this thread; `sink` sees the masked output as it is
    /// logged.
    ///
    /// # Errors
    /// As [`Service::start_run`]. A run that fails is not an error: see its status.
    pub fn run(
        &self,
        service: &Service,
        caller: &Caller,
        project: &str,
        name: &str,
        overrides: indexmap::IndexMap<String, String>,
        sink: Sink<'_>,
    ) -> coffer_core::Result<RunInfo> {
        match service.start_run(caller, project, name, self.request(overrides))? {
            Started::Failed(run) => Ok(*run),
            Started::Launch(launch) => Ok(self.execute(service, *launch, sink)),
        }
    }

    /// Starts a run and executes it on a new thread; returns the run at once.
    ///
    /// # Errors
    /// As [`Service::start_run`].
    pub fn spawn(
        self: &Arc<Self>,
        service: &Arc<Service>,
        caller: &Caller,
        project: &str,
        name: &str,
        req: RunRequest,
    ) -> coffer_core::Result<RunInfo> {
        let req = RunRequest {
            runner: self.runner_id(),
            coffer_url: self.steps.settings.coffer_url.clone(),
            ..req
        };
        match service.start_run(caller, project, name, req)? {
            Started::Failed(run) => Ok(*run),
            Started::Launch(launch) => {
                let run = launch.run.clone();
                let runner = Arc::clone(self);
                let service = Arc::clone(service);
                std::thread::Builder::new()
                    .name(format!("flight-{}-{}", run.flight, run.run_number))
                    .spawn(move || {
                        runner.execute(&service, *launch, &mut |_, _| {});
                    })
                    .map_err(|e| CoreError::Usage(format!("cannot start a thread for the run: {e}")))?;
                Ok(run)
            }
        }
    }

    /// Stops every run of this runner (SIGTERM, then SIGKILL after the grace period); they
    /// end `failed` with a message saying the runner stopped.
    pub fn shutdown(&self) {
        self.steps.stop_all();
    }

    /// How many runs this runner is executing.
    pub fn active(&self) -> usize {
        self.steps.running()
    }

    /// Executes a launched run to its end and records the end.
    pub fn execute(&self, service: &Service, launch: Launch, sink: Sink<'_>) -> RunInfo {
        let flight_id = launch.run.flight_id.clone();
        let n = launch.run.run_number;
        let mut log = Log::new(service, &flight_id, n);
        let end = match self.execute_inner(service, &launch, &mut log, sink) {
            Ok(end) => end,
            Err(message) => RunEnd {
                status: RunStatus::Failed.name().into(),
                exit_code: None,
                finished_at: now_ms(),
                message: Some(message),
            },
        };
        log.note(&format!(
            "run {n} {}{}{}\n",
            end.status,
            end.exit_code.map(|c| format!(", exit code {c}")).unwrap_or_default(),
            end.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
        ));
        log.flush();
        match service.finish_run(&launch, &end) {
            Ok(run) => run,
            Err(e) => {
                warn!(flight = %launch.run.flight, run = n, error = %e, "could not record the end of a run");
                let mut run = launch.run.clone();
                run.status = end.status;
                run.exit_code = end.exit_code;
                run.finished_at = Some(end.finished_at);
                run.message = end.message;
                run
            }
        }
    }

    fn execute_inner(
        &self,
        service: &Service,
        launch: &Launch,
        log: &mut Log<'_>,
        sink: Sink<'_>,
    ) -> std::result::Result<RunEnd, String> {
        let dir = tempfile::Builder::new()
            .prefix("coffer-run-")
            .tempdir()
            .map_err(|e| format!("cannot create the run's working directory: {e}"))?;
        let mut env = launch.env.duplicate();
        let mut notes = Vec::new();
        if launch
            .steps
            .iter()
            .any(|s| matches!(s.kind, FlightKind::Python | FlightKind::Sql))
        {
            if let Some(hook) = &self.duckdb {
                let more = hook.env(service, launch)?;
                for (k, v) in more.vars {
                    env.add_runner(&k, v, false)?;
                }
                for v in more.mask {
                    env.mask_value(v);
                }
                notes = more.notes;
            }
        }
        let masker = Masker::new(env.mask().iter().map(|v| v.expose_secret().as_bytes()))
            .map_err(|e| format!("cannot set up masking: {e}"))?;
        log.tell(
            sink,
            &format!(
                "run {} of flight '{}' (version {}) starting as '{}'\n",
                launch.run.run_number, launch.run.flight, launch.run.flight_version, launch.identity.name
            ),
        );
        for w in env.warnings().iter().chain(&notes) {
            log.tell(sink, &format!("warning: {w}\n"));
        }
        match &self.steps.settings.sandbox {
            Isolation::Unavailable(why) => return Err(why.clone()),
            Isolation::Sandboxed(sandbox) => {
                if let Some(user) = &sandbox.run_as {
                    nix::unistd::chown(
                        dir.path(),
                        Some(nix::unistd::Uid::from_raw(user.uid)),
                        Some(nix::unistd::Gid::from_raw(user.gid)),
                    )
                    .map_err(|e| format!("cannot give the run's working directory to user '{}': {e}", user.name))?;
                }
            }
            Isolation::Unsandboxed => log.tell(
                sink,
                "warning: this run is not sandboxed (coffer was started with --unsandboxed-runs): it can read what coffer's user can\n",
            ),
        }
        let mut ctx = RunCtx {
            service,
            launch,
            dir: dir.path(),
            masker: &masker,
            deadline: launch.timeout.map(|t| Instant::now() + t),
            venv: None,
        };
        let venv = match &launch.requirements {
            Some(text) => match self.steps.venv(&ctx, text, launch.source_builds, log, sink)? {
                Prepared::Ready(v) => Some(v),
                Prepared::Ended(end) => return Ok(end),
            },
            None => None,
        };
        ctx.venv = venv.as_deref();
        let flow = launch.kind == FlightKind::Flow;
        let mut last = None;
        for step in &launch.steps {
            if flow {
                log.tell(sink, &format!("step '{}' ({}) starting\n", step.id, step.kind.name()));
            }
            let end = self.steps.run(&ctx, step, &env, log, sink)?;
            if end.status != RunStatus::Succeeded.name() {
                let message = end
                    .message
                    .map(|m| if flow { format!("step '{}': {m}", step.id) } else { m });
                return Ok(RunEnd { message, ..end });
            }
            last = Some(end);
        }
        drop(env);
        last.ok_or_else(|| "the flight has no steps".to_string())
    }
}
