//! coffer's data plane: embedded DuckDB instances whose secrets manager is fed from coffer.
//!
//! - [`DataPlane`] creates [`Instance`]s per project and keeps them in step with coffer: it is
//!   a [`SecretObserver`] of the [`Service`], so a secret created, replaced or dropped reaches
//!   every live instance of its project before the next statement, by `CREATE OR REPLACE` /
//!   `DROP` of that one DuckDB secret.
//! - Every coffer secret is registered as a DuckDB TEMPORARY secret (memory only): DuckDB's
//!   persistent secrets are disabled (`allow_persistent_secrets = false`), nothing is written
//!   to disk in plaintext, unredacted listing is off and the configuration is locked.
//! - DuckDB keeps all of them in one storage, where coffer ranks a temporary secret above a
//!   persistent one on equal scope length. [`Planner`] keeps `which_secret` identical anyway:
//!   equal-length matching scopes are the same string, so a persistent secret's scope that a
//!   temporary secret of the same type also has can never win and is left out of its DuckDB
//!   registration (and a secret left with no scope is not registered).
//! - The httpfs extension (S3, R2, GCS and their `s3://`-style reads) is loaded offline from
//!   coffer's extension directory ([`httpfs_path`]); [`install_hint`] says how to put it there.
//! - Flights get the same registrations without a coffer store: [`secret_statements`] renders
//!   them (an audited `use`), the flight runner hands them to its child, and [`Detached`] (or
//!   the Python `sitecustomize` hook) runs them in the child's own DuckDB.
#![deny(missing_docs)]

pub mod plan;
mod render;

pub use plan::{plan, PlanEntry, Planner};
pub use render::{secret_name, SecretSql};

use coffer_core::{Caller, SecretChange, SecretObserver, Service};
use coffer_model::Storage;
use duckdb::arrow::array::{Array, BooleanArray, Int16Array, Int32Array, Int64Array, Int8Array};
use duckdb::arrow::datatypes::DataType;
use duckdb::arrow::util::display::{ArrayFormatter, FormatOptions};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use tracing::{debug, warn};

/// The DuckDB version coffer embeds (the duckdb crate `=1.10505.0` bundles DuckDB 1.5.5).
pub const DUCKDB_VERSION: &str = "v1.5.5";
/// DuckDB's platform name for extensions on this machine.
pub const PLATFORM: &str = "linux_amd64";

/// Errors of the data plane.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DuckError {
    /// DuckDB refused a statement.
    #[error("{0}")]
    Duck(String),
    /// A secret could not be opened to register it.
    #[error("cannot load secret '{name}' into DuckDB: {source}")]
    Secret {
        /// The secret.
        name: String,
        /// Why.
        source: Box<coffer_core::CoreError>,
    },
}

impl From<duckdb::Error> for DuckError {
    fn from(e: duckdb::Error) -> Self {
        DuckError::Duck(e.to_string())
    }
}

/// A `Result` with [`DuckError`].
pub type Result<T> = std::result::Result<T, DuckError>;

/// Where httpfs is expected inside an extension directory.
pub fn httpfs_path(extension_dir: &Path) -> PathBuf {
    extension_dir
        .join(DUCKDB_VERSION)
        .join(PLATFORM)
        .join("httpfs.duckdb_extension")
}

/// How to install httpfs into `extension_dir`, for error messages.
pub fn install_hint(extension_dir: &Path) -> String {
    format!(
        "the DuckDB httpfs extension ({DUCKDB_VERSION}) is not installed in {dir}; install it offline from PyPI with: bash scripts/install-httpfs.sh {dir} (it runs pip install duckdb-extension-httpfs==1.5.5 and copies duckdb_extension_httpfs/extensions/{DUCKDB_VERSION}/httpfs.duckdb_extension to {path})",
        dir = extension_dir.display(),
        path = httpfs_path(extension_dir).display()
    )
}

/// A result of a statement run on DuckDB: column names, DuckDB type names, rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    /// Column names and type names (`varchar`, `bigint`, ...).
    pub columns: Vec<(String, String)>,
    /// Values: booleans and integers as such, everything else as DuckDB-like text.
    pub rows: Vec<Vec<Cell>>,
}

