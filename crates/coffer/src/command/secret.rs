use super::ctx::Ctx;
use crate::input::SetReader;
use crate::output::{self, Format};
use anyhow::Result;
use coffer_api::types::{CreateSecretBody, OnConflictBody, RollbackBody, SecretAction};
use coffer_core::SecretInfo;
use coffer_model::{names, types, validate::lookup_type, Storage};
use serde::Serialize;

/// `coffer secret ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a secret (persistent unless --temporary).
    ///
    /// Sensitive fields (secret, session_token, password, api_key, token, every flights param,
    /// ...) are read without echo from a prompt (`--set secret`), from stdin (`--set secret=-`)
    /// or from a file (`--set secret=@path`). Map fields take `--set field.KEY=VALUE`.
    Create(CreateArgs),
    /// List secrets (metadata only, never values).
    List(ListArgs),
    /// Show one secret's metadata and redacted secret string.
    Show(ShowArgs),
    /// Drop a secret (with its kept versions).
    Drop(DropArgs),
    /// List the versions kept of a persistent secret (metadata only; COFFER_KEEP_VERSIONS
    /// earlier versions are kept, default 10).
    History(HistoryArgs),
    /// Make a new version equal to a kept one.
    Rollback(RollbackArgs),
    /// List the secret types with their providers and fields.
    Types(TypesArgs),
}

#[derive(Debug, clap::Args)]
#[group(id = "storage", multiple = false)]
pub struct StorageFlags {
    /// Only the temporary (in-memory, this process only) secret.
    #[arg(long, group = "storage")]
    temporary: bool,
    /// Only the persistent (stored, encrypted) secret.
    #[arg(long, group = "storage")]
    persistent: bool,
}

