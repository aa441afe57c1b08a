//! coffer's flight runner: executes the runs that [`coffer_core::Service::start_run`] starts.
//!
//! - Every run is a process in its own process group (`command`: the argv; `python`: the
//!   script under `python3` with coffer's DuckDB hook on `PYTHONPATH`; `sql`: `coffer-engine
//!   flight-sql` on the script), in a fresh working directory that is removed afterwards,
//!   with an environment built from nothing by [`coffer_core::runenv::RunEnv`]: the run's
//!   variables, `PATH` (`/usr/local/bin:/usr/bin:/bin`), `HOME` and `TMPDIR` (the working
//!   directory), and the variables of coffer's own environment named in
//!   [`Settings::env_allow`]. Nothing else of the runner's environment leaks in.
//! - Every run is sandboxed ([`Isolation::Sandboxed`]): started through `coffer __sandbox`,
//!   which applies a [`coffer_sandbox::Policy`] to itself (its own Landlock domain: the
//!   system's directories and what its kind needs read-only, its working directory writable,
//!   nothing else; signals scoped; no_new_privs; the run user when coffer is root) and execs
//!   the program.
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
use coffer_core::runenv::{Origin, RunEnv};
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
/// statements (the binary provides it; it renders them as coffer's engine does).
pub trait DuckDbEnv: Send + Sync {
    /// Variables for a run whose DuckDB holds `secrets` (each opened secret with the scopes
    /// DuckDB should hold it under), and the sensitive values among them to mask.
    ///
    /// # Errors
    /// A message naming the cause, never a value.
    fn env(&self, secrets: &[(Vec<String>, coffer_core::OpenedSecret)]) -> std::result::Result<ExtraEnv, String>;
}

/// How runs are isolated.
#[derive(Debug, Clone)]
pub enum Isolation {
    /// Every run in its sandbox.
    Sandboxed(Sandbox),
    /// Runs are not sandboxed (`--unsandboxed-runs`): every run's log says so.
    Unsandboxed,
    /// This machine cannot sandbox (no Landlock): runs fail before they start, with this
    /// message saying why and how to proceed.
    Unavailable(String),
}

/// How runs are sandboxed: each run is started through `helper __sandbox POLICY -- PROGRAM`,
/// which applies the policy to itself (Landlock, no_new_privs, the run user) and then execs
/// the program.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// The `coffer` executable (its hidden `__sandbox` command applies the policy).
    pub helper: PathBuf,
    /// The unprivileged user runs execute as (when coffer runs as root).
    pub run_as: Option<coffer_sandbox::RunAs>,
    /// What runs may read besides the system's directories: the interpreter's prefix, the
    /// engine, the extension directory, the library path.
    pub read: Vec<PathBuf>,
    /// Where runs may connect (checked by a supervisor, see `coffer_sandbox::net`); None:
    /// unchecked.
    pub net: Option<coffer_model::net::NetPolicy>,
}