/// One value of [`Rows`].
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Anything else, formatted.
    Text(String),
}

fn type_name(t: &DataType) -> String {
    match t {
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "integer".into(),
        DataType::Int64 => "bigint".into(),
        DataType::UInt8 => "utinyint".into(),
        DataType::UInt16 => "usmallint".into(),
        DataType::UInt32 => "uinteger".into(),
        DataType::UInt64 => "ubigint".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "varchar".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(_, None) => "timestamp".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp with time zone".into(),
        DataType::Decimal128(p, s) => format!("decimal({p},{s})"),
        DataType::List(f) | DataType::LargeList(f) => format!("{}[]", type_name(f.data_type())),
        other => other.to_string().to_ascii_lowercase(),
    }
}

fn cells(array: &dyn Array, rows: usize) -> Result<Vec<Cell>> {
    let opts = FormatOptions::default().with_null("NULL");
    let int = |i: usize| -> Option<i64> {
        let a = array.as_any();
        a.downcast_ref::<Int64Array>()
            .map(|x| x.value(i))
            .or_else(|| a.downcast_ref::<Int32Array>().map(|x| i64::from(x.value(i))))
            .or_else(|| a.downcast_ref::<Int16Array>().map(|x| i64::from(x.value(i))))
            .or_else(|| a.downcast_ref::<Int8Array>().map(|x| i64::from(x.value(i))))
    };
    let formatter = ArrayFormatter::try_new(array, &opts).map_err(|e| DuckError::Duck(e.to_string()))?;
    (0..rows)
        .map(|i| {
            if array.is_null(i) {
                return Ok(Cell::Null);
            }
            if let Some(b) = array.as_any().downcast_ref::<BooleanArray>() {
                return Ok(Cell::Bool(b.value(i)));
            }
            if let Some(v) = int(i) {
                return Ok(Cell::Int(v));
            }
            Ok(Cell::Text(formatter.value(i).to_string()))
        })
        .collect()
}

/// Runs one statement on `conn` and returns its result.
fn query_on(conn: &duckdb::Connection, sql: &str) -> Result<Rows> {
    let mut stmt = conn.prepare(sql)?;
    let arrow = stmt.query_arrow([])?;
    let schema = arrow.get_schema();
    let columns: Vec<(String, String)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), type_name(f.data_type())))
        .collect();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for batch in arrow {
        let n = batch.num_rows();
        let cols: Vec<Vec<Cell>> = batch
            .columns()
            .iter()
            .map(|c| cells(c.as_ref(), n))
            .collect::<Result<_>>()?;
        for i in 0..n {
            rows.push(cols.iter().map(|c| c[i].clone()).collect());
        }
    }
    Ok(Rows { columns, rows })
}

/// The name of the secret DuckDB picks on `conn` for `path` and `secret_type`.
fn which_secret_on(conn: &duckdb::Connection, path: &str, secret_type: &str) -> Result<Option<String>> {
    let mut stmt = conn.prepare("SELECT name FROM which_secret(?, ?)")?;
    let mut rows = stmt.query([path, secret_type])?;
    Ok(match rows.next()? {
        Some(r) => Some(r.get(0)?),
        None => None,
    })
}

