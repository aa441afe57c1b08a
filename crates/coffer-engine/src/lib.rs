//! coffer's side of its DuckDB engine: DuckDB never runs inside a coffer process.
//!
//! - [`Engine`] is one `coffer-engine serve` process (the second executable of the `coffer`
//!   package, the only one that links DuckDB), spoken to over its stdin and stdout with
//!   [`protocol`]. It applies its sandbox to itself before it opens DuckDB (see
//!   [`EngineConfig::sandbox`]), runs each statement under a timeout and a memory cap, and is
//!   killed when its handle drops or when it stops answering.
//! - [`DataPlane`] keeps one [`Instance`] (an engine holding secrets) per project and caller,
//!   for as long as it is used; it is a [`SecretObserver`] of the [`Service`], so a secret
//!   created, replaced or dropped reaches every live engine of its project before the next
//!   statement, by `CREATE OR REPLACE` / `DROP` of that one DuckDB secret over the pipe. An
//!   engine that dies is replaced at the next statement, reloaded, and the caller whose
//!   statement it was gets the error.
//! - Every coffer secret is registered as a DuckDB TEMPORARY secret (memory only) with the
//!   scopes [`Planner`] leaves it, so `which_secret` in the engine agrees with coffer's.
//! - [`secret_statements`] renders the same registrations for a flight's own DuckDB (an
//!   audited `use`).
#![deny(missing_docs)]

mod client;
mod error;
pub mod protocol;
mod render;

pub use client::{Credentials, Engine, EngineConfig};
pub use coffer_core::plan::{self, plan, PlanEntry, Planner};
pub use error::{EngineError, Result};
pub use protocol::{Cell, Rows};
pub use render::{drop_secret, secret_name, string, SecretSql};

use coffer_core::{Caller, SecretChange, SecretObserver, Service};
use coffer_model::Storage;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tracing::{debug, warn};

/// The DuckDB version coffer's engine embeds (the duckdb crate `=1.10505.0` bundles 1.5.5).
pub const DUCKDB_VERSION: &str = "v1.5.5";
/// DuckDB's platform name for extensions on this machine.
pub const PLATFORM: &str = "linux_amd64";

/// Where an extension is expected inside an extension directory.
pub fn extension_path(extension_dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    extension_dir
        .join(DUCKDB_VERSION)
        .join(PLATFORM)
        .join(format!("{name}.duckdb_extension"))
}

/// Where httpfs is expected inside an extension directory.
pub fn httpfs_path(extension_dir: &std::path::Path) -> std::path::PathBuf {
    extension_path(extension_dir, "httpfs")
}

/// How to install httpfs into `extension_dir`, for error messages.
pub fn install_hint(extension_dir: &std::path::Path) -> String {
    format!(
        "the DuckDB httpfs extension ({DUCKDB_VERSION}) is not installed in {dir}; install it with: coffer extension install httpfs (from DuckDB's repository or PyPI's duckdb-extension-httpfs==1.5.5; on a machine without network: coffer extension install --from duckdb_extension_httpfs-1.5.5-py3-none-manylinux2014_x86_64.whl)",
        dir = extension_dir.display(),
    )
}

/// Extensions an engine loads only when its project needs them (a secret's type, a data
/// source's, or a statement that asked for one): each is large (70 to 130 ms to load), and an
/// engine that loaded every installed one took half a second to start. Every other installed
/// extension (httpfs, parquet, json, ...) is loaded by every engine.
pub const ON_DEMAND: &[&str] = &[
    "aws",
    "azure",
    "postgres_scanner",
    "mysql_scanner",
    "sqlite_scanner",
    "ducklake",
    "iceberg",
];

