//! coffer's DuckDB engine process, `coffer-engine`: the only part of coffer that links DuckDB.
//!
//! - `coffer-engine serve` ([`serve`]) answers the requests of [`coffer_engine::protocol`] on
//!   its stdin and stdout: register and drop secrets, run statements, `which_secret`. Before it
//!   opens DuckDB it applies the sandbox it was given ([`coffer_sandbox`]); then it loads the
//!   extensions of coffer's extension directory (it never installs any), disables DuckDB's
//!   local file system unless told otherwise, and locks the configuration. Each statement
//!   runs under a timeout (DuckDB is interrupted), the database under a memory cap.
//! - `coffer-engine flight-sql FILE` ([`flight_sql`]) is the process of a `sql` flight: it
//!   registers the secrets the runner gave it and runs the script.
//! - [`main`] is the executable's entry point (`crates/coffer/src/bin/coffer-engine.rs`).
#![deny(missing_docs)]

pub mod flight_sql;

use coffer_engine::protocol::{self, Cell, Failure, Request, Response, Rows};
use duckdb::arrow::array::{Array, BooleanArray, Int16Array, Int32Array, Int64Array, Int8Array};
use duckdb::arrow::datatypes::DataType;
use duckdb::arrow::util::display::{ArrayFormatter, FormatOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The largest result the engine sends, in bytes of cell text.
pub const MAX_RESULT_BYTES: usize = 64 << 20;

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DuckError {
    /// DuckDB refused a statement.
    #[error("{0}")]
    Duck(String),
    /// A result larger than [`MAX_RESULT_BYTES`].
    #[error("the result is larger than {} MiB; add a LIMIT or aggregate it", MAX_RESULT_BYTES >> 20)]
    TooLarge,
}

impl From<duckdb::Error> for DuckError {
    fn from(e: duckdb::Error) -> Self {
        DuckError::Duck(e.to_string())
    }
}

/// A `Result` with [`DuckError`].
pub type Result<T> = std::result::Result<T, DuckError>;

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

fn cells(array: &dyn Array, rows: usize, budget: &mut usize) -> Result<Vec<Cell>> {
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
            *budget = budget.checked_sub(8).ok_or(DuckError::TooLarge)?;
            if array.is_null(i) {
                return Ok(Cell::Null);
            }
            if let Some(b) = array.as_any().downcast_ref::<BooleanArray>() {
                return Ok(Cell::Bool(b.value(i)));
            }
            if let Some(v) = int(i) {
                return Ok(Cell::Int(v));
            }
            let text = formatter.value(i).to_string();
            *budget = budget.checked_sub(text.len()).ok_or(DuckError::TooLarge)?;
            Ok(Cell::Text(text))
        })
        .collect()
}

/// Runs one statement on `conn` and returns its result.
///
/// # Errors
/// DuckDB's error; a result larger than [`MAX_RESULT_BYTES`].
pub fn query_on(conn: &duckdb::Connection, sql: &str) -> Result<Rows> {
    let mut stmt = conn.prepare(sql)?;
    let arrow = stmt.query_arrow([])?;
    let schema = arrow.get_schema();
    let columns: Vec<(String, String)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), type_name(f.data_type())))
        .collect();
    let mut budget = MAX_RESULT_BYTES;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for batch in arrow {
        let n = batch.num_rows();
        let cols: Vec<Vec<Cell>> = batch
            .columns()
            .iter()
            .map(|c| cells(c.as_ref(), n, &mut budget))
            .collect::<Result<_>>()?;
        for i in 0..n {
            rows.push(cols.iter().map(|c| c[i].clone()).collect());
        }
    }
    Ok(Rows { columns, rows })
}

/// The name of the secret DuckDB picks on `conn` for `path` and `secret_type`.
///
/// # Errors
/// DuckDB's error.
pub fn which_secret_on(conn: &duckdb::Connection, path: &str, secret_type: &str) -> Result<Option<String>> {
    let mut stmt = conn.prepare("SELECT name FROM which_secret(?, ?)")?;
    let mut rows = stmt.query([path, secret_type])?;
    Ok(match rows.next()? {
        Some(r) => Some(r.get(0)?),
        None => None,
    })
}