/// Whether `caller` holds `use` in `project`: a caller without it gets a DuckDB with no
/// secrets in it.
fn may_use(service: &Service, caller: &Caller, project: &str) -> Result<bool> {
    service
        .has_role(caller, project, coffer_core::Role::Use)
        .map_err(|e| DuckError::Duck(e.to_string()))
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
        .map_err(|source| DuckError::Secret {
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

/// The statements that register every secret of `project` that `caller` may use, exactly as
/// the data plane registers them in its own DuckDB instances: one
/// `CREATE OR REPLACE TEMPORARY SECRET` per secret DuckDB should hold, with the scopes
/// [`Planner`] leaves it (so `which_secret` in a DuckDB that ran them agrees with coffer's),
/// in a stable order. This is how a flight's own DuckDB gets the project's secrets.
///
/// Opening the values is audited as a `use` with purpose `flight`. A caller without the
/// `use` role gets no statements (as the data plane's instances hold no secrets for it).
/// The statements hold secret values: execute them, never log or store them.
///
/// # Errors
/// The caller may not list the project's secrets; a secret cannot be opened.
pub fn secret_statements(service: &Service, caller: &Caller, project: &str) -> Result<Vec<SecretSql>> {
    let all = service
        .list_secrets(caller, project)
        .map_err(|e| DuckError::Duck(e.to_string()))?;
    if !may_use(service, caller, project)? {
        return Ok(Vec::new());
    }
    let entries = plan(&all);
    let refs: Vec<&PlanEntry> = entries.iter().collect();
    let mut rendered = render_entries(service, caller, project, &refs, "flight")?;
    Ok(entries
        .iter()
        .filter_map(|e| rendered.remove(&e.info.name.to_ascii_lowercase()))
        .collect())
}

/// What an instance has registered for one DuckDB secret name.
type Registered = (Storage, i64, Vec<String>);

struct Registrations {
    planner: Planner,
    /// Lower-case name → what DuckDB holds under it.
    registered: HashMap<String, Registered>,
}

/// An embedded DuckDB database for one project.
pub struct Instance {
    project: String,
    /// Whose values this instance holds: every registration is a `use` audited for it.
    caller: Caller,
    conn: Mutex<duckdb::Connection>,
    state: Mutex<Registrations>,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("project", &self.project)
            .finish_non_exhaustive()
    }
}

impl Instance {
    fn conn(&self) -> std::sync::MutexGuard<'_, duckdb::Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs one statement and returns its result.
    ///
    /// # Errors
    /// DuckDB's error.
    pub fn query(&self, sql: &str) -> Result<Rows> {
        query_on(&self.conn(), sql)
    }

    /// The name of the secret DuckDB itself picks for `path` and `secret_type`.
    ///
    /// # Errors
    /// DuckDB's error (an unknown type, for one).
    pub fn which_secret(&self, path: &str, secret_type: &str) -> Result<Option<String>> {
        which_secret_on(&self.conn(), path, secret_type)
    }

    /// Brings the DuckDB registrations of `affected` secrets in line with the plan; returns
    /// how many DuckDB secrets were created, replaced or dropped.
    fn apply(&self, service: &Service, state: &mut Registrations, affected: &BTreeSet<plan::Key>) -> Result<usize> {
        let mut desired: HashMap<String, PlanEntry> = HashMap::new();
        for k in affected {
            if let Some(e) = state.planner.registration(k) {
                desired.insert(k.1.clone(), e);
            }
        }
        // A caller without `use` gets a DuckDB with no secrets in it.
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
            match (desired.get(name), state.registered.get(name)) {
                (None, Some(_)) => {
                    self.conn().execute_batch(&render::drop_secret(name))?;
                    state.registered.remove(name);
                    changes += 1;
                }
                (Some(e), current) => {
                    let want: Registered = (e.info.storage, e.info.version, e.scopes.clone());
                    if current == Some(&want) {
                        continue;
                    }
                    let Some(sql) = rendered.remove(&e.info.name.to_ascii_lowercase()) else {
                        continue;
                    };
                    match self.conn().execute_batch(sql.expose()) {
                        Ok(()) => {
                            state.registered.insert(name.clone(), want);
                            changes += 1;
                        }
                        // Never echo the statement: it holds the values.
                        Err(err) => debug!(
                            secret = %e.info.name,
                            error = %sanitize(&err.to_string()),
                            "DuckDB refused to register a secret"
                        ),
                    }
                }
                (None, None) => {}
            }
        }
        Ok(changes)
    }

    /// Registers every secret of the project (a full load).
    fn load_all(&self, service: &Service) -> Result<usize> {
        let all = service
            .list_secrets(&self.caller, &self.project)
            .map_err(|e| DuckError::Duck(e.to_string()))?;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut affected = BTreeSet::new();
        for info in &all {
            affected.extend(state.planner.upsert(info));
        }
        self.apply(service, &mut state, &affected)
    }

    /// Applies one change; returns how many DuckDB secrets it touched.
    ///
    /// # Errors
    /// DuckDB errors; a secret that cannot be opened.
    pub fn apply_change(&self, service: &Service, change: &SecretChange) -> Result<usize> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let affected = match change {
            SecretChange::Upserted(info) => state.planner.upsert(info),
            SecretChange::Dropped { name, storage } => state.planner.remove(*storage, name),
        };
        self.apply(service, &mut state, &affected)
    }

    /// Drops every coffer secret from DuckDB and registers them all again: pg_duckdb's way,
    /// kept for comparison in the benchmark.
    ///
    /// # Errors
    /// As [`Instance::apply_change`].
    pub fn reload_all(&self, service: &Service) -> Result<usize> {
        {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let names: Vec<String> = state.registered.keys().cloned().collect();
            for n in names {
                self.conn().execute_batch(&render::drop_secret(&n))?;
            }
            state.registered.clear();
            state.planner = Planner::new();
        }
        self.load_all(service)
    }

    /// Brings every registration in line with the project's secrets as the service holds them
    /// now, touching only those that differ: for changes that were not told one by one
    /// (another node deleted the project, a change feed reconnected). When the project is gone
    /// or the caller lost access to it, the instance is left holding no secret. Returns how
    /// many DuckDB secrets were created, replaced or dropped.
    ///
    /// # Errors
    /// As [`Instance::apply_change`].
    pub fn resync(&self, service: &Service) -> Result<usize> {
        let all = match service.list_secrets(&self.caller, &self.project) {
            Ok(all) => Some(all),
            Err(coffer_core::CoreError::ProjectNotFound(_) | coffer_core::CoreError::Forbidden { .. }) => None,
            Err(e) => return Err(DuckError::Duck(e.to_string())),
        };
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(all) = all else {
            let names: Vec<String> = state.registered.keys().cloned().collect();
            for n in &names {
                self.conn().execute_batch(&render::drop_secret(n))?;
                state.registered.remove(n);
            }
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
        self.apply(service, &mut state, &affected)
    }

    /// How many DuckDB secrets this instance holds.
    pub fn registered_count(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).registered.len()
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

/// A new in-memory DuckDB configured as the data plane's: extensions only from
/// `extension_dir` (httpfs loaded when there), no extension installs, no persistent secrets,
/// no unredacted listing, configuration locked.
fn open_connection(extension_dir: Option<&Path>) -> Result<duckdb::Connection> {
    let mut config = duckdb::Config::default()
        .enable_autoload_extension(true)?
        .with("autoinstall_known_extensions", "false")?;
    if let Some(dir) = extension_dir {
        config = config.with("extension_directory", dir.to_string_lossy())?;
    }
    let config = config.with("allow_persistent_secrets", "false")?;
    let conn = duckdb::Connection::open_in_memory_with_flags(config)?;
    match extension_dir {
        Some(dir) if httpfs_path(dir).is_file() => {
            let path = httpfs_path(dir);
            conn.execute_batch(&format!("LOAD {}", render::string(&path.to_string_lossy())))?;
        }
        Some(dir) => debug!("{}", install_hint(dir)),
        None => debug!("no extension directory: httpfs is not loaded"),
    }
    conn.execute_batch("SET allow_unredacted_secrets = false; SET lock_configuration = true;")?;
    Ok(conn)
}

/// An in-memory DuckDB configured like the data plane's instances (see [`DataPlane::instance`])
/// but not tied to a coffer store: it holds the secrets of the statements given to
/// [`Detached::register`] (from [`secret_statements`]) and follows no change. A `sql` flight
/// runs its script on one.
pub struct Detached {
    conn: duckdb::Connection,
}

impl std::fmt::Debug for Detached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detached").finish_non_exhaustive()
    }
}

