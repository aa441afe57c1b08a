use super::ctx::Ctx;
use crate::output::{self, Format};
use anyhow::Result;

/// `coffer which PATH --type T`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The path DuckDB would read, e.g. s3://bucket/data.parquet.
    path: String,
    /// The secret type to look for (s3, r2, gcs, azure, huggingface, ...).
    #[arg(long = "type", short = 't')]
    secret_type: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

impl Args {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let found = ctx
            .api()?
            .which_secret(&ctx.project, &self.path, &self.secret_type)?
            .secret;
        match (self.format, found) {
            (Format::Json, Some(w)) => output::json(&w),
            (Format::Table, Some(w)) => {
                output::table(
                    &["name", "persistent", "storage"],
                    &[vec![w.name, w.persistent, w.storage]],
                );
                Ok(())
            }
            (format, None) => {
                if format == Format::Json {
                    println!("null");
                }
                let ty = self.secret_type.to_ascii_lowercase();
                anyhow::bail!(
                    "no {ty} secret matches '{}'; create one with: coffer secret create NAME --type {ty} --scope PREFIX ...",
                    self.path
                )
            }
        }
    }
}
