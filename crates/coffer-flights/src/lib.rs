//! coffer's flight runner: executes the runs that [`coffer_core::Service::start_run`] starts.
//!
//! - Every run is a process in its own process group (`command`: the argv; `python`: the
//!   script under `python3` with coffer's DuckDB hook on `PYTHONPATH`; `sql`: `coffer
//!   __flight-sql` on the script), in a fresh working directory that is removed afterwards,
//!   with an environment built from nothing: the run's variables, `PATH`
//!   (`/usr/local/bin:/usr/bin:/bin`), `HOME` and `TMPDIR` (the working directory), and the
//!   variables of coffer's own environment named in [`Settings::env_allow`]. Nothing else of
//!   the runner's environment leaks in.
//! - stdout and stderr are masked as they stream ([`coffer_model::mask`]: every sensitive
//!   value and its base64 forms become `****`, also across writes) and then logged in the
//!   store in batches, and handed to a sink (`--wait`/`--follow`).
//! - A run past its timeout gets SIGTERM on its whole process group, then SIGKILL after
//!   [`Settings::kill_grace`], and ends `timed_out`; `flight cancel` (seen by polling the
//!   store, so it works from any process) does the same and ends `cancelled`. When the main
//!   process exits, whatever it left in its process group is killed.
//! - [`Scheduler`] starts the runs of cron schedules: one per due tick, one tick per flight
//!   however many were missed, claimed in the store so several nodes never double-run.

use coffer_core::flights::{scheduler_caller, Launch, LaunchStep, RunInfo, RunRequest, Started};
use coffer_core::{Caller, CoreError, Service};
use coffer_crypto::SecretString;
use coffer_model::flight::{FlightKind, RunStatus};
use coffer_model::mask::{MaskStream, Masker};
use coffer_store::{LogChunk, RunEnd};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::{info, warn};

/// The `PATH` of a run unless `PATH` is allowed through.
pub const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Variables for a run, and the sensitive values among them to mask.
#[derive(Default)]
pub struct ExtraEnv {
    /// Name and value.
    pub vars: Vec<(String, SecretString)>,
    /// Values to mask in the run's output.
    pub mask: Vec<SecretString>,
}

/// The extra environment of `python` and `sql` runs: the project's storage secrets as DuckDB
/// statements (the binary provides it; it needs the embedded DuckDB's rendering).
pub trait DuckDbEnv: Send + Sync {
    /// Variables for a run acting as `identity` in `project`, and the sensitive values among
    /// them to mask; or why they cannot be had.
    ///
    /// # Errors
    /// A message naming the cause, never a value.
    fn env(&self, service: &Service, identity: &Caller, project: &str) -> std::result::Result<ExtraEnv, String>;
}

/// How runs are executed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The server URL given to runs as `COFFER_URL`.
    pub coffer_url: Option<String>,
    /// Variables of the runner's own environment passed through to runs.
    pub env_allow: Vec<String>,
    /// The Python interpreter of `python` flights.
    pub python: PathBuf,
    /// The coffer binary, for `sql` flights.
    pub coffer_exe: PathBuf,
    /// The text of the `sitecustomize.py` put on the `PYTHONPATH` of `python` flights.
    pub python_site: Option<String>,
    /// Between SIGTERM and SIGKILL.
    pub kill_grace: Duration,
    /// How often a run checks whether it was cancelled.
    pub cancel_poll: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            coffer_url: None,
            env_allow: Vec::new(),
            python: PathBuf::from("python3"),
            coffer_exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("coffer")),
            python_site: None,
            kill_grace: Duration::from_secs(5),
            cancel_poll: Duration::from_millis(250),
        }
    }
}

/// Where a piece of output goes besides the log: `(stream, masked bytes)`.
pub type Sink<'a> = &'a mut dyn FnMut(&str, &[u8]);