impl Detached {
    /// A new database loading extensions from `extension_dir` (httpfs when it is there);
    /// without one, DuckDB's default directory, and httpfs is not loaded.
    ///
    /// # Errors
    /// DuckDB's error.
    pub fn open(extension_dir: Option<&Path>) -> Result<Self> {
        Ok(Detached {
            conn: open_connection(extension_dir)?,
        })
    }

    /// Registers one secret. The error never holds the statement's values (see [`sanitize`]).
    ///
    /// # Errors
    /// DuckDB refused the statement.
    pub fn register(&self, sql: &SecretSql) -> Result<()> {
        self.conn
            .execute_batch(sql.expose())
            .map_err(|e| DuckError::Duck(sanitize(&e.to_string())))
    }

    /// Runs one statement and returns its result.
    ///
    /// # Errors
    /// DuckDB's error.
    pub fn query(&self, sql: &str) -> Result<Rows> {
        query_on(&self.conn, sql)
    }

    /// The name of the secret DuckDB picks for `path` and `secret_type`.
    ///
    /// # Errors
    /// DuckDB's error.
    pub fn which_secret(&self, path: &str, secret_type: &str) -> Result<Option<String>> {
        which_secret_on(&self.conn, path, secret_type)
    }
}

/// Creates and tracks the DuckDB instances of a process.
pub struct DataPlane {
    extension_dir: PathBuf,
    instances: Mutex<Vec<Weak<Instance>>>,
}

