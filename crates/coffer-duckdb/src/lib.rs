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
#![deny(missing_docs)]

pub mod plan;
mod render;

pub use plan::{plan, PlanEntry, Planner};

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
        let conn = self.conn();
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

    /// The name of the secret DuckDB itself picks for `path` and `secret_type`.
    ///
    /// # Errors
    /// DuckDB's error (an unknown type, for one).
    pub fn which_secret(&self, path: &str, secret_type: &str) -> Result<Option<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT name FROM which_secret(?, ?)")?;
        let mut rows = stmt.query([path, secret_type])?;
        Ok(match rows.next()? {
            Some(r) => Some(r.get(0)?),
            None => None,
        })
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
        if !service
            .has_role(&self.caller, &self.project, coffer_core::Role::Use)
            .map_err(|e| DuckError::Duck(e.to_string()))?
        {
            return Ok(0);
        }
        let names: BTreeSet<&String> = affected.iter().map(|k| &k.1).collect();
        // Open every secret to (re)register in one audited batch.
        let mut wanted = Vec::new();
        for name in &names {
            if let Some(e) = desired.get(*name) {
                let want: Registered = (e.info.storage, e.info.version, e.scopes.clone());
                if state.registered.get(*name) != Some(&want) {
                    wanted.push((e.info.name.clone(), Some(e.info.storage)));
                }
            }
        }
        let mut opened: HashMap<String, coffer_core::OpenedSecret> = HashMap::new();
        if !wanted.is_empty() {
            let batch = service
                .use_secrets(&self.caller, &self.project, &wanted, "dataplane")
                .map_err(|source| DuckError::Secret {
                    name: wanted.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "),
                    source: Box::new(source),
                })?;
            for o in batch {
                opened.insert(o.info.name.to_ascii_lowercase(), o);
            }
        }
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
                    let Some(opened) = opened.get(&e.info.name.to_ascii_lowercase()) else {
                        continue;
                    };
                    let sql = render::create_secret(&opened.info, &e.scopes, &opened.fields);
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

    /// How many DuckDB secrets this instance holds.
    pub fn registered_count(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).registered.len()
    }
}

/// A DuckDB error about a statement that held secret values, made safe to log: its first
/// line only (DuckDB's later lines quote the statement) with every '...' string masked.
fn sanitize(message: &str) -> String {
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
        let config = duckdb::Config::default()
            .enable_autoload_extension(true)?
            .with("autoinstall_known_extensions", "false")?
            .with("extension_directory", self.extension_dir.to_string_lossy())?
            .with("allow_persistent_secrets", "false")?;
        let conn = duckdb::Connection::open_in_memory_with_flags(config)?;
        if self.has_httpfs() {
            let path = httpfs_path(&self.extension_dir);
            conn.execute_batch(&format!("LOAD {}", render::string(&path.to_string_lossy())))?;
        } else {
            debug!("{}", install_hint(&self.extension_dir));
        }
        conn.execute_batch("SET allow_unredacted_secrets = false; SET lock_configuration = true;")?;
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

    fn live(&self, project: &str) -> Vec<Arc<Instance>> {
        let mut list = self.instances.lock().unwrap_or_else(|p| p.into_inner());
        list.retain(|w| w.strong_count() > 0);
        list.iter()
            .filter_map(Weak::upgrade)
            .filter(|i| i.project.eq_ignore_ascii_case(project))
            .collect()
    }
}

impl SecretObserver for DataPlane {
    fn changed(&self, service: &Service, project: &str, change: &SecretChange) {
        for instance in self.live(project) {
            if let Err(e) = instance.apply_change(service, change) {
                warn!(project, error = %e, "could not bring a DuckDB instance up to date");
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