impl StorageFlags {
    fn filter(&self) -> Option<Storage> {
        match (self.temporary, self.persistent) {
            (true, _) => Some(Storage::Memory),
            (_, true) => Some(Storage::Coffer),
            _ => None,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The name ([A-Za-z0-9._-]{1,128}); without it, __default_TYPE (e.g. __default_s3).
    name: Option<String>,
    /// The type: s3, r2, gcs, azure, huggingface, postgres, mysql, openai, ollama, azure_llm,
    /// flights, generic (any case).
    #[arg(long = "type", short = 't')]
    secret_type: String,
    /// The provider (default: the type's first, usually config).
    #[arg(long)]
    provider: Option<String>,
    /// A URL prefix this secret applies to; repeat for several. Default: the type's.
    #[arg(long = "scope", value_name = "PREFIX")]
    scopes: Vec<String>,
    /// A field: KEY=VALUE, KEY=- (stdin), KEY=@FILE, or KEY alone to be prompted.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Keep the secret in this process's memory only.
    #[arg(long)]
    temporary: bool,
    /// Store the secret encrypted (the default).
    #[arg(long, conflicts_with = "temporary")]
    persistent: bool,
    /// Replace a secret of the same name (as a new version).
    #[arg(long, conflicts_with = "if_not_exists")]
    or_replace: bool,
    /// Succeed without change when a secret of that name exists.
    #[arg(long)]
    if_not_exists: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The secret.
    name: String,
    #[command(flatten)]
    storage: StorageFlags,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct DropArgs {
    /// The secret.
    name: String,
    /// Succeed when it does not exist.
    #[arg(long)]
    if_exists: bool,
    #[command(flatten)]
    storage: StorageFlags,
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The secret.
    name: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// The secret.
    name: String,
    /// The kept version to return to.
    #[arg(long)]
    version: i64,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct TypesArgs {
    /// Only this type.
    secret_type: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

impl Command {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            Command::Create(a) => a.run(ctx),
            Command::List(a) => a.run(ctx),
            Command::Show(a) => a.run(ctx),
            Command::Drop(a) => a.run(ctx),
            Command::History(a) => a.run(ctx),
            Command::Rollback(a) => a.run(ctx),
            Command::Types(a) => a.run(),
        }
    }
}

impl CreateArgs {
    fn run(self, ctx: &Ctx) -> Result<()> {
        // Check type, provider and name before reading any value, so nothing is prompted for
        // in vain.
        let ty = lookup_type(&self.secret_type)?;
        let provider = match &self.provider {
            Some(p) => ty
                .provider(p)
                .ok_or_else(|| coffer_model::ModelError::UnknownProvider {
                    ty: ty.name.into(),
                    given: p.clone(),
                    valid: ty.providers.iter().map(|p| p.name).collect(),
                })?,
            None => ty.default_provider(),
        };
        let name = self.name.clone().unwrap_or_else(|| names::default_name(ty.name));
        names::validate_name(&name)?;
        let api = ctx.api()?;
        let values = SetReader::new(ty, provider, &name).read_all(self.sets)?;
        let on_conflict = match (self.or_replace, self.if_not_exists) {
            (true, _) => OnConflictBody::Replace,
            (_, true) => OnConflictBody::Ignore,
            _ => OnConflictBody::Error,
        };
        let body = CreateSecretBody {
            name: Some(name),
            secret_type: ty.name.to_string(),
            provider: Some(provider.name.to_string()),
            scope: self.scopes,
            temporary: self.temporary,
            on_conflict,
            fields: values.into_iter().map(|(k, v)| (k, v.into())).collect(),
        };
        let created = api.create_secret(&ctx.project, body)?;
        let (verb, info) = (created.action.as_str(), &created.secret);
        if !info.persistent && created.action != SecretAction::Kept && !ctx.is_remote() {
            eprintln!("note: a temporary secret lives in this process's memory only; it is gone when this command exits (use it inside `coffer sql`)");
        }
        if self.format == Format::Json {
            #[derive(Serialize)]
            struct Out<'a> {
                action: &'a str,
                secret: &'a SecretInfo,
            }
            return output::json(&Out {
                action: verb,
                secret: info,
            });
        }
        let kind = if info.persistent { "persistent" } else { "temporary" };
        println!(
            "{verb} {kind} secret '{}' (type {}, version {}, scope {})",
            info.name,
            info.secret_type,
            info.version,
            scope_text(&info.scope)
        );
        Ok(())
    }
}

fn scope_text(scope: &[String]) -> String {
    if scope.is_empty() {
        "(any path)".into()
    } else {
        scope.join(",")
    }
}

impl ListArgs {
    fn run(self, ctx: &Ctx) -> Result<()> {
        let secrets = ctx.api()?.list_secrets(&ctx.project)?;
        if self.format == Format::Json {
            return output::json(&secrets);
        }
        let rows: Vec<Vec<String>> = secrets
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.secret_type.clone(),
                    s.provider.clone(),
                    s.persistent.to_string(),
                    s.storage.name().to_string(),
                    format!("[{}]", s.scope.join(", ")),
                    s.version.to_string(),
                    output::time(s.updated_at),
                    s.updated_by.clone(),
                ]
            })
            .collect();
        output::table(
            &[
                "name",
                "type",
                "provider",
                "persistent",
                "storage",
                "scope",
                "version",
                "updated",
                "updated_by",
            ],
            &rows,
        );
        Ok(())
    }
}

impl ShowArgs {
    fn run(self, ctx: &Ctx) -> Result<()> {
        let s = ctx
            .api()?
            .secret_info(&ctx.project, &self.name, self.storage.filter())?;
        if self.format == Format::Json {
            return output::json(&s);
        }
        let mut lines = vec![
            ("name", s.name.clone()),
            ("type", s.secret_type.clone()),
            ("provider", s.provider.clone()),
            ("scope", format!("[{}]", s.scope.join(", "))),
            ("storage", s.storage.name().to_string()),
            ("persistent", s.persistent.to_string()),
            ("version", s.version.to_string()),
            ("created", format!("{} by {}", output::time(s.created_at), s.created_by)),
            ("updated", format!("{} by {}", output::time(s.updated_at), s.updated_by)),
        ];
        for (k, v) in &s.fields {
            lines.push(("field", format!("{k} = {}", v.to_display())));
        }
        for k in &s.sensitive_keys {
            lines.push(("field", format!("{k} = (sensitive, sealed)")));
        }
        lines.push(("secret_string", s.secret_string.clone()));
        for (k, v) in lines {
            println!("{k:<14}{v}");
        }
        Ok(())
    }
}