/// How an engine's DuckDB is configured.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// coffer's extension directory: every extension of DuckDB's version found there is loaded
    /// at start; none is ever installed.
    pub extension_dir: Option<PathBuf>,
    /// Keep DuckDB's local file system (the owner's own `coffer sql`, a flight inside its run
    /// sandbox); otherwise `disabled_filesystems = 'LocalFileSystem'`.
    pub local_files: bool,
    /// DuckDB's `memory_limit`.
    pub memory_limit: Option<String>,
    /// DuckDB's `threads`.
    pub threads: Option<u32>,
}

/// The extensions of DuckDB's version in `extension_dir`, httpfs first.
fn extensions(extension_dir: &Path) -> Vec<PathBuf> {
    let dir = extension_dir
        .join(coffer_engine::DUCKDB_VERSION)
        .join(coffer_engine::PLATFORM);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "duckdb_extension"))
                .collect()
        })
        .unwrap_or_default();
    out.sort_by_key(|p| (p.file_stem().is_none_or(|s| s != "httpfs"), p.clone()));
    out
}

/// A new in-memory DuckDB configured as coffer's: extensions only from the extension
/// directory, loaded now (autoinstall off), no persistent secrets, no unredacted listing, the
/// local file system disabled unless [`Options::local_files`], configuration locked.
///
/// # Errors
/// DuckDB's error.
pub fn open(opts: &Options) -> Result<duckdb::Connection> {
    let conn = open_unlocked(opts, opts.threads)?;
    lock(&conn, opts, None)?;
    Ok(conn)
}

/// The first half of [`open`]: DuckDB opened with `threads` and the extensions loaded, the
/// configuration still open.
fn open_unlocked(opts: &Options, threads: Option<u32>) -> Result<duckdb::Connection> {
    let mut config = duckdb::Config::default()
        .enable_autoload_extension(opts.local_files)?
        .with("autoinstall_known_extensions", "false")?
        .with("allow_community_extensions", "false")?
        .with("allow_persistent_secrets", "false")?;
    if let Some(dir) = &opts.extension_dir {
        config = config.with("extension_directory", dir.to_string_lossy())?;
    }
    if let Some(m) = &opts.memory_limit {
        config = config.with("memory_limit", m)?;
    }
    if let Some(t) = threads {
        config = config.with("threads", t.to_string())?;
    }
    let conn = duckdb::Connection::open_in_memory_with_flags(config)?;
    if let Some(dir) = &opts.extension_dir {
        for ext in extensions(dir) {
            if let Err(e) = conn.execute_batch(&format!("LOAD {}", coffer_engine::string(&ext.to_string_lossy()))) {
                eprintln!("coffer-engine: warning: cannot load {}: {e}", ext.display());
            }
        }
    }
    Ok(conn)
}

/// The second half of [`open`]: `threads` set (when given), the local file system disabled
/// unless allowed, the configuration locked.
fn lock(conn: &duckdb::Connection, opts: &Options, threads: Option<u32>) -> Result<()> {
    let mut sql = String::from("SET allow_unredacted_secrets = false; ");
    if let Some(t) = threads {
        sql.push_str(&format!("SET threads = {t}; "));
    }
    if !opts.local_files {
        sql.push_str("SET disabled_filesystems = 'LocalFileSystem'; SET autoload_known_extensions = false; ");
        // The harmless session settings the guard lets through stay settable once locked.
        let allowed: Vec<String> = coffer_sql::guard::ALLOWED_SETTINGS
            .iter()
            .map(|s| coffer_engine::string(s))
            .collect();
        sql.push_str(&format!("SET allowed_configs = [{}]; ", allowed.join(", ")));
    }
    sql.push_str("SET lock_configuration = true;");
    conn.execute_batch(&sql)?;
    Ok(())
}

