//! `coffer extension list|install|remove`: the DuckDB extensions of coffer's extension
//! directory (`COFFER_EXTENSION_DIR`, else `$COFFER_HOME/extensions`).

use super::ctx::Ctx;
use crate::error::UsageError;
use crate::extensions::{installed_line, Extensions};
use crate::output::{self, Format};
use anyhow::Result;
use coffer_extensions::Outcome;
use std::path::PathBuf;

/// `coffer extension ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the installed extensions and the ones built into coffer's DuckDB.
    List(ListArgs),
    /// Install an extension for DuckDB 1.5.5 (DuckDB's repository, else PyPI's
    /// duckdb-extension-NAME==1.5.5 wheel, its sha256 checked), or from a file (--from).
    Install(InstallArgs),
    /// Remove an installed extension.
    Remove(RemoveArgs),
}

/// `coffer extension list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// `coffer extension install`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// The extension (httpfs, aws, azure, postgres, mysql, sqlite, ducklake, iceberg, ...).
    #[arg(required_unless_present = "from")]
    name: Option<String>,
    /// Install from a local file instead: a PyPI wheel (duckdb_extension_NAME-1.5.5-...whl), a
    /// NAME.duckdb_extension or NAME.duckdb_extension.gz (for machines without network).
    #[arg(long, value_name = "FILE", conflicts_with = "name")]
    from: Option<PathBuf>,
    /// Download and replace it even when it is installed.
    #[arg(long)]
    force: bool,
}

/// `coffer extension remove`.
#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// The extension.
    name: String,
}

#[derive(serde::Serialize)]
struct Row {
    name: String,
    status: &'static str,
    size: Option<u64>,
    path: Option<String>,
}

impl Command {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        if ctx.server.is_some() {
            return Err(UsageError(
                "coffer extension manages this machine's extension directory; it does not work through a server (--server): run it on the server's machine".into(),
            )
            .into());
        }
        let ext = Extensions::new(&ctx.home, ctx.offline)?;
        match self {
            Command::List(a) => {
                let mut rows: Vec<Row> = ext
                    .installer()
                    .list()?
                    .into_iter()
                    .map(|e| Row {
                        name: e.name,
                        status: "installed",
                        size: Some(e.size),
                        path: Some(e.path.display().to_string()),
                    })
                    .collect();
                for b in &ext.installer().settings().builtin {
                    if !rows.iter().any(|r| &r.name == b) {
                        rows.push(Row {
                            name: b.clone(),
                            status: "built in",
                            size: None,
                            path: None,
                        });
                    }
                }
                rows.sort_by(|a, b| a.name.cmp(&b.name));
                output::list(a.format, &rows, &["name", "status", "size", "path"], |r| {
                    vec![
                        r.name.clone(),
                        r.status.to_string(),
                        r.size.map_or(String::new(), |s| format!("{:.1} MB", s as f64 / 1e6)),
                        r.path.clone().unwrap_or_default(),
                    ]
                })
            }
            Command::Install(a) => {
                let mut line = ext.progress();
                let out = match (&a.from, &a.name) {
                    (Some(file), _) => ext.installer().install_from(file, &mut line),
                    (None, Some(name)) if a.force => ext.installer().reinstall(name, &mut line),
                    (None, Some(name)) => ext.installer().install(name, &mut line),
                    (None, None) => return Err(UsageError("name an extension or give --from FILE".into()).into()),
                };
                line.clear();
                let out = out.map_err(|e| -> anyhow::Error {
                    match e {
                        coffer_extensions::Error::InvalidName { .. }
                        | coffer_extensions::Error::UnknownExtension { .. } => UsageError(e.to_string()).into(),
                        other => other.into(),
                    }
                })?;
                match out {
                    Outcome::Installed {
                        extension,
                        source,
                        from,
                        sha256,
                    } => {
                        println!(
                            "{}",
                            installed_line(&extension.name, source, &from).trim_start_matches("coffer: ")
                        );
                        if let Some(sum) = sha256 {
                            println!("sha256 {sum} (as PyPI publishes it)");
                        }
                        println!("{}", extension.path.display());
                    }
                    Outcome::AlreadyInstalled(e) => {
                        println!(
                            "{} is already installed: {} (--force downloads it again)",
                            e.name,
                            e.path.display()
                        );
                    }
                    Outcome::BuiltIn { name } => println!("{name} is built into coffer's DuckDB: nothing to install"),
                    _ => {}
                }
                Ok(())
            }
            Command::Remove(a) => {
                let name = coffer_extensions::resolve(&a.name).map_or_else(|_| a.name.clone(), |k| k.name.to_string());
                if ext.installer().remove(&name)? {
                    println!("removed {name}; engines started from now on do without it");
                    Ok(())
                } else {
                    Err(UsageError(format!(
                        "{name} is not installed in {}",
                        ext.installer().dir().display()
                    ))
                    .into())
                }
            }
        }
    }
}
