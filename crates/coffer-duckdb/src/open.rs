//! Opening an engine's DuckDB ([`open`], [`open_sandboxed`]) as coffer configures it
//! ([`Options`]): extensions only from coffer's extension directory, the local file system
//! disabled unless allowed, the configuration locked.

use crate::error::Result;
use std::path::{Path, PathBuf};

/// How an engine's DuckDB is configured.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// coffer's extension directory: the extensions of DuckDB's version found there are loaded
    /// at start (see [`Options::on_demand`]); none is ever installed.
    pub extension_dir: Option<PathBuf>,
    /// Which of the large [`coffer_engine::ON_DEMAND`] extensions to load (those the project
    /// needs); `None` loads every installed extension.
    pub on_demand: Option<Vec<String>>,
    /// Keep DuckDB's local file system (the owner's own `coffer sql`, a flight inside its run
    /// sandbox); otherwise `disabled_filesystems = 'LocalFileSystem'`.
    pub local_files: bool,
    /// DuckDB's `memory_limit`.
    pub memory_limit: Option<String>,
    /// DuckDB's `threads`.
    pub threads: Option<u32>,
    /// The engine may resolve `credential_chain` secrets: a sandboxed engine loads DuckDB's
    /// aws extension (after its sandbox is applied: the AWS SDK starts threads when it loads,
    /// and a sandbox is applied to a single-threaded process). Without it a sandboxed engine
    /// never loads aws, so a member's `credential_chain` secret resolves nothing.
    pub credentials: bool,
}

/// Extensions that start threads when loaded: a sandboxed engine loads them only after its
/// sandbox, and only when [`Options::credentials`].
const THREADED: &[&str] = &["aws"];

fn is_threaded(ext: &Path) -> bool {
    ext.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|s| THREADED.contains(&s))
}

/// Whether `opts` loads the extension file `ext`: any but an on-demand one it does not name.
fn wanted(ext: &Path, opts: &Options) -> bool {
    let Some(stem) = ext.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    match &opts.on_demand {
        Some(names) if coffer_engine::ON_DEMAND.contains(&stem) => names.iter().any(|n| n == stem),
        _ => true,
    }
}

fn load(conn: &duckdb::Connection, ext: &Path) {
    if let Err(e) = conn.execute_batch(&format!("LOAD {}", coffer_engine::string(&ext.to_string_lossy()))) {
        eprintln!("coffer-engine: warning: cannot load {}: {e}", ext.display());
    }
}

/// The extensions of DuckDB's version in `extension_dir` that `opts` loads, httpfs first.
fn extensions(extension_dir: &Path, opts: &Options) -> Vec<PathBuf> {
    let dir = extension_dir
        .join(coffer_engine::DUCKDB_VERSION)
        .join(coffer_engine::PLATFORM);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "duckdb_extension"))
                .filter(|p| wanted(p, opts))
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
    let conn = open_unlocked(opts, opts.threads, false)?;
    lock(&conn, opts, None)?;
    Ok(conn)
}

/// The first half of [`open`]: DuckDB opened with `threads` and the extensions loaded (but
/// the [`THREADED`] ones when `single_threaded`), the configuration still open.
fn open_unlocked(opts: &Options, threads: Option<u32>, single_threaded: bool) -> Result<duckdb::Connection> {
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
        for ext in extensions(dir, opts) {
            if !(single_threaded && is_threaded(&ext)) {
                load(&conn, &ext);
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
    let conn = open_unlocked(opts, Some(1), true)?;
    coffer_sandbox::apply(policy).map_err(|e| anyhow::anyhow!("cannot sandbox the engine: {e}"))?;
    if let Some(net) = &policy.net {
        // From here on this process is the engine, a child of its connection supervisor.
        coffer_sandbox::net::confine(net)
            .map_err(|e| anyhow::anyhow!("cannot supervise the engine's connections: {e}"))?;
    }
    if let (true, Some(dir)) = (opts.credentials, &opts.extension_dir) {
        for ext in extensions(dir, opts).iter().filter(|e| is_threaded(e)) {
            load(&conn, ext);
        }
    }
    lock(&conn, opts, opts.threads)?;
    Ok(conn)
}