/// The DuckDB extensions a secret of `secret_type` with `provider` needs in DuckDB (none for
/// coffer's own types): httpfs for S3, R2, GCS, Hugging Face and HTTP, DuckDB's aws extension
/// for `credential_chain` on them, azure, postgres_scanner and mysql_scanner for theirs.
pub fn extensions_for(secret_type: &str, provider: &str) -> &'static [&'static str] {
    let chain = provider.eq_ignore_ascii_case("credential_chain");
    match secret_type.to_ascii_lowercase().as_str() {
        "s3" | "r2" | "gcs" if chain => &["httpfs", "aws"],
        "s3" | "r2" | "gcs" | "huggingface" | "http" => &["httpfs"],
        "azure" => &["azure"],
        "postgres" => &["postgres_scanner"],
        "mysql" => &["mysql_scanner"],
        _ => &[],
    }
}

/// A DuckDB error about a statement that held secret values, made safe to log: its first
/// line only (DuckDB's later lines quote the statement) with every '...' string masked.
pub fn sanitize(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    let mut out = String::with_capacity(first.len());
    let mut in_string = false;
    for c in first.chars() {
        if c == '\'' {
            in_string = !in_string;
            out.push(c);
        } else {
            out.push(if in_string { '*' } else { c });
        }
    }
    out
}

/// A DuckDB result as a table of the SQL front.
pub fn table(rows: Rows) -> coffer_sql::Table {
    use coffer_sql::{ColType, Value};
    coffer_sql::Table {
        columns: rows
            .columns
            .into_iter()
            .map(|(name, ty)| (name, ColType::from(ty)))
            .collect(),
        rows: rows
            .rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|c| match c {
                        Cell::Null => Value::Null,
                        Cell::Bool(b) => Value::Bool(b),
                        Cell::Int(i) => Value::Int(i),
                        Cell::Text(t) => Value::Text(t),
                    })
                    .collect()
            })
            .collect(),
    }
}

/// Whether `caller` holds `use` in `project`: a caller without it gets an engine with no
/// secrets in it.
fn may_use(service: &Service, caller: &Caller, project: &str) -> Result<bool> {
    Ok(service.has_role(caller, project, coffer_core::Role::Use)?)
}

/// Opens the secrets of `entries` for `caller` in one audited batch (`purpose` goes to the
/// audit log) and renders the statement registering each one with its planned scopes, keyed
/// by lower-case name.
fn render_entries(
    service: &Service,
    caller: &Caller,
    project: &str,
    entries: &[&PlanEntry],
    purpose: &str,
) -> Result<HashMap<String, SecretSql>> {
    if entries.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted: Vec<(String, Option<Storage>)> = entries
        .iter()
        .map(|e| (e.info.name.clone(), Some(e.info.storage)))
        .collect();
    let batch = service
        .use_secrets(caller, project, &wanted, purpose)
        .map_err(|source| EngineError::Secret {
            name: wanted.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "),
            source: Box::new(source),
        })?;
    let scopes: HashMap<String, &[String]> = entries
        .iter()
        .map(|e| (e.info.name.to_ascii_lowercase(), e.scopes.as_slice()))
        .collect();
    let mut out = HashMap::new();
    for opened in batch {
        let name = opened.info.name.to_ascii_lowercase();
        if let Some(scopes) = scopes.get(&name) {
            let sql = render::create_secret(&opened.info, scopes, &opened.fields);
            out.insert(name, sql);
        }
    }
    Ok(out)
}

/// The statements registering secrets already opened (a run's one audited batch), each with
/// the scopes DuckDB should hold it under, in the order given.
pub fn render_opened(secrets: &[(Vec<String>, coffer_core::OpenedSecret)]) -> Vec<SecretSql> {
    secrets
        .iter()
        .map(|(scopes, o)| render::create_secret(&o.info, scopes, &o.fields))
        .collect()
}