/// An engine's DuckDB: opened with one thread and its extensions loaded while the process may
/// still read them, then `sandbox` applied (the process must have one thread then) and, with
/// its network policy, every connection put under a supervisor (`coffer_sandbox::net`), then
/// its threads set and the configuration locked.
///
/// # Errors
/// DuckDB's error; the sandbox cannot be applied.
pub fn open_sandboxed(opts: &Options, sandbox: Option<&coffer_sandbox::Policy>) -> anyhow::Result<duckdb::Connection> {
    let Some(policy) = sandbox else {
        return Ok(open(opts)?);
    };
    let conn = open_unlocked(opts, Some(1))?;
    coffer_sandbox::apply(policy).map_err(|e| anyhow::anyhow!("cannot sandbox the engine: {e}"))?;
    if let Some(net) = &policy.net {
        // From here on this process is the engine, a child of its connection supervisor.
        coffer_sandbox::net::confine(net)
            .map_err(|e| anyhow::anyhow!("cannot supervise the engine's connections: {e}"))?;
    }
    lock(&conn, opts, opts.threads)?;
    Ok(conn)
}

/// Interrupts the statement running past its deadline.
struct Watchdog {
    deadline: Arc<Mutex<Option<Instant>>>,
    fired: Arc<std::sync::atomic::AtomicBool>,
}

impl Watchdog {
    fn start(conn: &duckdb::Connection) -> std::io::Result<Watchdog> {
        let deadline: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
        let fired = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let handle = conn.interrupt_handle();
        let (d, f) = (Arc::clone(&deadline), Arc::clone(&fired));
        std::thread::Builder::new()
            .name("watchdog".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_millis(25));
                let mut due = d.lock().unwrap_or_else(|p| p.into_inner());
                if due.is_some_and(|at| Instant::now() >= at) {
                    *due = None;
                    f.store(true, std::sync::atomic::Ordering::SeqCst);
                    handle.interrupt();
                }
            })?;
        Ok(Watchdog { deadline, fired })
    }

    fn arm(&self, timeout: Option<Duration>) {
        self.fired.store(false, std::sync::atomic::Ordering::SeqCst);
        *self.deadline.lock().unwrap_or_else(|p| p.into_inner()) = timeout.map(|t| Instant::now() + t);
    }

    /// Disarms; whether it fired.
    fn disarm(&self) -> bool {
        *self.deadline.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.fired.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn error(failure: Failure, message: impl Into<String>) -> Response {
    Response::Error {
        failure,
        message: message.into(),
    }
}

/// Answers requests on `input`/`output` until `input` ends.
///
/// # Errors
/// The pipe's errors.
pub fn serve(
    conn: &duckdb::Connection,
    timeout: Option<Duration>,
    mut input: impl Read,
    mut output: impl Write,
) -> std::io::Result<()> {
    let watchdog = Watchdog::start(conn)?;
    while let Some(frame) = protocol::read_frame(&mut input)? {
        let response = match protocol::decode::<Request>(&frame) {
            Err(e) => error(Failure::Protocol, e.to_string()),
            // Leaves the process: DuckDB, which keeps the secret for the session.
            Ok(Request::Register { name, sql }) => match conn.execute_batch(sql.expose_secret()) {
                Ok(()) => Response::Done,
                // DuckDB's later lines quote the statement: never send them.
                Err(e) => error(
                    Failure::Duck,
                    format!("secret '{name}': {}", coffer_engine::sanitize(&e.to_string())),
                ),
            },
            Ok(Request::Drop { name }) => match conn.execute_batch(&coffer_engine::drop_secret(&name)) {
                Ok(()) => Response::Done,
                Err(e) => error(Failure::Duck, e.to_string()),
            },
            Ok(Request::WhichSecret { path, secret_type }) => match which_secret_on(conn, &path, &secret_type) {
                Ok(name) => Response::Which { name },
                Err(e) => error(Failure::Duck, e.to_string()),
            },
            Ok(Request::Query { sql }) => {
                watchdog.arm(timeout);
                let result = query_on(conn, &sql);
                let fired = watchdog.disarm();
                match result {
                    Ok(rows) => Response::Rows { rows },
                    Err(_) if fired => error(
                        Failure::Timeout,
                        format!(
                            "the statement ran longer than the SQL timeout of {} and was interrupted (coffer serve --sql-timeout)",
                            humanize(timeout.unwrap_or_default())
                        ),
                    ),
                    Err(e @ DuckError::TooLarge) => error(Failure::TooLarge, e.to_string()),
                    Err(e) => error(Failure::Duck, e.to_string()),
                }
            }
            Ok(_) => error(Failure::Protocol, "an unknown request"),
        };
        drop(frame);
        protocol::write_frame(&mut output, &response)?;
    }
    Ok(())
}

fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// `coffer-engine serve`.
#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// coffer's extension directory.
    #[arg(long)]
    extension_dir: Option<PathBuf>,
    /// Keep DuckDB's local file system.
    #[arg(long)]
    local_files: bool,
    /// Each statement's timeout, in milliseconds.
    #[arg(long)]
    timeout_ms: Option<u64>,
    /// DuckDB's memory_limit.
    #[arg(long)]
    memory_limit: Option<String>,
    /// DuckDB's threads.
    #[arg(long)]
    threads: Option<u32>,
    /// The sandbox to apply before DuckDB opens (coffer_sandbox::Policy arguments).
    #[arg(last = true, allow_hyphen_values = true)]
    sandbox: Vec<std::ffi::OsString>,
}