impl std::fmt::Debug for DataPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataPlane")
            .field("extension_dir", &self.extension_dir)
            .finish_non_exhaustive()
    }
}

impl DataPlane {
    /// A data plane loading extensions from `extension_dir`. Register it with
    /// [`Service::observe`] so instances follow changes.
    pub fn new(extension_dir: impl Into<PathBuf>) -> Arc<Self> {
        Arc::new(DataPlane {
            extension_dir: extension_dir.into(),
            instances: Mutex::new(Vec::new()),
        })
    }

    /// The extension directory.
    pub fn extension_dir(&self) -> &Path {
        &self.extension_dir
    }

    /// Whether httpfs is installed.
    pub fn has_httpfs(&self) -> bool {
        httpfs_path(&self.extension_dir).is_file()
    }

    /// A new in-memory DuckDB for `project` with every secret of the project registered.
    ///
    /// # Errors
    /// DuckDB errors; a secret that cannot be opened.
    pub fn instance(&self, service: &Service, caller: &Caller, project: &str) -> Result<Arc<Instance>> {
        let conn = open_connection(Some(&self.extension_dir))?;
        let instance = Arc::new(Instance {
            project: project.to_string(),
            caller: caller.clone(),
            conn: Mutex::new(conn),
            state: Mutex::new(Registrations {
                planner: Planner::new(),
                registered: HashMap::new(),
            }),
        });
        instance.load_all(service)?;
        let mut list = self.instances.lock().unwrap_or_else(|p| p.into_inner());
        list.retain(|w| w.strong_count() > 0);
        list.push(Arc::downgrade(&instance));
        Ok(instance)
    }

    /// The live instances of `project` (of every project when `None`).
    fn live(&self, project: Option<&str>) -> Vec<Arc<Instance>> {
        let mut list = self.instances.lock().unwrap_or_else(|p| p.into_inner());
        list.retain(|w| w.strong_count() > 0);
        list.iter()
            .filter_map(Weak::upgrade)
            .filter(|i| project.is_none_or(|p| i.project.eq_ignore_ascii_case(p)))
            .collect()
    }
}

impl SecretObserver for DataPlane {
    fn changed(&self, service: &Service, project: &str, change: &SecretChange) {
        for instance in self.live(Some(project)) {
            if let Err(e) = instance.apply_change(service, change) {
                warn!(project, error = %e, "could not bring a DuckDB instance up to date");
            }
        }
    }

    fn resync(&self, service: &Service, project: Option<&str>) {
        for instance in self.live(project) {
            if let Err(e) = instance.resync(service) {
                warn!(project = %instance.project, error = %e, "could not bring a DuckDB instance up to date");
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
