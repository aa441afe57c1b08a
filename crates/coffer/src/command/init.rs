use super::ctx::Ctx;
use anyhow::Result;

/// `coffer init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    kms: super::key::KmsArgs,
}

impl Args {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        ctx.local_only("coffer init")?;
        if let Some(settings) = self.kms.settings()? {
            super::key::use_kms(ctx, settings)?;
        }
        ctx.service()?;
        let cfg = crate::home::read_keyring_config(&ctx.home)?;
        println!(
            "store: {}",
            crate::home::Database::parse(&ctx.home, ctx.database.as_deref())?.describe()
        );
        match (&cfg.current[..], &cfg.kms) {
            ("kms", Some(k)) => println!(
                "keyring: AWS KMS key {}{} (credentials from the AWS chain; data keys cached in memory for {} s)",
                k.key_id,
                k.endpoint_url.as_ref().map(|e| format!(" at {e}")).unwrap_or_default(),
                k.cache_ttl_secs
            ),
            _ => println!("key file: {}", ctx.home.join(crate::home::KEY_FILE).display()),
        }
        Ok(())
    }
}
