//! What a runner is given: its [`Settings`], how runs are isolated ([`Isolation`],
//! [`Sandbox`]), and the hook that gives `python` and `sql` runs their DuckDB secrets
//! ([`DuckDbEnv`]).

use coffer_crypto::SecretString;
use std::path::PathBuf;
use std::time::Duration;

/// The `PATH` of a run unless `PATH` is allowed through.
pub const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Variables for a run, and the sensitive values among them to mask.
#[derive(Default)]
pub struct ExtraEnv {
    /// Name and value.
    pub vars: Vec<(String, SecretString)>,
    /// Values to mask in the run's output.
    pub mask: Vec<SecretString>,
    /// Warnings for the run's log (a data source that cannot be attached, and why).
    pub notes: Vec<String>,
}

/// The extra environment of `python` and `sql` runs: the project's storage secrets as DuckDB
/// statements (the binary provides it; it renders them as coffer's engine does).
pub trait DuckDbEnv: Send + Sync {
    /// Variables for `launch`, whose DuckDB holds `launch.duckdb` (each opened secret with the
    /// scopes DuckDB should hold it under) and the project's data sources when the run may use
    /// secrets, and the sensitive values among them to mask.
    ///
    /// # Errors
    /// A message naming the cause, never a value.
    fn env(
        &self,
        service: &coffer_core::Service,
        launch: &coffer_core::Launch,
    ) -> std::result::Result<ExtraEnv, String>;
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
    /// Where the virtual environments of flights with requirements are built and kept (one
    /// per requirements text, interpreter and `source_builds`); None: such runs fail, saying
    /// so.
    pub venv_dir: Option<PathBuf>,
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
            venv_dir: None,
            kill_grace: Duration::from_secs(5),
            cancel_poll: Duration::from_millis(250),
        }
    }
}