/// The statements that register every secret of `project` that `caller` may use, exactly as
/// the data plane registers them in its engines: one `CREATE OR REPLACE TEMPORARY SECRET` per
/// secret DuckDB should hold, with the scopes [`Planner`] leaves it (so `which_secret` in a
/// DuckDB that ran them agrees with coffer's), in a stable order. This is how a flight's own
/// DuckDB gets the project's secrets.
///
/// Opening the values is audited as a `use` with `purpose`. A caller without the `use` role
/// gets no statements. The statements hold secret values: execute them, never log or store
/// them.
///
/// # Errors
/// The caller may not list the project's secrets; a secret cannot be opened.
pub fn secret_statements(service: &Service, caller: &Caller, project: &str, purpose: &str) -> Result<Vec<SecretSql>> {
    let all = service.list_secrets(caller, project)?;
    if !may_use(service, caller, project)? {
        return Ok(Vec::new());
    }
    let entries = plan(&all);
    let refs: Vec<&PlanEntry> = entries.iter().collect();
    let mut rendered = render_entries(service, caller, project, &refs, purpose)?;
    Ok(entries
        .iter()
        .filter_map(|e| rendered.remove(&e.info.name.to_ascii_lowercase()))
        .collect())
}

/// What an instance has registered for one DuckDB secret name.
type Registered = (Storage, i64, Vec<String>);

struct State {
    /// The engine; `None` until the first use and after it died.
    engine: Option<Engine>,
    planner: Planner,
    /// Lower-case name → what the engine holds under it.
    registered: HashMap<String, Registered>,
    /// Lower-case name → why DuckDB refused to register it (its message, values masked).
    refused: HashMap<String, String>,
    /// Data sources attached in this engine: name → the key they were attached with (the
    /// source's and its secret's versions).
    attached: HashMap<String, (i64, i64)>,
    /// [`ON_DEMAND`] extensions a statement asked for: every engine of this instance loads them.
    wanted: BTreeSet<String>,
    last_used: Instant,
}

/// An engine process holding the secrets of one project that one caller may use.
pub struct Instance {
    project: String,
    /// Whose values this instance holds: every registration is a `use` audited for it.
    caller: Caller,
    config: Arc<EngineConfig>,
    state: Mutex<State>,
    /// The engine's process id while a statement runs on it (0 otherwise), for
    /// [`Instance::interrupt`].
    busy: std::sync::atomic::AtomicU32,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("project", &self.project)
            .field("caller", &self.caller.name)
            .finish_non_exhaustive()
    }
}

