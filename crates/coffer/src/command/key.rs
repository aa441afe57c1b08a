use super::Ctx;
use crate::output::{self, Format};
use anyhow::Result;

/// `coffer key ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add a new key-encryption key and wrap every stored data key (every secret version)
    /// again under it, while a server keeps serving. Values are not re-encrypted. Run it again
    /// to finish a rotation that was interrupted.
    Rotate(FormatArgs),
    /// How many stored data keys each key-encryption key wraps.
    Status(FormatArgs),
}

#[derive(Debug, clap::Args)]
pub struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

impl Command {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let backend = ctx.backend()?;
        match self {
            Command::Rotate(a) => {
                let r = backend.rotate_keys()?;
                if a.format == Format::Json {
                    return output::json(&r);
                }
                match &r.new_key {
                    Some(k) => println!("new key-encryption key {k}"),
                    None => println!("finished an interrupted rotation to {}", r.current_key),
                }
                println!(
                    "wrapped {} data key(s) again under {}{}",
                    r.rewrapped,
                    r.current_key,
                    if r.changed_meanwhile > 0 {
                        format!(
                            " ({} changed meanwhile, written under the new key)",
                            r.changed_meanwhile
                        )
                    } else {
                        String::new()
                    }
                );
            }
            Command::Status(a) => {
                let list = backend.key_status()?;
                if a.format == Format::Json {
                    return output::json(&list);
                }
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|k| {
                        vec![
                            k.key_id.clone(),
                            k.data_keys.to_string(),
                            if k.current { "yes".into() } else { String::new() },
                        ]
                    })
                    .collect();
                output::table(&["key", "data_keys", "current"], &rows);
            }
        }
        Ok(())
    }
}