/// Runs flights.
pub struct Runner {
    settings: Settings,
    duckdb: Option<Arc<dyn DuckDbEnv>>,
    host: String,
    stopping: AtomicBool,
    active: Mutex<HashMap<(String, i64), i32>>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("settings", &self.settings)
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

enum Stop {
    TimedOut(Duration),
    Cancelled,
    Shutdown,
}

impl Runner {
    /// A runner with `settings`; `duckdb` gives `python` and `sql` runs their DuckDB secrets.
    pub fn new(settings: Settings, duckdb: Option<Arc<dyn DuckDbEnv>>) -> Self {
        Runner {
            settings,
            duckdb,
            host: host_name(),
            stopping: AtomicBool::new(false),
            active: Mutex::new(HashMap::new()),
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
            coffer_url: self.settings.coffer_url.clone(),
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
            coffer_url: self.settings.coffer_url.clone(),
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
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// How many runs this runner is executing.
    pub fn active(&self) -> usize {
        self.active.lock().map(|a| a.len()).unwrap_or(0)
    }

    /// Executes a launched run to its end and records the end.
    pub fn execute(&self, service: &Service, launch: Launch, sink: Sink<'_>) -> RunInfo {
        let flight_id = launch.run.flight_id.clone();
        let n = launch.run.run_number;
        let mut log = Log {
            service,
            flight_id: &flight_id,
            run: n,
            pending: Vec::new(),
            last_flush: Instant::now(),
        };
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
        let mut extra: Vec<(String, SecretString)> = Vec::new();
        let mut mask: Vec<SecretString> = launch.mask.iter().map(SecretString::duplicate).collect();
        if launch
            .steps
            .iter()
            .any(|s| matches!(s.kind, FlightKind::Python | FlightKind::Sql))
        {
            if let Some(hook) = &self.duckdb {
                let more = hook.env(service, &launch.identity, &launch.project)?;
                extra.extend(more.vars);
                mask.extend(more.mask);
            }
        }
        let masker = Masker::new(mask.iter().map(|v| v.expose_secret().as_bytes()))
            .map_err(|e| format!("cannot set up masking: {e}"))?;
        drop(mask);
        log.tell(
            sink,
            &format!(
                "run {} of flight '{}' (version {}) starting as '{}'\n",
                launch.run.run_number, launch.run.flight, launch.run.flight_version, launch.identity.name
            ),
        );
        let deadline = launch.timeout.map(|t| Instant::now() + t);
        let flow = launch.kind == FlightKind::Flow;
        let mut last = None;
        for step in &launch.steps {
            if flow {
                log.tell(sink, &format!("step '{}' ({}) starting\n", step.id, step.kind.name()));
            }
            let (status, stop) =
                self.run_step(service, launch, step, dir.path(), &extra, &masker, deadline, log, sink)?;
            let end = Self::step_end(launch, status, stop);
            if end.status != RunStatus::Succeeded.name() {
                let message = end
                    .message
                    .map(|m| if flow { format!("step '{}': {m}", step.id) } else { m });
                return Ok(RunEnd { message, ..end });
            }
            last = Some(end);
        }
        drop(extra);
        last.ok_or_else(|| "the flight has no steps".to_string())
    }

    /// Runs one step to its end: its exit status, and why it was stopped if it was.
    #[allow(clippy::too_many_arguments)]
    fn run_step(
        &self,
        service: &Service,
        launch: &Launch,
        step: &LaunchStep,
        dir: &std::path::Path,
        extra: &[(String, SecretString)],
        masker: &Masker,
        deadline: Option<Instant>,
        log: &mut Log<'_>,
        sink: Sink<'_>,
    ) -> std::result::Result<(std::process::ExitStatus, Option<Stop>), String> {
        let mut env: Vec<(String, SecretString)> = Vec::new();
        let (program, args): (PathBuf, Vec<String>) = match step.kind {
            FlightKind::Command => {
                let (p, a) = step
                    .command
                    .split_first()
                    .ok_or_else(|| "the step has no command".to_string())?;
                (
                    PathBuf::from(p.expose_secret()),
                    a.iter().map(|x| x.expose_secret().to_string()).collect(),
                )
            }
            FlightKind::Python => {
                // A script whose templates were resolved holds values: it goes through a pipe
                // (`python3 -`), never to disk.
                let script_arg = if step.script_has_secrets {
                    "-".to_string()
                } else {
                    let script = dir.join(format!("{}.py", step.id));
                    std::fs::write(
                        &script,
                        step.script.as_ref().map(|s| s.expose_secret()).unwrap_or_default(),
                    )
                    .map_err(|e| format!("cannot write the script: {e}"))?;
                    format!("{}.py", step.id)
                };
                if let Some(site) = &self.settings.python_site {
                    let site_dir = dir.join(".coffer-site");
                    std::fs::create_dir_all(&site_dir)
                        .and_then(|()| std::fs::write(site_dir.join("sitecustomize.py"), site))
                        .map_err(|e| format!("cannot write the DuckDB hook: {e}"))?;
                    let mut path = site_dir.to_string_lossy().into_owned();
                    if let Ok(extra) = std::env::var("PYTHONPATH") {
                        if self.allowed("PYTHONPATH") && !extra.is_empty() {
                            path = format!("{path}:{extra}");
                        }
                    }
                    env.push(("PYTHONPATH".into(), SecretString::from(path)));
                }
                env.push(("PYTHONUNBUFFERED".into(), SecretString::from("1")));
                env.push(("PYTHONDONTWRITEBYTECODE".into(), SecretString::from("1")));
                (self.settings.python.clone(), vec![script_arg])
            }
            FlightKind::Sql => {
                let script_arg = if step.script_has_secrets {
                    "-".to_string()
                } else {
                    let script = dir.join(format!("{}.sql", step.id));
                    std::fs::write(
                        &script,
                        step.script.as_ref().map(|s| s.expose_secret()).unwrap_or_default(),
                    )
                    .map_err(|e| format!("cannot write the script: {e}"))?;
                    format!("{}.sql", step.id)
                };
                (
                    self.settings.coffer_exe.clone(),
                    vec!["__flight-sql".into(), script_arg],
                )
            }
            FlightKind::Flow => return Err("a step cannot itself be a flow".into()),
        };
        let mut cmd = Command::new(&program);
        cmd.args(&args)
            .current_dir(dir)
            .env_clear()
            .env("PATH", DEFAULT_PATH)
            .env("HOME", dir)
            .env("TMPDIR", dir)
            .stdin(if step.script_has_secrets {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        if step.kind == FlightKind::Sql {
            // `coffer __flight-sql` is coffer itself: it may need its own library path
            // (a libduckdb.so linked at run time).
            if let Some(v) = std::env::var_os("LD_LIBRARY_PATH") {
                cmd.env("LD_LIBRARY_PATH", v);
            }
        }
        for name in &self.settings.env_allow {
            if let Some(v) = std::env::var_os(name) {
                cmd.env(name, v);
            }
        }
        for (k, v) in launch
            .env
            .iter()
            .chain(extra.iter())
            .chain(env.iter())
            .chain(step.env.iter())
        {
            cmd.env(k, v.expose_secret());
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start '{}': {e}", program.display()))?;
        // The environment holds values; let it go as soon as the process has its copy.
        drop(cmd);
        if let (true, Some(mut stdin), Some(script)) = (step.script_has_secrets, child.stdin.take(), &step.script) {
            use std::io::Write as _;
            let text = script.duplicate();
            // A feeder thread: a script larger than the pipe must not block the supervisor.
            let _ = std::thread::Builder::new().name("flight-stdin".into()).spawn(move || {
                let _ = stdin.write_all(text.expose_secret().as_bytes());
            });
        }
        drop(env);
        let pgid = i32::try_from(child.id()).unwrap_or(i32::MAX);
        let key = (launch.run.flight_id.clone(), launch.run.run_number);
        if let Ok(mut a) = self.active.lock() {
            a.insert(key.clone(), pgid);
        }
        let (tx, rx) = mpsc::channel::<(usize, Vec<u8>)>();
        for (i, pipe) in [
            child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
            child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .enumerate()
        {
            let Some(mut pipe) = pipe else { continue };
            let tx = tx.clone();
            let _ = std::thread::Builder::new().name("flight-pipe".into()).spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match pipe.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(k) => {
                            if tx.send((i, buf[..k].to_vec())).is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
        drop(tx);

        const STREAMS: [&str; 2] = ["stdout", "stderr"];
        let mut streams: [MaskStream; 2] = [masker.stream(), masker.stream()];
        let mut stop: Option<Stop> = None;
        let mut kill_at: Option<Instant> = None;
        let mut killed = false;
        let mut exited: Option<(std::process::ExitStatus, Instant)> = None;
        let mut pipes_open = true;
        let mut last_poll = Instant::now();
        let signal = |sig: Signal| {
            // ESRCH: the group is gone already.
            let _ = killpg(Pid::from_raw(pgid), sig);
        };
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok((i, bytes)) => {
                    let masked = streams[i].push(&bytes);
                    if !masked.is_empty() {
                        sink(STREAMS[i], &masked);
                        log.push(STREAMS[i], masked);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => pipes_open = false,
            }
            let now = Instant::now();
            if exited.is_none() {
                match child.try_wait() {
                    Ok(Some(status)) => exited = Some((status, now)),
                    Ok(None) => {}
                    Err(e) => return Err(format!("cannot wait for the process: {e}")),
                }
            }
            if let Some((_, at)) = exited {
                if !pipes_open {
                    break;
                }
                // Something the process left behind holds its output open: stop it.
                if now.duration_since(at) > Duration::from_secs(2) && !killed {
                    signal(Signal::SIGKILL);
                    killed = true;
                }
                if now.duration_since(at) > Duration::from_secs(10) {
                    warn!(flight = %launch.run.flight, "a process outside the run's group holds its output open; not waiting for it");
                    break;
                }
            } else {
                if stop.is_none() {
                    if deadline.is_some_and(|d| now >= d) {
                        stop = Some(Stop::TimedOut(launch.timeout.unwrap_or_default()));
                    } else if self.stopping.load(Ordering::SeqCst) {
                        stop = Some(Stop::Shutdown);
                    } else if now.duration_since(last_poll) >= self.settings.cancel_poll {
                        last_poll = now;
                        if service
                            .cancel_requested(&launch.run.flight_id, launch.run.run_number)
                            .unwrap_or(false)
                        {
                            stop = Some(Stop::Cancelled);
                        }
                    }
                    if stop.is_some() {
                        signal(Signal::SIGTERM);
                        kill_at = Some(now + self.settings.kill_grace);
                    }
                }
                if kill_at.is_some_and(|k| now >= k) && !killed {
                    signal(Signal::SIGKILL);
                    killed = true;
                }
            }
            log.maybe_flush();
        }
        // Whatever the main process left in its group goes with it.
        if !killed {
            signal(Signal::SIGKILL);
        }
        for (i, s) in streams.into_iter().enumerate() {
            let tail = s.finish();
            if !tail.is_empty() {
                sink(STREAMS[i], &tail);
                log.push(STREAMS[i], tail);
            }
        }
        if let Ok(mut a) = self.active.lock() {
            a.remove(&key);
        }
        let Some((status, _)) = exited else {
            return Err("the process could not be waited for".into());
        };
        Ok((status, stop))
    }

    /// How a run ends after a step ended with `status` (stopped for `stop`, if it was).
    fn step_end(launch: &Launch, status: std::process::ExitStatus, stop: Option<Stop>) -> RunEnd {
        let exit_code = status.code().or_else(|| status.signal().map(|s| 128 + s));
        let finished_at = now_ms();
        let (status_name, message) = match stop {
            Some(Stop::TimedOut(t)) => (
                RunStatus::TimedOut,
                Some(format!("killed after its timeout of {}s", t.as_secs())),
            ),
            Some(Stop::Cancelled) => (RunStatus::Cancelled, Some("cancelled".to_string())),
            Some(Stop::Shutdown) => (
                RunStatus::Failed,
                Some("stopped because the coffer process running it shut down".to_string()),
            ),
            None => match (status.code(), status.signal()) {
                (Some(0), _) => (RunStatus::Succeeded, None),
                (Some(c), _) => (RunStatus::Failed, Some(format!("exited with code {c}"))),
                (None, Some(s)) => (
                    RunStatus::Failed,
                    Some(format!(
                        "killed by signal {}",
                        Signal::try_from(s)
                            .map(|x| x.as_str().to_string())
                            .unwrap_or_else(|_| s.to_string())
                    )),
                ),
                (None, None) => (RunStatus::Failed, Some("ended with an unknown status".to_string())),
            },
        };
        info!(flight = %launch.run.flight, run = launch.run.run_number, status = status_name.name(), "run ended");
        RunEnd {
            status: status_name.name().into(),
            exit_code,
            finished_at,
            message,
        }
    }

    fn allowed(&self, name: &str) -> bool {
        self.settings.env_allow.iter().any(|a| a == name)
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A run's log on its way to the store, in batches.
struct Log<'a> {
    service: &'a Service,
    flight_id: &'a str,
    run: i64,
    pending: Vec<LogChunk>,
    last_flush: Instant,
}

impl Log<'_> {
    const BATCH_BYTES: usize = 256 * 1024;
    const BATCH_EVERY: Duration = Duration::from_millis(200);

    fn push(&mut self, stream: &str, data: Vec<u8>) {
        match self.pending.last_mut() {
            Some(last) if last.stream == stream && last.data.len() + data.len() <= Self::BATCH_BYTES => {
                last.data.extend_from_slice(&data);
            }
            _ => self.pending.push(LogChunk {
                seq: 0,
                stream: stream.into(),
                at: now_ms(),
                data,
            }),
        }
        if self.pending.iter().map(|c| c.data.len()).sum::<usize>() >= Self::BATCH_BYTES {
            self.flush();
        }
    }

    fn note(&mut self, line: &str) {
        self.push("coffer", line.as_bytes().to_vec());
    }

    /// A note of coffer's, logged and handed to the sink (stream `coffer`).
    fn tell(&mut self, sink: Sink<'_>, line: &str) {
        sink("coffer", line.as_bytes());
        self.note(line);
    }

    fn maybe_flush(&mut self) {
        if self.last_flush.elapsed() >= Self::BATCH_EVERY {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.last_flush = Instant::now();
        if self.pending.is_empty() {
            return;
        }
        let chunks = std::mem::take(&mut self.pending);
        if let Err(e) = self.service.append_run_log(self.flight_id, self.run, &chunks) {
            warn!(error = %e, "could not write a run's log");
        }
    }
}

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
