//! A run's steps as processes: each one started (its argv, or its script on disk or on stdin;
//! through the sandbox helper when runs are sandboxed) with its environment, its output masked
//! and logged as it streams, stopped at its deadline, on `flight cancel` or when the runner
//! shuts down, and its end turned into the run's.

use crate::log::{now_ms, Log, Sink};
use crate::settings::{Isolation, Sandbox, Settings, DEFAULT_PATH};
use coffer_core::flights::{Launch, LaunchStep};
use coffer_core::runenv::{Origin, RunEnv};
use coffer_core::Service;
use coffer_crypto::SecretString;
use coffer_model::flight::{FlightKind, RunStatus};
use coffer_model::mask::{MaskStream, Masker};
use coffer_store::RunEnd;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tracing::{info, warn};

/// What every process of a run shares: where it runs, how its output is masked, when it
/// must end, and the python environment of its python steps.
pub(crate) struct RunCtx<'a> {
    pub(crate) service: &'a Service,
    pub(crate) launch: &'a Launch,
    pub(crate) dir: &'a std::path::Path,
    pub(crate) masker: &'a Masker,
    pub(crate) deadline: Option<Instant>,
    /// The directory of the python environment (see [`crate::venv`]).
    pub(crate) venv: Option<&'a std::path::Path>,
}

/// One process of a run: its argv, environment, what it reads on stdin (a script holding
/// values) and what it may read and write besides the system and the run's directory.
pub(crate) struct Proc {
    pub(crate) program: PathBuf,
    pub(crate) args: Vec<String>,
    pub(crate) env: RunEnv,
    pub(crate) stdin: Option<SecretString>,
    pub(crate) read: Option<PathBuf>,
    pub(crate) write: Option<PathBuf>,
}

/// Why a step's process was stopped.
enum Stop {
    TimedOut(Duration),
    Cancelled,
    Shutdown,
}

/// The processes of a runner's runs: how each step runs, and which are running (to stop them
/// all when the runner shuts down).
pub(crate) struct Steps {
    pub(crate) settings: Settings,
    stopping: AtomicBool,
    active: Mutex<HashMap<(String, i64), i32>>,
}

impl Steps {
    /// Steps run as `settings` say, none running yet.
    pub(crate) fn new(settings: Settings) -> Self {
        Steps {
            settings,
            stopping: AtomicBool::new(false),
            active: Mutex::new(HashMap::new()),
        }
    }

    /// Stops every step running, and every one to come (SIGTERM, then SIGKILL after the grace
    /// period).
    pub(crate) fn stop_all(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// How many steps are running.
    pub(crate) fn running(&self) -> usize {
        self.active.lock().map(|a| a.len()).unwrap_or(0)
    }

    /// A variable of coffer's own environment, when it is allowed through.
    fn own(&self, name: &str) -> Option<String> {
        self.allowed(name).then(|| std::env::var(name).ok()).flatten()
    }

    /// Adds the runner's own variables to `env`: `PATH` (with `bin` first, when given),
    /// `HOME` and `TMPDIR` (the working directory), and the allowed variables of coffer's
    /// environment.
    pub(crate) fn add_own_env(
        &self,
        env: &mut RunEnv,
        dir: &std::path::Path,
        bin: Option<&std::path::Path>,
    ) -> std::result::Result<(), String> {
        let dir_text = dir.to_string_lossy();
        let mut path = self.own("PATH").unwrap_or_else(|| DEFAULT_PATH.to_string());
        if let Some(bin) = bin {
            path = format!("{}:{path}", bin.display());
        }
        env.add_runner("PATH", path, false)?;
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
        Ok(())
    }

    /// The runner's own variables of a step ([`Steps::add_own_env`]) and what its kind needs
    /// (a python step in an environment of its own has its `bin` first on `PATH`).
    fn step_env(&self, ctx: &RunCtx<'_>, step: &LaunchStep, base: &RunEnv) -> std::result::Result<RunEnv, String> {
        let mut env = base.duplicate();
        let dir = ctx.dir;
        let venv = ctx.venv.filter(|_| step.kind == FlightKind::Python);
        self.add_own_env(&mut env, dir, venv.map(|v| v.join("bin")).as_deref())?;
        let own = |name: &str| self.own(name);
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

    /// Runs one step to its end: the run's end, were this step its last (from its exit
    /// status, and why it was stopped if it was).
    pub(crate) fn run(
        &self,
        ctx: &RunCtx<'_>,
        step: &LaunchStep,
        base: &RunEnv,
        log: &mut Log<'_>,
        sink: Sink<'_>,
    ) -> std::result::Result<RunEnd, String> {
        let dir = ctx.dir;
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
                let python = ctx
                    .venv
                    .map_or_else(|| self.settings.python.clone(), |v| v.join("bin").join("python"));
                (python, vec![script_arg])
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
        let env = self.step_env(ctx, step, base)?;
        let script = step.script.as_ref().filter(|_| step.script_has_secrets);
        let proc = Proc {
            program,
            args,
            env,
            stdin: script.map(SecretString::duplicate),
            read: ctx
                .venv
                .filter(|_| step.kind == FlightKind::Python)
                .map(std::path::Path::to_path_buf),
            write: None,
        };
        self.supervise(ctx, proc, log, sink)
    }

    /// Starts `proc` (in the run's sandbox, when runs are sandboxed) and follows it to its
    /// end: its output masked into the log, stopped at the deadline, on cancel or shutdown.
    pub(crate) fn supervise(
        &self,
        ctx: &RunCtx<'_>,
        proc: Proc,
        log: &mut Log<'_>,
        sink: Sink<'_>,
    ) -> std::result::Result<RunEnd, String> {
        let (service, launch, dir, masker, deadline) = (ctx.service, ctx.launch, ctx.dir, ctx.masker, ctx.deadline);
        let Proc {
            program,
            args,
            env,
            stdin,
            read,
            write,
        } = proc;
        let mut cmd = match &self.settings.sandbox {
            Isolation::Sandboxed(sandbox) => {
                // The helper would only fail after the fork: say it as a direct start would.
                if which(&program, &env).is_none() {
                    return Err(format!(
                        "cannot start '{}': {}",
                        program.display(),
                        std::io::Error::from(std::io::ErrorKind::NotFound)
                    ));
                }
                let mut policy = sandbox.policy(dir);
                policy.read.extend(read);
                policy.write.extend(write);
                let mut c = Command::new(&sandbox.helper);
                c.arg("__sandbox")
                    .args(policy.to_args())
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
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
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
        if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
            use std::io::Write as _;
            // A feeder thread: a script larger than the pipe must not block the supervisor.
            let _ = std::thread::Builder::new().name("flight-stdin".into()).spawn(move || {
                // Leaves the process: the script, on the child's stdin.
                let _ = pipe.write_all(text.expose_secret().as_bytes());
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
        Ok(Self::step_end(launch, status, stop))
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

/// The file `program` names, directly or on the run's `PATH`.
pub(crate) fn which(program: &std::path::Path, env: &RunEnv) -> Option<PathBuf> {
    if program.components().count() > 1 || program.is_absolute() {
        return program.is_file().then(|| program.to_path_buf());
    }
    let path = env
        .vars()
        .find(|v| v.0 == "PATH")
        .map_or(DEFAULT_PATH, |v| v.1.expose_secret());
    std::env::split_paths(path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// A copy of a step variable.
fn dup(v: &(String, SecretString, String, bool)) -> (String, SecretString, String, bool) {
    (v.0.clone(), v.1.duplicate(), v.2.clone(), v.3)
}
