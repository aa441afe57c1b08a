//! `coffer source ...`: the project's data sources, the databases and lakes its DuckDB attaches
//! by name with a coffer secret (`SELECT * FROM warehouse.public.orders`).

use super::ctx::Ctx;
use crate::error::UsageError;
use crate::output::{self, Format, FormatArgs};
use anyhow::Result;
use coffer_api::types::{CreateSourceBody, OnConflictBody};
use coffer_core::SourceInfo;
use std::collections::BTreeMap;

/// `coffer source ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Define a data source: a database or lake every DuckDB of the project attaches under
    /// NAME, with a coffer secret for its credentials (never in the definition itself).
    ///
    /// coffer source create warehouse --type postgres --secret pg_prod --option schema=public
    Create(CreateArgs),
    /// List the project's data sources.
    List(FormatArgs),
    /// Show one data source.
    Show(ShowArgs),
    /// Drop a data source (its secret stays).
    Drop(DropArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The catalog name DuckDB attaches it under: letters, digits and '_', not starting with
    /// a digit (stored lower-case).
    name: String,
    /// postgres, mysql, sqlite, ducklake, iceberg or s3.
    #[arg(long = "type", short = 't')]
    source_type: String,
    /// The coffer secret holding its credentials (of type postgres for postgres and ducklake,
    /// mysql for mysql, s3 for iceberg and s3; none for sqlite).
    #[arg(long)]
    secret: Option<String>,
    /// An option of the type, KEY=VALUE; repeat for several: path (all types), schema
    /// (postgres), data_path and metadata_schema (ducklake), endpoint, endpoint_type and
    /// authorization_type (iceberg). No credential: those go in the secret.
    #[arg(long = "option", value_name = "KEY=VALUE")]
    options: Vec<String>,
    /// Attach it read-write (read-only by default).
    #[arg(long)]
    read_write: bool,
    /// Replace a data source of the same name.
    #[arg(long, conflicts_with = "if_not_exists")]
    or_replace: bool,
    /// Succeed without change when a data source of that name exists.
    #[arg(long)]
    if_not_exists: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The data source.
    name: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct DropArgs {
    /// The data source.
    name: String,
    /// Succeed when it does not exist.
    #[arg(long)]
    if_exists: bool,
}

impl Command {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            Command::Create(a) => a.run(ctx),
            Command::List(a) => list(ctx, a.format),
            Command::Show(a) => show(ctx, &a.name, a.format),
            Command::Drop(a) => {
                let dropped = ctx.api()?.drop_source(&ctx.project, &a.name, a.if_exists)?;
                if dropped.dropped {
                    println!("dropped data source '{}'", a.name);
                } else {
                    println!("no data source named '{}'; nothing dropped", a.name);
                }
                Ok(())
            }
        }
    }
}

/// `--option KEY=VALUE`s as a map: each has a `=` and a key, and no key is given twice.
fn options(given: Vec<String>) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for o in given {
        let Some((key, value)) = o.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            let key = o.split('=').next().unwrap_or_default();
            return Err(UsageError(format!(
                "invalid --option '{key}': write it as KEY=VALUE, e.g. --option schema=public"
            ))
            .into());
        };
        let key = key.trim().to_string();
        if out.insert(key.clone(), value.to_string()).is_some() {
            return Err(UsageError(format!("--option {key} is given more than once; give each option once")).into());
        }
    }
    Ok(out)
}

impl CreateArgs {
    fn run(self, ctx: &Ctx) -> Result<()> {
        let body = CreateSourceBody {
            name: self.name,
            source_type: self.source_type,
            secret: self.secret,
            options: options(self.options)?,
            read_only: !self.read_write,
            on_conflict: match (self.or_replace, self.if_not_exists) {
                (true, _) => OnConflictBody::Replace,
                (_, true) => OnConflictBody::Ignore,
                _ => OnConflictBody::Error,
            },
        };
        // Checked here too, so that a bad definition is refused before the store is opened
        // or the server asked, with the same words.
        body.validate()?;
        let created = ctx.api()?.create_source(&ctx.project, body)?;
        if self.format == Format::Json {
            return output::json(&created);
        }
        let s = &created.source;
        println!(
            "{} data source '{}' (type {}, {}, {}, version {})",
            created.action.as_str(),
            s.name,
            s.source_type,
            secret_text(s),
            mode(s),
            s.version
        );
        Ok(())
    }
}

fn secret_text(s: &SourceInfo) -> String {
    match &s.secret {
        Some(name) => format!("secret '{name}'"),
        None => "no secret".into(),
    }
}

fn mode(s: &SourceInfo) -> &'static str {
    if s.read_only {
        "read-only"
    } else {
        "read-write"
    }
}

fn options_text(s: &SourceInfo) -> String {
    s.options
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn list(ctx: &Ctx, format: Format) -> Result<()> {
    let sources = ctx.api()?.list_sources(&ctx.project)?;
    output::list(
        format,
        &sources,
        &[
            "name",
            "type",
            "secret",
            "mode",
            "options",
            "version",
            "updated",
            "updated_by",
        ],
        |s| {
            vec![
                s.name.clone(),
                s.source_type.clone(),
                s.secret.clone().unwrap_or_else(|| "-".into()),
                mode(s).to_string(),
                options_text(s),
                s.version.to_string(),
                output::time(s.updated_at),
                s.updated_by.clone(),
            ]
        },
    )
}

fn show(ctx: &Ctx, name: &str, format: Format) -> Result<()> {
    let s = ctx.api()?.get_source(&ctx.project, name)?;
    if format == Format::Json {
        return output::json(&s);
    }
    let mut lines = vec![
        ("name", s.name.clone()),
        ("type", s.source_type.clone()),
        ("secret", s.secret.clone().unwrap_or_else(|| "(none)".into())),
        ("mode", mode(&s).to_string()),
        ("version", s.version.to_string()),
        ("created", format!("{} by {}", output::time(s.created_at), s.created_by)),
        ("updated", format!("{} by {}", output::time(s.updated_at), s.updated_by)),
    ];
    for (k, v) in &s.options {
        lines.push(("option", format!("{k} = {v}")));
    }
    lines.push(("attach", coffer_model::source::attach_sql(&s.spec())));
    for (k, v) in lines {
        println!("{k:<10}{v}");
    }
    Ok(())
}