impl DropArgs {
    fn run(self, ctx: &Ctx) -> Result<()> {
        let dropped = ctx
            .api()?
            .drop_secret(&ctx.project, &self.name, self.if_exists, self.storage.filter())?
            .dropped;
        match dropped.as_deref().and_then(Storage::parse) {
            Some(s) => println!(
                "dropped {} secret '{}'",
                if s.persistent() { "persistent" } else { "temporary" },
                self.name
            ),
            None => println!("secret '{}' does not exist; nothing dropped", self.name),
        }
        Ok(())
    }
}

impl HistoryArgs {
    fn run(self, ctx: &Ctx) -> Result<()> {
        let versions = ctx.api()?.secret_history(&ctx.project, &self.name)?;
        let headers = ["version", "current", "type", "scope", "written", "written_by"];
        output::list(self.format, &versions, &headers, |v| {
            vec![
                v.version.to_string(),
                if v.current { "yes".into() } else { String::new() },
                v.secret_type.clone(),
                format!("[{}]", v.scope.join(", ")),
                output::time(v.updated_at),
                v.updated_by.clone(),
            ]
        })
    }
}

impl RollbackArgs {
    fn run(self, ctx: &Ctx) -> Result<()> {
        let body = RollbackBody { version: self.version };
        let info = ctx.api()?.rollback_secret(&ctx.project, &self.name, body)?;
        if self.format == Format::Json {
            return output::json(&info);
        }
        println!(
            "rolled secret '{}' back to version {}: it is now version {}",
            info.name, self.version, info.version
        );
        Ok(())
    }
}

#[derive(Serialize)]
struct FieldRow {
    name: &'static str,
    kind: &'static str,
    sensitive: bool,
    default: Option<&'static str>,
}

#[derive(Serialize)]
struct ProviderRow {
    name: &'static str,
    required: Vec<Vec<&'static str>>,
    fields: Vec<FieldRow>,
}

#[derive(Serialize)]
struct TypeRow {
    name: &'static str,
    description: &'static str,
    default_scopes: &'static [&'static str],
    providers: Vec<ProviderRow>,
}

impl TypesArgs {
    fn run(self) -> Result<()> {
        let list: Vec<&types::TypeSpec> = match &self.secret_type {
            Some(t) => vec![lookup_type(t)?],
            None => types::TYPES.iter().collect(),
        };
        let rows: Vec<TypeRow> = list
            .iter()
            .map(|t| TypeRow {
                name: t.name,
                description: t.description,
                default_scopes: t.default_scopes,
                providers: t
                    .providers
                    .iter()
                    .map(|p| ProviderRow {
                        name: p.name,
                        required: p.required.iter().map(|a| a.to_vec()).collect(),
                        fields: p
                            .fields
                            .iter()
                            .map(|f| FieldRow {
                                name: f.name,
                                kind: f.kind.name(),
                                sensitive: f.sensitive,
                                default: f.default,
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        if self.format == Format::Json {
            return output::json(&rows);
        }
        for t in rows {
            println!("{} — {}", t.name, t.description);
            println!(
                "  default scope: {}",
                if t.default_scopes.is_empty() {
                    "(none: matches any path, used by name)".to_string()
                } else {
                    t.default_scopes.join(", ")
                }
            );
            for p in t.providers {
                let req: Vec<String> = p.required.iter().map(|a| a.join(" + ")).collect();
                println!(
                    "  provider {}{}",
                    p.name,
                    if req.is_empty() {
                        String::new()
                    } else {
                        format!(" (requires {})", req.join(" | "))
                    }
                );
                for f in p.fields {
                    let mut notes = vec![f.kind.to_string()];
                    if f.sensitive {
                        notes.push("sensitive".into());
                    }
                    if let Some(d) = f.default {
                        notes.push(format!("default {d}"));
                    }
                    println!("    {:<24}{}", f.name, notes.join(", "));
                }
            }
        }
        Ok(())
    }
}
