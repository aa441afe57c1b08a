//! The subcommands, one module each.

mod init;
mod secret;
mod sql;
mod which;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// coffer: typed, scoped, encrypted secrets for DuckDB pipelines.
#[derive(Debug, Parser)]
#[command(name = "coffer", version, about, long_about = None)]
pub struct Cli {
    /// Where the embedded store lives (default: $XDG_DATA_HOME/coffer or ~/.local/share/coffer).
    #[arg(long, env = "COFFER_HOME", global = true, value_name = "DIR")]
    home: Option<PathBuf>,
    /// The project to act in.
    #[arg(long, env = "COFFER_PROJECT", global = true, default_value = "default")]
    project: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the store (database and key file) if it does not exist, and show where it is.
    Init(init::Args),
    /// Create, list, show and drop secrets.
    #[command(subcommand)]
    Secret(secret::Command),
    /// Show the secret DuckDB would use for a path (its which_secret).
    Which(which::Args),
    /// Run SQL: DuckDB's CREATE/DROP SECRET, duckdb_secrets(), which_secret(), pg_duckdb's
    /// duckdb.secrets table. With no -c/-f and a terminal, an interactive shell.
    Sql(sql::Args),
}

/// A command that already reported its errors and only needs to exit with this code.
#[derive(Debug)]
pub struct ExitWith(pub u8);

impl std::fmt::Display for ExitWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for ExitWith {}

/// What every command gets.
pub struct Ctx {
    home: PathBuf,
    project: String,
}

impl Ctx {
    fn service(&self) -> Result<coffer_core::Service> {
        crate::home::open(&self.home)
    }
}

impl Cli {
    /// Runs the command.
    ///
    /// # Errors
    /// Whatever the command fails with.
    pub fn run(self) -> Result<()> {
        let ctx = Ctx {
            home: crate::home::resolve(self.home)?,
            project: self.project,
        };
        coffer_model::names::validate_name(&ctx.project).map_err(|_| {
            crate::UsageError(format!(
                "invalid project name '{}': names must match [A-Za-z0-9._-]{{1,128}}",
                ctx.project
            ))
        })?;
        match self.command {
            Command::Init(a) => a.run(&ctx),
            Command::Secret(c) => c.run(&ctx),
            Command::Which(a) => a.run(&ctx),
            Command::Sql(a) => a.run(&ctx),
        }
    }
}
