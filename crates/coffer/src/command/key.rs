use super::ctx::Ctx;
use crate::error::UsageError;
use crate::output::{self, Format, FormatArgs};
use anyhow::Result;

/// `coffer key ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add a new key-encryption key and wrap every stored data key (every secret version)
    /// again under it, while a server keeps serving. Values are not re-encrypted. Run it again
    /// to finish a rotation that was interrupted. With --to-kms, move the store to an AWS KMS
    /// key (or to another one) the same way.
    Rotate(RotateArgs),
    /// Remove from the key file the old key-encryption keys no stored data key (no secret
    /// version, current or kept) is wrapped under any more; keep the others and say what uses
    /// them. Audited. `coffer key rotate --prune` rotates, then prunes.
    Prune(FormatArgs),
    /// How many stored data keys each key-encryption key wraps.
    Status(FormatArgs),
}

/// Where an AWS KMS key is.
#[derive(Debug, clap::Args)]
pub struct KmsArgs {
    /// Wrap data keys with this AWS KMS key (key id, key ARN, alias or alias ARN). Credentials
    /// come from the standard AWS chain (environment, profile), never from coffer's store.
    #[arg(long = "kms", alias = "to-kms", value_name = "KEY")]
    key: Option<String>,
    /// Another KMS endpoint (a VPC endpoint, or an emulator).
    #[arg(long, value_name = "URL", requires = "key")]
    kms_endpoint: Option<String>,
    /// The AWS region (default: the AWS chain's).
    #[arg(long, value_name = "REGION", requires = "key")]
    kms_region: Option<String>,
    /// A named AWS profile.
    #[arg(long, value_name = "PROFILE", requires = "key")]
    kms_profile: Option<String>,
    /// How long decrypted data keys stay cached in memory (0s: no cache).
    #[arg(long, value_name = "DURATION", default_value = "5m", requires = "key")]
    kms_cache_ttl: String,
}

impl KmsArgs {
    /// The settings, when a key was given.
    pub fn settings(&self) -> Result<Option<crate::home::KmsSettings>> {
        let Some(key) = &self.key else { return Ok(None) };
        let ttl = humantime::parse_duration(&self.kms_cache_ttl).map_err(|_| {
            UsageError(format!(
                "invalid --kms-cache-ttl '{}': use a duration such as 0s, 30s, 5m",
                self.kms_cache_ttl
            ))
        })?;
        Ok(Some(crate::home::KmsSettings {
            key_id: key.clone(),
            endpoint_url: self.kms_endpoint.clone(),
            region: self.kms_region.clone(),
            profile: self.kms_profile.clone(),
            cache_ttl_secs: ttl.as_secs(),
        }))
    }
}

/// Makes `settings` the current keyring of the home, after one round trip through KMS proves
/// the key usable (so a typo fails here, not at the next write).
pub fn use_kms(ctx: &Ctx, settings: crate::home::KmsSettings) -> Result<()> {
    crate::home::create_dir(&ctx.home)?;
    let mut cfg = crate::home::read_keyring_config(&ctx.home)?;
    cfg.current = "kms".into();
    cfg.kms = Some(settings);
    let (keyring, _) = crate::home::keyring(&ctx.home, &cfg)?;
    let (key, wrapped) = keyring.generate_data_key(b"coffer: checking the KMS key")?;
    let back = keyring.decrypt_data_key(&wrapped, b"coffer: checking the KMS key")?;
    if back.expose_secret() != key.expose_secret() {
        anyhow::bail!("the KMS key did not give back the data key it wrapped");
    }
    crate::home::write_keyring_config(&ctx.home, &cfg)
}

#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    #[command(flatten)]
    kms: KmsArgs,
    /// Then remove from the key file the old keys no data key is wrapped under any more (as
    /// `coffer key prune`).
    #[arg(long)]
    prune: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

impl Command {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            Command::Rotate(a) => {
                if a.prune {
                    ctx.local_only("coffer key rotate --prune")?;
                }
                let moving = match a.kms.settings()? {
                    Some(settings) => {
                        ctx.local_only("coffer key rotate --to-kms")?;
                        use_kms(ctx, settings)?;
                        true
                    }
                    None => false,
                };
                let r = ctx.api()?.rotate_keys()?;
                if a.format == Format::Json {
                    if a.prune {
                        let p = prune(ctx)?;
                        return output::json(&serde_json::json!({"rotation": r, "prune": p}));
                    }
                    return output::json(&r);
                }
                match &r.new_key {
                    Some(k) => println!("new key-encryption key {k}"),
                    None if moving => println!("new data keys are wrapped with {}", r.current_key),
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
                if a.prune {
                    print_prune(ctx, &prune(ctx)?);
                }
            }
            Command::Prune(a) => {
                ctx.local_only("coffer key prune")?;
                let p = prune(ctx)?;
                if a.format == Format::Json {
                    return output::json(&p);
                }
                print_prune(ctx, &p);
            }
            Command::Status(a) => {
                let list = ctx.api()?.key_status()?;
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

/// Prunes the home's key file (the embedded store only: the key file is on this machine).
fn prune(ctx: &Ctx) -> Result<coffer_core::PruneReport> {
    Ok(ctx.api()?.prune_keys()?)
}

fn print_prune(ctx: &Ctx, p: &coffer_core::PruneReport) {
    if !p.holds_keys {
        println!(
            "no local key-encryption keys to prune: data keys are wrapped by {}, whose key material stays in AWS KMS (rotate or retire it there)",
            p.current_key
        );
        return;
    }
    let file = ctx.home.join(crate::home::KEY_FILE);
    if p.removed.is_empty() {
        println!("nothing to prune in {}", file.display());
    }
    for k in &p.removed {
        println!("removed key-encryption key {k} from {}", file.display());
    }
    for k in &p.kept {
        let used = if k.used_by.is_empty() {
            String::new()
        } else {
            format!(
                " ({}{})",
                k.used_by.join(", "),
                if k.data_keys > k.used_by.len() { ", ..." } else { "" }
            )
        };
        println!("kept {}: {}{used}", k.key_id, k.reason);
    }
}
