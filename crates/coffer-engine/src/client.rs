//! One engine process: `coffer-engine serve` spawned with its pipes, spoken to with
//! [`crate::protocol`], killed when its handle drops.

use crate::error::{EngineError, Result};
use crate::protocol::{self, Failure, Request, Response, Rows};
use crate::render::SecretSql;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;
use zeroize::Zeroizing;

/// How long coffer waits for the engine beyond a statement's own timeout before it kills it.
const GRACE: Duration = Duration::from_secs(5);
/// How long a request without a statement timeout may take (starting, registering a secret).
const ADMIN_WAIT: Duration = Duration::from_secs(60);

/// How engine processes are started.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The `coffer-engine` executable.
    pub exe: PathBuf,
    /// coffer's DuckDB extension directory (extensions are loaded from here, never installed).
    pub extension_dir: PathBuf,
    /// Whether DuckDB may read and write local files (the machine owner's own `coffer sql`);
    /// otherwise `disabled_filesystems = 'LocalFileSystem'`.
    pub local_files: bool,
    /// Each statement's timeout (DuckDB is interrupted); `None`: no limit.
    pub timeout: Option<Duration>,
    /// DuckDB's `memory_limit` (`'1GB'`); `None`: DuckDB's default.
    pub memory_limit: Option<String>,
    /// DuckDB's `threads`; `None`: DuckDB's default.
    pub threads: Option<u32>,
    /// The sandbox the engine applies to itself before it opens DuckDB, as
    /// `coffer_sandbox::Policy::to_args` gives it; `None`: not sandboxed.
    pub sandbox: Option<Vec<OsString>>,
    /// The cloud credentials of coffer's own environment that engines may resolve
    /// `credential_chain` secrets from; `None`: none (an engine's environment is empty).
    pub credentials: Option<Credentials>,
}

/// What of coffer's own environment an engine gets for DuckDB's `credential_chain` providers
/// (environment variables, profile files): the machine owner's identity, so only for the
/// owner's own engine or the projects the owner names (`coffer serve
/// --server-credentials-for`).
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// Variables set in the engine's environment.
    pub env: Vec<(OsString, OsString)>,
    /// Files and directories a sandboxed engine may read besides the system's.
    pub read: Vec<PathBuf>,
    /// The projects whose engines get them; `None`: every engine.
    pub projects: Option<Vec<String>>,
}

impl Credentials {
    /// Those of this process's environment: `AWS_*`, `AZURE_*`, `GOOGLE_APPLICATION_CREDENTIALS`
    /// and `HOME`, with `~/.aws`, `~/.azure` and the files those variables name to read.
    pub fn from_env(projects: Option<Vec<String>>) -> Credentials {
        let mut env = Vec::new();
        let mut read = Vec::new();
        for (k, v) in std::env::vars_os() {
            let Some(name) = k.to_str() else { continue };
            if name.starts_with("AWS_")
                || name.starts_with("AZURE_")
                || name == "GOOGLE_APPLICATION_CREDENTIALS"
                || name == "HOME"
            {
                if matches!(
                    name,
                    "AWS_CONFIG_FILE"
                        | "AWS_SHARED_CREDENTIALS_FILE"
                        | "AWS_WEB_IDENTITY_TOKEN_FILE"
                        | "GOOGLE_APPLICATION_CREDENTIALS"
                ) {
                    read.push(PathBuf::from(&v));
                }
                if name == "HOME" {
                    read.push(PathBuf::from(&v).join(".aws"));
                    read.push(PathBuf::from(&v).join(".azure"));
                }
                env.push((k, v));
            }
        }
        read.retain(|p| p.is_absolute() && p.exists());
        Credentials { env, read, projects }
    }

    /// Whether the engines of `project` get these credentials.
    pub fn applies_to(&self, project: Option<&str>) -> bool {
        match (&self.projects, project) {
            (None, _) => true,
            (Some(list), Some(p)) => list.iter().any(|q| q.eq_ignore_ascii_case(p)),
            (Some(_), None) => false,
        }
    }
}