#[derive(Debug, clap::Parser)]
#[command(
    name = "coffer-engine",
    version,
    about = "coffer's DuckDB engine (started by coffer; not meant to be run by hand)"
)]
enum Cli {
    /// Answer coffer's requests on stdin/stdout.
    Serve(ServeArgs),
    /// Run a `sql` flight's script.
    FlightSql(flight_sql::Args),
}

fn run_serve(a: ServeArgs) -> anyhow::Result<()> {
    // The policy, `--` and the program it is for (this engine).
    let policy = if a.sandbox.is_empty() {
        None
    } else {
        Some(
            coffer_sandbox::Policy::from_args(&a.sandbox)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .0,
        )
    };
    let opts = Options {
        extension_dir: a.extension_dir,
        local_files: a.local_files,
        memory_limit: a.memory_limit,
        threads: a.threads,
    };
    let conn = open_sandboxed(&opts, policy.as_ref()).map_err(|e| anyhow::anyhow!("cannot open DuckDB: {e:#}"))?;
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    serve(&conn, a.timeout_ms.map(Duration::from_millis), stdin, stdout)?;
    Ok(())
}

/// The `coffer-engine` executable.
pub fn main() -> std::process::ExitCode {
    use clap::Parser;
    let cli = Cli::parse();
    let result = match cli {
        Cli::Serve(a) => run_serve(a),
        Cli::FlightSql(a) => a.run(),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<flight_sql::ExitWith>() {
            Some(code) => std::process::ExitCode::from(code.0),
            None => {
                eprintln!("coffer-engine: error: {e:#}");
                std::process::ExitCode::FAILURE
            }
        },
    }
}

/// An in-memory DuckDB configured like an engine's but not serving a pipe: a `sql` flight runs
/// its script on one.
pub struct Detached {
    conn: duckdb::Connection,
}

impl std::fmt::Debug for Detached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detached").finish_non_exhaustive()
    }
}

impl Detached {
    /// A new database with `opts`.
    ///
    /// # Errors
    /// DuckDB's error.
    pub fn open(opts: &Options) -> Result<Self> {
        Ok(Detached { conn: open(opts)? })
    }

    /// Registers one secret. The error never holds the statement's values.
    ///
    /// # Errors
    /// DuckDB refused the statement.
    pub fn register(&self, sql: &coffer_engine::SecretSql) -> Result<()> {
        self.conn
            .execute_batch(sql.expose())
            .map_err(|e| DuckError::Duck(coffer_engine::sanitize(&e.to_string())))
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
