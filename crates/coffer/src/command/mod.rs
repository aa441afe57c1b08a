//! The subcommands, one module each.

mod access;
mod ctx;
mod env;
mod extension;
mod flight;
mod init;
mod key;
mod mcp;
mod migrate;
mod project;
mod run;
mod secret;
mod serve;
mod source;
mod sql;
mod which;

use crate::error::UsageError;
use anyhow::Result;
use clap::{Parser, Subcommand};
use ctx::Ctx;
use std::path::PathBuf;

/// coffer: typed, scoped, encrypted secrets for DuckDB pipelines.
///
/// Its `Debug` leaves out the access token and the database URL's password.
#[derive(Parser)]
#[command(name = "coffer", version, about, long_about = None)]
pub struct Cli {
    /// Where the embedded store lives (default: $XDG_DATA_HOME/coffer or ~/.local/share/coffer).
    #[arg(long, env = "COFFER_HOME", global = true, value_name = "DIR")]
    home: Option<PathBuf>,
    /// The database of the store: postgres://USER:PASSWORD@HOST:PORT/DB for PostgreSQL (several
    /// `coffer serve` nodes may share one), or sqlite:PATH; default: coffer.db in --home. The key
    /// file stays in --home either way.
    #[arg(
        long,
        env = "COFFER_DATABASE_URL",
        global = true,
        hide_env_values = true,
        value_name = "URL"
    )]
    database: Option<String>,
    /// The project to act in.
    #[arg(long, env = "COFFER_PROJECT", global = true, default_value = "default")]
    project: String,
    /// Act through this coffer server (remote mode), e.g. http://127.0.0.1:8477.
    #[arg(long, env = "COFFER_URL", global = true, value_name = "URL")]
    server: Option<String>,
    /// The access token for remote mode.
    #[arg(
        long = "access-token",
        env = "COFFER_TOKEN",
        global = true,
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    access_token: Option<String>,
    /// Run flights (and the DuckDB engines of `coffer sql --safe` and remote callers) without
    /// their sandbox: only for kernels without Landlock. Warned at every start and said in
    /// every run's log.
    #[arg(long, env = "COFFER_UNSANDBOXED_RUNS", global = true)]
    unsandboxed_runs: bool,
    /// The unprivileged user flight runs and DuckDB engines execute as when coffer runs as
    /// root (default: nobody). Never root.
    #[arg(long, env = "COFFER_RUN_AS", global = true, value_name = "USER")]
    run_as: Option<String>,
    /// An address range flight runs and DuckDB engines may reach although coffer refuses it by
    /// default (cloud metadata addresses 169.254.0.0/16, fd00:ec2::254, fe80::/10; coffer's
    /// own listeners), as CIDR; repeat it or separate ranges with commas.
    #[arg(
        long,
        env = "COFFER_ALLOW_NETWORK",
        global = true,
        value_name = "CIDR",
        value_delimiter = ','
    )]
    allow_network: Vec<String>,
    /// Never download: DuckDB extensions come only from what is installed (`coffer extension
    /// install --from FILE` on machines without network).
    #[arg(
        long,
        env = "COFFER_OFFLINE",
        global = true,
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    offline: bool,
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
    /// Serve the HTTP API (JSON, OpenAPI at /openapi.json) and the web page (/) over the
    /// embedded store.
    Serve(serve::Args),
    /// Serve MCP (Model Context Protocol) tools on stdin/stdout for an AI agent: flights,
    /// secrets' metadata (never values), which_secret and SQL.
    Mcp(mcp::Args),
    /// Create, list and delete projects.
    #[command(subcommand)]
    Project(project::Command),
    /// Create and list users.
    #[command(subcommand)]
    User(access::UserCommand),
    /// Create service accounts (in --project; no role until granted).
    #[command(subcommand, name = "service-account")]
    ServiceAccount(access::ServiceAccountCommand),
    /// Create, list and revoke named access tokens.
    #[command(subcommand)]
    Token(access::TokenCommand),
    /// Give an identity a role in --project: admin, write, use or read.
    Grant(access::GrantArgs),
    /// Take an identity's role in --project away.
    Revoke(access::RevokeArgs),
    /// List the members of --project and their roles.
    Members(access::MembersArgs),
    /// Read the audit log.
    Audit(access::AuditArgs),
    /// Show who this CLI acts as.
    Whoami(access::WhoamiArgs),
    /// Run a command with secrets in its environment and their values masked in its output:
    /// coffer run --secret my_s3 -- python job.py
    Run(run::Args),
    /// Flights: jobs (a command, a Python or a SQL script) with a config map, attached
    /// secrets, a token, schedules, run history and masked logs.
    #[command(subcommand)]
    Flight(flight::Command),
    /// Data sources: databases and lakes (postgres, mysql, sqlite, ducklake, iceberg, s3)
    /// every DuckDB of the project attaches by name, each with a coffer secret.
    #[command(subcommand)]
    Source(source::Command),
    /// Import a .env file (or Kestra's .env_encoded) as secrets; export a secret as one.
    #[command(subcommand)]
    Env(env::Command),
    /// Rotate the key-encryption key; show which keys wrap how many data keys.
    #[command(subcommand)]
    Key(key::Command),
    /// Copy the whole store to another database (SQLite ↔ PostgreSQL); secrets stay encrypted.
    Migrate(migrate::Args),
    /// List, install and remove the DuckDB extensions of coffer's DuckDB (installed by
    /// themselves on first use too).
    #[command(subcommand)]
    Extension(extension::Command),
}