impl EngineConfig {
    /// The `coffer-engine` next to the running executable (`COFFER_ENGINE` overrides it).
    pub fn default_exe() -> PathBuf {
        if let Some(p) = std::env::var_os("COFFER_ENGINE").filter(|v| !v.is_empty()) {
            return PathBuf::from(p);
        }
        std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("coffer-engine")))
            .unwrap_or_else(|| PathBuf::from("coffer-engine"))
    }

    /// The engine's command line (an engine of `project` that also loads the
    /// [`crate::ON_DEMAND`] extensions in `load`).
    pub fn args(&self, project: Option<&str>, load: &[String]) -> Vec<OsString> {
        let mut a: Vec<OsString> = vec![
            "serve".into(),
            "--extension-dir".into(),
            self.extension_dir.clone().into(),
        ];
        for name in load {
            a.push("--load".into());
            a.push(name.into());
        }
        if self.local_files {
            a.push("--local-files".into());
        }
        if let Some(t) = self.timeout {
            a.push("--timeout-ms".into());
            a.push(t.as_millis().to_string().into());
        }
        if let Some(m) = &self.memory_limit {
            a.push("--memory-limit".into());
            a.push(m.into());
        }
        if let Some(t) = self.threads {
            a.push("--threads".into());
            a.push(t.to_string().into());
        }
        let credentials = self.credentials.as_ref().filter(|c| c.applies_to(project));
        if credentials.is_some() {
            a.push("--credentials".into());
        }
        if let Some(policy) = &self.sandbox {
            a.push("--".into());
            if let Some(c) = credentials {
                // The profile files, and the extension directory: DuckDB's aws extension is
                // loaded after the sandbox is applied.
                for p in c.read.iter().chain(std::iter::once(&self.extension_dir)) {
                    a.push("--read".into());
                    a.push(p.clone().into_os_string());
                }
            }
            a.extend(policy.iter().cloned());
        }
        a
    }
}

/// A running engine process.
pub struct Engine {
    child: Child,
    stdin: ChildStdin,
    responses: Receiver<std::io::Result<Zeroizing<Vec<u8>>>>,
    timeout: Option<Duration>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("pid", &self.child.id())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Starts an engine (of `project`, loading the on-demand extensions in `load`): its environment is built from nothing but `PATH`, the
    /// library path coffer itself runs with and the [`Credentials`] meant for it.
    ///
    /// # Errors
    /// [`EngineError::Start`] when the executable cannot be run.
    pub fn spawn(config: &EngineConfig, project: Option<&str>, load: &[String]) -> Result<Engine> {
        use std::os::unix::process::CommandExt;
        let mut cmd = Command::new(&config.exe);
        cmd.args(config.args(project, load))
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0);
        // A libduckdb.so linked at run time (the test build) is found where coffer found it.
        if let Some(v) = std::env::var_os("LD_LIBRARY_PATH") {
            cmd.env("LD_LIBRARY_PATH", v);
        }
        if let Some(v) = std::env::var_os("COFFER_LOG") {
            cmd.env("COFFER_LOG", v);
        }
        if let Some(c) = config.credentials.as_ref().filter(|c| c.applies_to(project)) {
            cmd.envs(c.env.iter().map(|(k, v)| (k, v)));
        }
        let mut child = cmd.spawn().map_err(|e| {
            EngineError::Start(format!(
                "cannot start the DuckDB engine '{}': {e}; it is installed next to coffer by `cargo install` (or set COFFER_ENGINE to its path)",
                config.exe.display()
            ))
        })?;
        let (Some(stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(EngineError::Start("the engine's pipes could not be opened".into()));
        };
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("engine-reader".into())
            .spawn(move || loop {
                match protocol::read_frame(&mut stdout) {
                    Ok(Some(frame)) => {
                        if tx.send(Ok(frame)).is_err() {
                            break;
                        }
                    }
                    Ok(None) => {
                        let _ = tx.send(Err(std::io::ErrorKind::UnexpectedEof.into()));
                        break;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        break;
                    }
                }
            })
            .map_err(|e| EngineError::Start(format!("cannot start a thread: {e}")))?;
        let mut engine = Engine {
            child,
            stdin,
            responses: rx,
            timeout: config.timeout,
        };
        // The engine answers a first request only once it has opened DuckDB (and sandboxed
        // itself): a failure to start shows here, with the engine's own message on stderr.
        engine.which_secret("s3://", "s3")?;
        Ok(engine)
    }

