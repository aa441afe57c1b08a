use super::Ctx;
use anyhow::Result;

/// `coffer init`.
#[derive(Debug, clap::Args)]
pub struct Args {}

impl Args {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        ctx.local_only("coffer init")?;
        ctx.service()?;
        println!("store: {}", ctx.home.join(crate::home::DB_FILE).display());
        println!("key file: {}", ctx.home.join(crate::home::KEY_FILE).display());
        Ok(())
    }
}