/// `/proc/PID/cmdline` is world-readable: a `--database` URL with a password given on the
/// command line shows it to every local user for the life of the process.
fn warn_password_on_argv() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    for (i, a) in args.iter().enumerate() {
        let url = match a.strip_prefix("--database=") {
            Some(u) => Some(u),
            None if a == "--database" => args.get(i + 1).map(String::as_str),
            None => None,
        };
        let has_password = url.is_some_and(|u| {
            u.split_once("://")
                .and_then(|(_, rest)| rest.split(['/', '?']).next())
                .and_then(|authority| authority.rsplit_once('@'))
                .is_some_and(|(userinfo, _)| userinfo.contains(':'))
                || u.contains("password=")
        });
        if has_password {
            eprintln!(
                "coffer: warning: the --database URL holds a password, and command lines are visible to every local user (/proc/PID/cmdline, ps); pass it in COFFER_DATABASE_URL instead"
            );
        }
    }
}

impl std::fmt::Debug for Cli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cli")
            .field("home", &self.home)
            .field(
                "database",
                &self.database.as_deref().map(coffer_store_postgres::redact_url),
            )
            .field("project", &self.project)
            .field("server", &self.server)
            .field("access_token", &self.access_token.as_ref().map(|_| "****"))
            .field("unsandboxed_runs", &self.unsandboxed_runs)
            .field("run_as", &self.run_as)
            .field("allow_network", &self.allow_network)
            .field("offline", &self.offline)
            // The subcommand's arguments may hold values given on the command line.
            .finish_non_exhaustive()
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
            database: self.database.filter(|d| !d.is_empty()),
            project: self.project,
            server: self.server.filter(|s| !s.is_empty()),
            token: self.access_token,
            unsandboxed_runs: self.unsandboxed_runs,
            run_as: self.run_as.filter(|r| !r.is_empty()),
            allow_network: self.allow_network,
            offline: self.offline,
        };
        warn_password_on_argv();
        coffer_model::names::validate_name(&ctx.project).map_err(|_| {
            UsageError(format!(
                "invalid project name '{}': names must match [A-Za-z0-9._-]{{1,128}}",
                ctx.project
            ))
        })?;
        match self.command {
            Command::Init(a) => a.run(&ctx),
            Command::Secret(c) => c.run(&ctx),
            Command::Which(a) => a.run(&ctx),
            Command::Sql(a) => a.run(&ctx),
            Command::Serve(a) => a.run(&ctx),
            Command::Mcp(a) => a.run(&ctx),
            Command::Project(c) => c.run(&ctx),
            Command::User(c) => c.run(&ctx),
            Command::ServiceAccount(c) => c.run(&ctx),
            Command::Token(c) => c.run(&ctx),
            Command::Grant(a) => a.run(&ctx),
            Command::Revoke(a) => a.run(&ctx),
            Command::Members(a) => a.run(&ctx),
            Command::Audit(a) => a.run(&ctx),
            Command::Whoami(a) => a.run(&ctx),
            Command::Key(c) => c.run(&ctx),
            Command::Migrate(a) => a.run(&ctx),
            Command::Env(c) => c.run(&ctx),
            Command::Run(a) => a.run(&ctx),
            Command::Flight(c) => c.run(&ctx),
            Command::Source(c) => c.run(&ctx),
            Command::Extension(c) => c.run(&ctx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_has_no_token_password_or_value() {
        let cli = Cli::parse_from([
            "coffer",
            "--access-token",
            "tok-SECRET-1",
            "--database",
            "postgres://u:pw-SECRET-2@db.example/coffer?password=pw-SECRET-3",
            "secret",
            "create",
            "x",
            "--type",
            "generic",
            "--set",
            "value=val-SECRET-4",
        ]);
        let shown = format!("{cli:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("db.example"), "{shown}");
        let db =
            crate::home::Database::parse(std::path::Path::new("/h"), Some("postgres://u:pw-SECRET@h/d")).expect("url");
        assert!(!format!("{db:?}").contains("SECRET"));
    }
}
