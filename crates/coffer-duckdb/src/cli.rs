//! The `coffer-engine` executable ([`main`]): its command line, `serve` and `flight-sql`.

use crate::flight_sql;
use crate::open::{open_sandboxed, Options};
use crate::serve::serve;
use std::path::PathBuf;
use std::time::Duration;

/// `coffer-engine serve`.
#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// coffer's extension directory.
    #[arg(long)]
    extension_dir: Option<PathBuf>,
    /// Load this one of the on-demand extensions (coffer_engine::ON_DEMAND) too; every other
    /// installed extension is always loaded.
    #[arg(long = "load", value_name = "EXTENSION")]
    load: Vec<String>,
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
    /// Resolve `credential_chain` secrets (load DuckDB's aws extension, after the sandbox).
    #[arg(long)]
    credentials: bool,
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
    /// Print the extensions this DuckDB links statically (they need no install), one per line.
    BuiltinExtensions,
}

fn builtin_extensions() -> anyhow::Result<()> {
    let conn = duckdb::Connection::open_in_memory()?;
    let mut stmt = conn.prepare(
        "SELECT extension_name FROM duckdb_extensions() WHERE install_mode = 'STATICALLY_LINKED' ORDER BY 1",
    )?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for name in names {
        println!("{}", name?);
    }
    Ok(())
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
        on_demand: Some(a.load),
        local_files: a.local_files,
        memory_limit: a.memory_limit,
        threads: a.threads,
        credentials: a.credentials,
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
        Cli::BuiltinExtensions => builtin_extensions(),
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
