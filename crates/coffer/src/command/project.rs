use super::ctx::Ctx;
use crate::output::{self, Format, FormatArgs};
use anyhow::Result;
use coffer_api::types::ProjectBody;

/// `coffer project ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a project (superusers).
    Create(CreateArgs),
    /// List the projects you have a role in, with your role.
    List(FormatArgs),
    /// Delete a project with its secrets, grants and service accounts (superusers). Its audit
    /// events stay.
    Delete(DeleteArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The name ([A-Za-z0-9._-]{1,128}).
    name: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// The project.
    name: String,
    /// Delete it even though it still holds secrets.
    #[arg(long)]
    force: bool,
}

impl Command {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let api = ctx.api()?;
        match self {
            Command::Create(a) => {
                let p = api.create_project(ProjectBody { name: a.name })?;
                if a.format == Format::Json {
                    return output::json(&p);
                }
                println!("created project '{}'", p.name);
            }
            Command::List(a) => {
                let list = api.list_projects()?;
                if a.format == Format::Json {
                    return output::json(&list);
                }
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|p| {
                        vec![
                            p.name.clone(),
                            p.role.clone(),
                            output::time(p.created_at),
                            p.created_by.clone(),
                        ]
                    })
                    .collect();
                output::table(&["name", "role", "created", "created_by"], &rows);
            }
            Command::Delete(a) => {
                api.delete_project(&a.name, a.force)?;
                println!("deleted project '{}'", a.name);
            }
        }
        Ok(())
    }
}