impl Instance {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The live engine, started (and loaded with every secret) if there is none.
    fn engine<'s>(&self, service: &Service, state: &'s mut State) -> Result<&'s mut Engine> {
        state.last_used = Instant::now();
        if state.engine.is_none() {
            let all = service.list_secrets(&self.caller, &self.project)?;
            let load = self.on_demand(service, &all, &state.wanted);
            state.engine = Some(Engine::spawn(&self.config, Some(&self.project), &load)?);
            state.registered.clear();
            state.refused.clear();
            state.attached.clear();
            state.planner = Planner::new();
            let mut affected = BTreeSet::new();
            for info in &all {
                affected.extend(state.planner.upsert(info));
            }
            if let Err(e) = self.apply(service, state, &affected) {
                state.engine = None;
                return Err(e);
            }
        }
        state
            .engine
            .as_mut()
            .ok_or_else(|| EngineError::Died("it could not be started".into()))
    }

    /// The [`ON_DEMAND`] extensions an engine of this instance loads: those its project's
    /// `secrets` and data sources need, and those statements asked for (`wanted`).
    fn on_demand(
        &self,
        service: &Service,
        secrets: &[coffer_core::SecretInfo],
        wanted: &BTreeSet<String>,
    ) -> Vec<String> {
        let mut out = wanted.clone();
        for s in secrets {
            out.extend(
                extensions_for(&s.secret_type, &s.provider)
                    .iter()
                    .map(|e| e.to_string()),
            );
        }
        // A caller who may not list the sources attaches none.
        if let Ok(sources) = service.list_sources(&self.caller, &self.project) {
            out.extend(
                sources
                    .iter()
                    .filter_map(|s| coffer_model::source::extension_of(&s.source_type))
                    .map(String::from),
            );
        }
        out.retain(|e| ON_DEMAND.contains(&e.as_str()));
        out.into_iter().collect()
    }

    /// Runs `f` on the engine; an engine that died is dropped, to be replaced next time.
    fn with_engine<T>(&self, service: &Service, f: impl FnOnce(&mut Engine) -> Result<T>) -> Result<T> {
        let mut state = self.state();
        let engine = self.engine(service, &mut state)?;
        let out = f(engine);
        if matches!(out, Err(EngineError::Died(_))) {
            state.engine = None;
            state.registered.clear();
            state.refused.clear();
            state.attached.clear();
        }
        out
    }

    /// Runs one statement and returns its result.
    ///
    /// # Errors
    /// DuckDB's error, the statement's timeout, an engine that died.
    pub fn query(&self, service: &Service, sql: &str) -> Result<Rows> {
        use std::sync::atomic::Ordering;
        self.with_engine(service, |e| {
            self.busy.store(e.pid(), Ordering::SeqCst);
            let out = e.query(sql);
            self.busy.store(0, Ordering::SeqCst);
            out
        })
    }

    /// Stops the statement running on this instance's engine, if one is: the engine's process
    /// group is killed (the statement fails as "the DuckDB engine stopped"), and the next statement
    /// starts a new one, loaded with the secrets again. Returns whether a statement was
    /// running.
    pub fn interrupt(&self) -> bool {
        let pid = self.busy.swap(0, std::sync::atomic::Ordering::SeqCst);
        let Ok(pid) = i32::try_from(pid) else {
            return false;
        };
        // The engine leads its own process group (with its sandbox's supervisor and child).
        pid != 0 && nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL).is_ok()
    }

    /// The name of the secret DuckDB itself picks for `path` and `secret_type`.
    ///
    /// # Errors
    /// DuckDB's error (an unknown type, for one).
    pub fn which_secret(&self, service: &Service, path: &str, secret_type: &str) -> Result<Option<String>> {
        self.with_engine(service, |e| e.which_secret(path, secret_type))
    }

    /// Why DuckDB refused to hold the secret `name` of this instance, if it did (its message,
    /// values masked); starts the engine first when it does not run.
    ///
    /// # Errors
    /// The engine cannot be started.
    pub fn refusal(&self, service: &Service, name: &str) -> Result<Option<String>> {
        let mut state = self.state();
        self.engine(service, &mut state)?;
        Ok(state.refused.get(&name.to_ascii_lowercase()).cloned())
    }

    /// Whether the data source `name` is attached with `key` (its definition's and its
    /// secret's versions) in the running engine.
    pub fn is_attached(&self, name: &str, key: (i64, i64)) -> bool {
        let state = self.state();
        state.engine.is_some() && state.attached.get(name) == Some(&key)
    }

    /// Attaches the data source `name` with `attach` (DuckDB's `ATTACH`, from coffer, not from
    /// a caller): first detaching what was attached under that name with another `key`.
    /// Starts the engine when it does not run.
    ///
    /// # Errors
    /// DuckDB's error (the database is down, the credentials are refused); the engine died.
    pub fn attach(&self, service: &Service, name: &str, key: (i64, i64), attach: &str) -> Result<()> {
        let mut state = self.state();
        self.engine(service, &mut state)?;
        if state.attached.get(name) == Some(&key) {
            return Ok(());
        }
        let stale = state.attached.remove(name).is_some();
        let engine = self.engine(service, &mut state)?;
        let out = (|| {
            if stale {
                engine.query(&format!("DETACH DATABASE IF EXISTS {}", render::ident(name)))?;
            }
            engine.query(attach).map(|_| ())
        })();
        match out {
            Ok(()) => {
                state.attached.insert(name.to_string(), key);
                Ok(())
            }
            Err(e @ EngineError::Died(_)) => {
                state.engine = None;
                state.registered.clear();
                state.refused.clear();
                state.attached.clear();
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Detaches the data source `name` if it is attached (its secret is gone, or a caller
    /// detached it), so that the next use attaches it again or says why it cannot.
    ///
    /// # Errors
    /// The engine died.
    pub fn detach(&self, service: &Service, name: &str) -> Result<()> {
        let mut state = self.state();
        if state.attached.remove(name).is_some() && state.engine.is_some() {
            let engine = self.engine(service, &mut state)?;
            engine.query(&format!("DETACH DATABASE IF EXISTS {}", render::ident(name)))?;
        }
        Ok(())
    }

    /// Makes this instance's engines load `extension` too (a statement asked for it, and it
    /// is one of the [`ON_DEMAND`] ones or was installed since the engine started): the
    /// running engine stops, and the next statement starts one that loads it.
    pub fn want(&self, extension: &str) {
        if ON_DEMAND.contains(&extension) {
            self.state().wanted.insert(extension.to_string());
        }
        self.restart();
    }

    /// Stops this instance's engine (after the statement it runs, if any): the next statement
    /// starts a new one, which loads the extensions installed since and the secrets again.
    pub fn restart(&self) {
        let mut state = self.state();
        state.engine = None;
        state.registered.clear();
        state.refused.clear();
        state.attached.clear();
    }

    /// The engine's process id, if it runs.
    pub fn pid(&self) -> Option<u32> {
        self.state().engine.as_ref().map(Engine::pid)
    }

    /// Brings the registrations of `affected` secrets in line with the plan; returns how
    /// many DuckDB secrets were created, replaced or dropped. Without an engine nothing is
    /// sent (the next engine loads everything).
    fn apply(&self, service: &Service, state: &mut State, affected: &BTreeSet<plan::Key>) -> Result<usize> {
        if state.engine.is_none() {
            return Ok(0);
        }
        let mut desired: HashMap<String, PlanEntry> = HashMap::new();
        for k in affected {
            if let Some(e) = state.planner.registration(k) {
                desired.insert(k.1.clone(), e);
            }
        }
        // A caller without `use` gets an engine with no secrets in it.
        if !may_use(service, &self.caller, &self.project)? {
            return Ok(0);
        }
        let names: BTreeSet<&String> = affected.iter().map(|k| &k.1).collect();
        // Open every secret to (re)register in one audited batch.
        let mut wanted = Vec::new();
        for name in &names {
            if let Some(e) = desired.get(*name) {
                let want: Registered = (e.info.storage, e.info.version, e.scopes.clone());
                if state.registered.get(*name) != Some(&want) {
                    wanted.push(e);
                }
            }
        }
        let mut rendered = render_entries(service, &self.caller, &self.project, &wanted, "dataplane")?;
        let mut changes = 0;
        for name in names {
            let Some(engine) = state.engine.as_mut() else { break };
            match (desired.get(name), state.registered.get(name)) {
                (None, Some(_)) => {
                    engine.drop_secret(name)?;
                    state.registered.remove(name);
                    changes += 1;
                }
                (None, None) if state.refused.remove(name).is_some() => {}
                (Some(e), current) => {
                    let want: Registered = (e.info.storage, e.info.version, e.scopes.clone());
                    if current == Some(&want) {
                        continue;
                    }
                    let Some(sql) = rendered.remove(&e.info.name.to_ascii_lowercase()) else {
                        continue;
                    };
                    match engine.register(name, &sql) {
                        Ok(()) => {
                            state.registered.insert(name.clone(), want);
                            state.refused.remove(name);
                            changes += 1;
                        }
                        Err(err @ EngineError::Died(_)) => return Err(err),
                        // The engine's message never holds the statement's values.
                        Err(err) => {
                            debug!(
                                secret = %e.info.name,
                                error = %err,
                                "DuckDB refused to register a secret"
                            );
                            state.refused.insert(name.clone(), err.to_string());
                        }
                    }
                }
                (None, None) => {}
            }
        }
        Ok(changes)
    }

    fn apply_or_drop(&self, service: &Service, state: &mut State, affected: &BTreeSet<plan::Key>) -> Result<usize> {
        let out = self.apply(service, state, affected);
        if matches!(out, Err(EngineError::Died(_))) {
            state.engine = None;
            state.registered.clear();
            state.refused.clear();
            state.attached.clear();
        }
        out
    }

    /// Applies one change; returns how many DuckDB secrets it touched.
    ///
    /// # Errors
    /// An engine that died; a secret that cannot be opened.
    pub fn apply_change(&self, service: &Service, change: &SecretChange) -> Result<usize> {
        let mut state = self.state();
        let affected = match change {
            SecretChange::Upserted(info) => state.planner.upsert(info),
            SecretChange::Dropped { name, storage } => state.planner.remove(*storage, name),
        };
        self.apply_or_drop(service, &mut state, &affected)
    }

    /// Drops every coffer secret from the engine and registers them all again: pg_duckdb's
    /// way, kept for comparison in the benchmark.
    ///
    /// # Errors
    /// As [`Instance::apply_change`].
    pub fn reload_all(&self, service: &Service) -> Result<usize> {
        let mut state = self.state();
        self.engine(service, &mut state)?;
        let names: Vec<String> = state.registered.keys().cloned().collect();
        if let Some(engine) = state.engine.as_mut() {
            for n in names {
                engine.drop_secret(&n)?;
            }
        }
        state.registered.clear();
        state.refused.clear();
        state.attached.clear();
        let all = service.list_secrets(&self.caller, &self.project)?;
        let mut planner = Planner::new();
        let mut affected = BTreeSet::new();
        for info in &all {
            affected.extend(planner.upsert(info));
        }
        state.planner = planner;
        self.apply_or_drop(service, &mut state, &affected)
    }

    /// Brings every registration in line with the project's secrets as the service holds them
    /// now, touching only those that differ: for changes that were not told one by one
    /// (another node deleted the project, a change feed reconnected). When the project is gone
    /// or the caller lost access to it, the engine is left holding no secret. Returns how
    /// many DuckDB secrets were created, replaced or dropped.
    ///
    /// # Errors
    /// As [`Instance::apply_change`].
    pub fn resync(&self, service: &Service) -> Result<usize> {
        let all = match service.list_secrets(&self.caller, &self.project) {
            Ok(all) => Some(all),
            Err(coffer_core::CoreError::ProjectNotFound(_) | coffer_core::CoreError::Forbidden { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        let mut state = self.state();
        let Some(all) = all else {
            let names: Vec<String> = state.registered.keys().cloned().collect();
            if let Some(engine) = state.engine.as_mut() {
                for n in &names {
                    engine.drop_secret(n)?;
                }
            }
            state.registered.clear();
            state.refused.clear();
            state.attached.clear();
            state.planner = Planner::new();
            return Ok(names.len());
        };
        // Everything planned before (which covers everything registered) and everything now.
        let mut affected: BTreeSet<plan::Key> = state.planner.keys().into_iter().collect();
        let mut planner = Planner::new();
        for info in &all {
            affected.extend(planner.upsert(info));
        }
        state.planner = planner;
        self.apply_or_drop(service, &mut state, &affected)
    }

    /// How many DuckDB secrets this instance's engine holds.
    pub fn registered_count(&self) -> usize {
        self.state().registered.len()
    }
}

/// The engines of a process: one [`Instance`] per project and caller, kept while used.
pub struct DataPlane {
    config: Arc<EngineConfig>,
    /// At most this many engines live; the least recently used idle one makes room.
    max_engines: usize,
    /// An engine unused this long is stopped.
    idle: Duration,
    instances: Mutex<Vec<Arc<Instance>>>,
}

impl std::fmt::Debug for DataPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataPlane")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Whether two callers are the same identity (tokens of one identity share its engines).
fn same_caller(a: &Caller, b: &Caller) -> bool {
    a.identity_id == b.identity_id && a.name == b.name && a.superuser == b.superuser
}

impl DataPlane {
    /// A data plane starting engines with `config`: at most 16 at once, each stopped after
    /// 10 minutes unused. Register it with [`Service::observe`] so its engines follow changes.
    pub fn new(config: EngineConfig) -> Arc<Self> {
        Self::with_limits(config, 16, Duration::from_secs(600))
    }

    /// A data plane with at most `max` engines at once (at least 1), each stopped after
    /// `idle` unused.
    pub fn with_limits(config: EngineConfig, max: usize, idle: Duration) -> Arc<Self> {
        Arc::new(DataPlane {
            config: Arc::new(config),
            max_engines: max.max(1),
            idle,
            instances: Mutex::new(Vec::new()),
        })
    }

    /// How engines are started.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Whether httpfs is installed.
    pub fn has_httpfs(&self) -> bool {
        httpfs_path(&self.config.extension_dir).is_file()
    }

    fn list(&self) -> MutexGuard<'_, Vec<Arc<Instance>>> {
        self.instances.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The instance of `project` for `caller`: the live one, or a new one (its engine starts,
    /// loaded with every secret the caller may use, at its first statement).
    pub fn instance(&self, caller: &Caller, project: &str) -> Arc<Instance> {
        let mut list = self.list();
        let now = Instant::now();
        // Stop engines idle too long.
        list.retain(|i| {
            Arc::strong_count(i) > 1
                || i.state
                    .try_lock()
                    .map(|s| now.duration_since(s.last_used) < self.idle)
                    .unwrap_or(true)
        });
        if let Some(i) = list
            .iter()
            .find(|i| i.project.eq_ignore_ascii_case(project) && same_caller(&i.caller, caller))
        {
            return Arc::clone(i);
        }
        while list.len() >= self.max_engines {
            // The least recently used engine nobody is using right now.
            let victim = list
                .iter()
                .enumerate()
                .filter(|(_, i)| Arc::strong_count(i) == 1)
                .filter_map(|(n, i)| i.state.try_lock().ok().map(|s| (n, s.last_used)))
                .min_by_key(|(_, at)| *at)
                .map(|(n, _)| n);
            match victim {
                Some(n) => {
                    list.remove(n);
                }
                None => break,
            }
        }
        let instance = Arc::new(Instance {
            project: project.to_string(),
            caller: caller.clone(),
            config: Arc::clone(&self.config),
            state: Mutex::new(State {
                engine: None,
                planner: Planner::new(),
                registered: HashMap::new(),
                refused: HashMap::new(),
                attached: HashMap::new(),
                wanted: BTreeSet::new(),
                last_used: now,
            }),
            busy: std::sync::atomic::AtomicU32::new(0),
        });
        list.push(Arc::clone(&instance));
        instance
    }

    /// Stops the statement running on the engine of `project` for `caller`, if one is (see
    /// [`Instance::interrupt`]).
    pub fn interrupt(&self, caller: &Caller, project: &str) -> bool {
        let found = self
            .list()
            .iter()
            .find(|i| i.project.eq_ignore_ascii_case(project) && same_caller(&i.caller, caller))
            .cloned();
        found.is_some_and(|i| i.interrupt())
    }

    /// How many engines run.
    pub fn running(&self) -> usize {
        self.list()
            .iter()
            .filter(|i| i.state.try_lock().map(|s| s.engine.is_some()).unwrap_or(true))
            .count()
    }

    /// Stops every engine.
    pub fn shutdown(&self) {
        self.list().clear();
    }

    /// The instances of `project` (of every project when `None`).
    fn live(&self, project: Option<&str>) -> Vec<Arc<Instance>> {
        self.list()
            .iter()
            .filter(|i| project.is_none_or(|p| i.project.eq_ignore_ascii_case(p)))
            .cloned()
            .collect()
    }
}

impl SecretObserver for DataPlane {
    fn changed(&self, service: &Service, project: &str, change: &SecretChange) {
        for instance in self.live(Some(project)) {
            if let Err(e) = instance.apply_change(service, change) {
                warn!(project, error = %e, "could not bring a DuckDB engine up to date");
            }
        }
    }

    fn resync(&self, service: &Service, project: Option<&str>) {
        for instance in self.live(project) {
            if let Err(e) = instance.resync(service) {
                warn!(project = %instance.project, error = %e, "could not bring a DuckDB engine up to date");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sanitize_keeps_no_value() {
        let e = "Parser Error: syntax error at 'x'\nLINE 1: CREATE SECRET s (TYPE s3, SECRET 'hunter2')";
        assert_eq!(super::sanitize(e), "Parser Error: syntax error at '*'");
    }
}