impl Sandbox {
    /// The policy of a run working in `dir`.
    pub fn policy(&self, dir: &std::path::Path) -> coffer_sandbox::Policy {
        let mut p = coffer_sandbox::Policy::system()
            .with_write(dir)
            .with_run_as(self.run_as.clone())
            .with_net(self.net.clone());
        for r in &self.read {
            p = p.with_read(r.clone());
        }
        p
    }
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
    /// The `coffer-engine` executable, for `sql` flights.
    pub engine_exe: PathBuf,
    /// How runs are isolated.
    pub sandbox: Isolation,
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
            engine_exe: std::env::current_exe()
                .ok()
                .and_then(|p| p.parent().map(|d| d.join("coffer-engine")))
                .unwrap_or_else(|| PathBuf::from("coffer-engine")),
            sandbox: Isolation::Unsandboxed,
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
        let mut env = launch.env.duplicate();
        if launch
            .steps
            .iter()
            .any(|s| matches!(s.kind, FlightKind::Python | FlightKind::Sql))
        {
            if let Some(hook) = &self.duckdb {
                let more = hook.env(&launch.duckdb)?;
                for (k, v) in more.vars {
                    env.add_runner(&k, v, false)?;
                }
                for v in more.mask {
                    env.mask_value(v);
                }
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
        for w in env.warnings() {
            log.tell(sink, &format!("warning: {w}\n"));
        }
        match &self.settings.sandbox {
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
        let deadline = launch.timeout.map(|t| Instant::now() + t);
        let flow = launch.kind == FlightKind::Flow;
        let mut last = None;
        for step in &launch.steps {
            if flow {
                log.tell(sink, &format!("step '{}' ({}) starting\n", step.id, step.kind.name()));
            }
            let (status, stop) =
                self.run_step(service, launch, step, dir.path(), &env, &masker, deadline, log, sink)?;
            let end = Self::step_end(launch, status, stop);
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

    /// The runner's own variables of a step: `PATH`, `HOME` and `TMPDIR` (the working
    /// directory), the allowed variables of coffer's environment, and what its kind needs.
    fn step_env(&self, step: &LaunchStep, dir: &std::path::Path, base: &RunEnv) -> std::result::Result<RunEnv, String> {
        let mut env = base.duplicate();
        let dir_text = dir.to_string_lossy();
        let own = |name: &str| -> Option<String> { self.allowed(name).then(|| std::env::var(name).ok()).flatten() };
        env.add_runner("PATH", own("PATH").unwrap_or_else(|| DEFAULT_PATH.to_string()), false)?;
        env.add_runner("HOME", dir_text.as_ref(), false)?;
        env.add_runner("TMPDIR", dir_text.as_ref(), false)?;
        for name in &self.settings.env_allow {
            if env.contains(name) || matches!(name.as_str(), "PATH" | "HOME" | "TMPDIR" | "PYTHONPATH") {
                continue;
            }
            if let Ok(v) = std::env::var(name) {
                env.add_runner(name, v, false)?;
            }
        }
        match step.kind {
            FlightKind::Python => {
                if self.settings.python_site.is_some() {
                    let mut path = dir.join(".coffer-site").to_string_lossy().into_owned();
                    if let Some(extra) = own("PYTHONPATH").filter(|p| !p.is_empty()) {
                        path = format!("{path}:{extra}");
                    }
                    env.add_runner("PYTHONPATH", path, false)?;
                }
                env.add_runner("PYTHONUNBUFFERED", "1", false)?;
                env.add_runner("PYTHONDONTWRITEBYTECODE", "1", false)?;
            }
            FlightKind::Sql => {
                // The engine may need its own library path (a libduckdb.so linked at run time).
                if let Ok(v) = std::env::var("LD_LIBRARY_PATH") {
                    if !env.contains("LD_LIBRARY_PATH") {
                        env.add_runner("LD_LIBRARY_PATH", v, false)?;
                    }
                }
            }
            _ => {}
        }
        env.extend(Origin::Member, step.env.iter().map(dup).collect())?;
        env.extend(Origin::Runner, step.template_env.iter().map(dup).collect())?;
        Ok(env)
    }

    /// Runs one step to its end: its exit status, and why it was stopped if it was.
    #[allow(clippy::too_many_arguments)]
    fn run_step(
        &self,
        service: &Service,
        launch: &Launch,
        step: &LaunchStep,
        dir: &std::path::Path,
        base: &RunEnv,
        masker: &Masker,
        deadline: Option<Instant>,
        log: &mut Log<'_>,
        sink: Sink<'_>,
    ) -> std::result::Result<(std::process::ExitStatus, Option<Stop>), String> {
        let (program, args): (PathBuf, Vec<String>) = match step.kind {
            FlightKind::Command => {
                let (p, a) = step
                    .command
                    .split_first()
                    .ok_or_else(|| "the step has no command".to_string())?;
                (PathBuf::from(p), a.to_vec())
            }
            FlightKind::Python => {
                // A script whose templates were resolved holds values: it goes through a pipe
                // (`python3 -`), never to disk.
                let script_arg = if step.script_has_secrets {
                    "-".to_string()
                } else {
                    self.write_script(dir, &format!("{}.py", step.id), step)?
                };
                if let Some(site) = &self.settings.python_site {
                    let site_dir = dir.join(".coffer-site");
                    std::fs::create_dir_all(&site_dir)
                        .and_then(|()| std::fs::write(site_dir.join("sitecustomize.py"), site))
                        .map_err(|e| format!("cannot write the DuckDB hook: {e}"))?;
                    self.give(&site_dir)?;
                    self.give(&site_dir.join("sitecustomize.py"))?;
                }
                (self.settings.python.clone(), vec![script_arg])
            }
            FlightKind::Sql => {
                let script_arg = if step.script_has_secrets {
                    "-".to_string()
                } else {
                    self.write_script(dir, &format!("{}.sql", step.id), step)?
                };
                (self.settings.engine_exe.clone(), vec!["flight-sql".into(), script_arg])
            }
            FlightKind::Flow => return Err("a step cannot itself be a flow".into()),
        };
        let env = self.step_env(step, dir, base)?;
        let mut cmd = match &self.settings.sandbox {
            Isolation::Sandboxed(sandbox) => {
                // The helper would only fail after the fork: say it as a direct start would.
                if !resolvable(&program, &env) {
                    return Err(format!(
                        "cannot start '{}': {}",
                        program.display(),
                        std::io::Error::from(std::io::ErrorKind::NotFound)
                    ));
                }
                let mut c = Command::new(&sandbox.helper);
                c.arg("__sandbox")
                    .args(sandbox.policy(dir).to_args())
                    .arg("--")
                    .arg(&program)
                    .args(&args);
                c
            }
            Isolation::Unsandboxed | Isolation::Unavailable(_) => {
                let mut c = Command::new(&program);
                c.args(&args);
                c
            }
        };
        cmd.current_dir(dir)
            .env_clear()
            .stdin(if step.script_has_secrets {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        env.apply(&mut cmd);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start '{}': {e}", program.display()))?;
        // The environment holds values; let it go as soon as the process has its copy.
        drop(cmd);
        drop(env);
        if let (true, Some(mut stdin), Some(script)) = (step.script_has_secrets, child.stdin.take(), &step.script) {
            use std::io::Write as _;
            let text = script.duplicate();
            // A feeder thread: a script larger than the pipe must not block the supervisor.
            let _ = std::thread::Builder::new().name("flight-stdin".into()).spawn(move || {
                // Leaves the process: the script, on the child's stdin.
                let _ = stdin.write_all(text.expose_secret().as_bytes());
            });
        }
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

    /// Writes a step's script (one without values) into the run's directory; its file name.
    fn write_script(
        &self,
        dir: &std::path::Path,
        name: &str,
        step: &LaunchStep,
    ) -> std::result::Result<String, String> {
        let path = dir.join(name);
        // No values: a script with templates goes through stdin instead.
        std::fs::write(
            &path,
            step.script.as_ref().map(|s| s.expose_secret()).unwrap_or_default(),
        )
        .map_err(|e| format!("cannot write the script: {e}"))?;
        self.give(&path)?;
        Ok(name.to_string())
    }

    /// Hands a file of the run's directory to the run's user.
    fn give(&self, path: &std::path::Path) -> std::result::Result<(), String> {
        if let Isolation::Sandboxed(Sandbox { run_as: Some(user), .. }) = &self.settings.sandbox {
            nix::unistd::chown(
                path,
                Some(nix::unistd::Uid::from_raw(user.uid)),
                Some(nix::unistd::Gid::from_raw(user.gid)),
            )
            .map_err(|e| format!("cannot give {} to user '{}': {e}", path.display(), user.name))?;
        }
        Ok(())
    }

    fn allowed(&self, name: &str) -> bool {
        self.settings.env_allow.iter().any(|a| a == name)
    }
}

/// Whether `program` names a file, directly or on the run's `PATH`.
fn resolvable(program: &std::path::Path, env: &RunEnv) -> bool {
    if program.components().count() > 1 || program.is_absolute() {
        return program.is_file();
    }
    let path = env
        .vars()
        .find(|v| v.0 == "PATH")
        .map_or(DEFAULT_PATH, |v| v.1.expose_secret());
    std::env::split_paths(path).any(|d| d.join(program).is_file())
}

/// A copy of a step variable.
fn dup(v: &(String, SecretString, String, bool)) -> (String, SecretString, String, bool) {
    (v.0.clone(), v.1.duplicate(), v.2.clone(), v.3)
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