    /// The engine's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn call(&mut self, req: &Request, wait: Duration) -> Result<Response> {
        if let Err(e) = protocol::write_frame(&mut self.stdin, req) {
            return Err(self.died(&format!("cannot send it a request: {e}")));
        }
        match self.responses.recv_timeout(wait) {
            Ok(Ok(frame)) => protocol::decode(&frame).map_err(|e| self.died(&e.to_string())),
            Ok(Err(e)) => Err(self.died(&e.to_string())),
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                Err(EngineError::Died(format!(
                    "it did not answer within {}s and was stopped",
                    wait.as_secs()
                )))
            }
            Err(RecvTimeoutError::Disconnected) => Err(self.died("its output closed")),
        }
    }

    fn died(&mut self, what: &str) -> EngineError {
        let _ = self.child.kill();
        let status = self
            .child
            .wait()
            .map(|s| s.to_string())
            .unwrap_or_else(|_| "unknown status".into());
        EngineError::Died(format!("{what} ({status})"))
    }

    fn expect_done(resp: Response) -> Result<()> {
        match resp {
            Response::Done => Ok(()),
            other => Err(failure(other)),
        }
    }

    /// Registers one secret (a statement holding its values).
    ///
    /// # Errors
    /// DuckDB refused it (the message never holds the values); the engine died.
    pub fn register(&mut self, name: &str, sql: &SecretSql) -> Result<()> {
        let req = Request::Register {
            name: name.to_string(),
            sql: coffer_crypto::SecretString::from(sql.expose()),
        };
        let resp = self.call(&req, ADMIN_WAIT)?;
        Self::expect_done(resp)
    }

    /// Drops one DuckDB secret (no error when it does not exist).
    ///
    /// # Errors
    /// The engine died.
    pub fn drop_secret(&mut self, name: &str) -> Result<()> {
        let resp = self.call(&Request::Drop { name: name.to_string() }, ADMIN_WAIT)?;
        Self::expect_done(resp)
    }

    /// Runs one statement.
    ///
    /// # Errors
    /// DuckDB's error; the statement's timeout; the engine died.
    pub fn query(&mut self, sql: &str) -> Result<Rows> {
        let wait = self.timeout.map_or(Duration::from_secs(24 * 3600), |t| t + GRACE);
        match self.call(&Request::Query { sql: sql.to_string() }, wait)? {
            Response::Rows { rows } => Ok(rows),
            other => Err(failure(other)),
        }
    }

    /// The secret DuckDB picks for `path` and `secret_type`.
    ///
    /// # Errors
    /// DuckDB's error; the engine died.
    pub fn which_secret(&mut self, path: &str, secret_type: &str) -> Result<Option<String>> {
        let req = Request::WhichSecret {
            path: path.to_string(),
            secret_type: secret_type.to_string(),
        };
        match self.call(&req, ADMIN_WAIT)? {
            Response::Which { name } => Ok(name),
            other => Err(failure(other)),
        }
    }
}

fn failure(resp: Response) -> EngineError {
    match resp {
        Response::Error {
            failure: Failure::Timeout,
            message,
        } => EngineError::Timeout(message),
        Response::Error {
            failure: Failure::TooLarge,
            message,
        } => EngineError::TooLarge(message),
        Response::Error { message, .. } => EngineError::Duck(message),
        other => EngineError::Died(format!("it answered out of turn: {other:?}")),
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
