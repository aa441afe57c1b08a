//! Identities, tokens, grants, the audit log and `whoami`.

use super::ctx::Ctx;
use crate::error::UsageError;
use crate::output::{self, Format, FormatArgs};
use anyhow::Result;
use coffer_api::types::{parse_duration_ms, AuditQuery, GrantBody, ServiceAccountBody, TokenBody, UserBody};
use coffer_core::{IdentityInfo, Role, TokenInfo};

/// `coffer user ...`.
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a user (superusers). Give it a role with `coffer grant` and a token with
    /// `coffer token create --for NAME`.
    Create(UserCreateArgs),
    /// List the users and service accounts you may see.
    List(FormatArgs),
}

/// `coffer service-account ...`.
#[derive(Debug, clap::Subcommand)]
pub enum ServiceAccountCommand {
    /// Create a service account managed by --project's admins. It has no role anywhere until
    /// granted one (least privilege).
    Create(NameArgs),
    /// List the users and service accounts you may see.
    List(FormatArgs),
}

/// `coffer token ...`.
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a named token; it is printed once and stored only as a hash.
    Create(TokenCreateArgs),
    /// List tokens: names, owners, created, last used, expiry, parent (the token that created
    /// it); never the tokens.
    List(FormatArgs),
    /// Revoke a token by name, with every token it created (transitively); they stop working
    /// on the next request.
    Revoke(NameArgs),
}

#[derive(Debug, clap::Args)]
pub struct NameArgs {
    /// The name.
    name: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct UserCreateArgs {
    /// The name ([A-Za-z0-9._-]{1,128}).
    name: String,
    /// May do everything in every project.
    #[arg(long)]
    superuser: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct TokenCreateArgs {
    /// The token's name, e.g. flights-prod-ingest.
    #[arg(long)]
    name: String,
    /// Whose token: a user or service account (default: yourself).
    #[arg(long = "for", value_name = "IDENTITY")]
    owner: Option<String>,
    /// How long it is valid: 30m, 12h, 90d, 1w (default: until revoked). Against a server, a
    /// token never outlives the token that creates it: a missing or later expiry is capped.
    #[arg(long, value_name = "DURATION")]
    expires: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct GrantArgs {
    /// admin (members, service accounts, tokens, audit), write (create/replace/drop secrets),
    /// use (values injected into runs and the data plane, never shown), read (names and
    /// metadata). Each includes the ones after it.
    role: String,
    /// The user or service account.
    identity: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// The user or service account.
    identity: String,
}

#[derive(Debug, clap::Args)]
pub struct MembersArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Only this secret.
    #[arg(long)]
    secret: Option<String>,
    /// Only this actor (identity name, or local:USER).
    #[arg(long)]
    actor: Option<String>,
    /// Only events this recent: 30m, 1h, 7d.
    #[arg(long, value_name = "DURATION")]
    since: Option<String>,
    /// Every project (superusers); without it, only --project.
    #[arg(long)]
    all_projects: bool,
    /// At most this many events (the newest).
    #[arg(long, default_value_t = 1000)]
    limit: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct WhoamiArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

fn identities(ctx: &Ctx, format: Format) -> Result<()> {
    let list = ctx.api()?.list_identities()?;
    if format == Format::Json {
        return output::json(&list);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|i| {
            vec![
                i.name.clone(),
                i.kind.clone(),
                if i.superuser { "yes".into() } else { String::new() },
                i.project.clone().unwrap_or_default(),
                output::time(i.created_at),
                i.created_by.clone(),
            ]
        })
        .collect();
    output::table(
        &["name", "kind", "superuser", "project", "created", "created_by"],
        &rows,
    );
    Ok(())
}

fn print_identity(i: &IdentityInfo, format: Format) -> Result<()> {
    if format == Format::Json {
        return output::json(i);
    }
    let kind = if i.kind == "user" { "user" } else { "service account" };
    match &i.project {
        Some(p) => println!(
            "created {kind} '{}' in project '{p}' (no role until granted: coffer grant ROLE {} --project {p})",
            i.name, i.name
        ),
        None => println!(
            "created {kind} '{}'{}",
            i.name,
            if i.superuser { " (superuser)" } else { "" }
        ),
    }
    Ok(())
}

impl UserCommand {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            UserCommand::Create(a) => {
                let body = UserBody {
                    name: a.name,
                    superuser: a.superuser,
                };
                print_identity(&ctx.api()?.create_user(body)?, a.format)
            }
            UserCommand::List(a) => identities(ctx, a.format),
        }
    }
}

impl ServiceAccountCommand {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            ServiceAccountCommand::Create(a) => {
                let body = ServiceAccountBody { name: a.name };
                print_identity(&ctx.api()?.create_service_account(&ctx.project, body)?, a.format)
            }
            ServiceAccountCommand::List(a) => identities(ctx, a.format),
        }
    }
}

fn opt_time(ms: Option<i64>) -> String {
    ms.map(output::time).unwrap_or_else(|| "-".into())
}

fn token_rows(list: &[TokenInfo]) -> Vec<Vec<String>> {
    list.iter()
        .map(|t| {
            vec![
                t.token_name.clone(),
                t.owner.clone(),
                t.owner_kind.clone(),
                t.status.clone(),
                output::time(t.created_at),
                opt_time(t.last_used_at),
                t.expires_at.map(output::time).unwrap_or_else(|| "never".into()),
                t.parent.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect()
}

const TOKEN_HEADERS: &[&str] = &[
    "token_name",
    "owner",
    "kind",
    "status",
    "created",
    "last_used",
    "expires",
    "parent",
];

impl TokenCommand {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let api = ctx.api()?;
        match self {
            TokenCommand::Create(a) => {
                if let Some(e) = &a.expires {
                    parse_duration_ms("--expires", e).map_err(UsageError)?;
                }
                let body = TokenBody {
                    name: a.name,
                    owner: a.owner,
                    expires_in: a.expires,
                };
                let created = api.create_token(body)?;
                let (info, token, notice) = (created.info, created.token, created.notice);
                if a.format == Format::Json {
                    #[derive(serde::Serialize)]
                    struct Out<'a> {
                        token: &'a str,
                        info: &'a TokenInfo,
                        notice: Option<&'a str>,
                    }
                    // Leaves the process: stdout, this once.
                    return output::json(&Out {
                        token: token.expose_secret(),
                        info: &info,
                        notice: notice.as_deref(),
                    });
                }
                // Leaves the process: stdout, this once.
                println!("{}", token.expose_secret());
                eprintln!(
                    "created token '{}' for {} ({}); it is shown this once and stored only as a hash.\n  use it: export COFFER_TOKEN=<the line above>",
                    info.token_name,
                    info.owner,
                    info.expires_at.map(|e| format!("expires {}", output::time(e))).unwrap_or_else(|| "no expiry".into())
                );
                if let Some(n) = notice {
                    eprintln!("  note: {n}");
                }
            }
            TokenCommand::List(a) => {
                let list = api.list_tokens()?;
                if a.format == Format::Json {
                    return output::json(&list);
                }
                output::table(TOKEN_HEADERS, &token_rows(&list));
            }
            TokenCommand::Revoke(a) => {
                let t = api.revoke_token(&a.name)?;
                if a.format == Format::Json {
                    return output::json(&t);
                }
                println!("revoked token '{}' of {}", t.token_name, t.owner);
                if !t.revoked_with.is_empty() {
                    println!(
                        "also revoked the {} token(s) it created, transitively: {}",
                        t.revoked_with.len(),
                        t.revoked_with.join(", ")
                    );
                }
            }
        }
        Ok(())
    }
}

impl GrantArgs {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let role = Role::parse(&self.role)?;
        let body = GrantBody {
            role: role.name().into(),
        };
        let m = ctx.api()?.grant(&ctx.project, &self.identity, body)?;
        if self.format == Format::Json {
            return output::json(&m);
        }
        println!("granted {} to '{}' in project '{}'", m.role, m.identity, m.project);
        Ok(())
    }
}

impl RevokeArgs {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        ctx.api()?.revoke_grant(&ctx.project, &self.identity)?;
        println!("'{}' has no role in project '{}' any more", self.identity, ctx.project);
        Ok(())
    }
}

impl MembersArgs {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let list = ctx.api()?.list_members(&ctx.project)?;
        if self.format == Format::Json {
            return output::json(&list);
        }
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|m| {
                vec![
                    m.identity.clone(),
                    m.kind.clone(),
                    m.role.clone(),
                    output::time(m.granted_at),
                    m.granted_by.clone(),
                ]
            })
            .collect();
        output::table(&["identity", "kind", "role", "granted", "granted_by"], &rows);
        Ok(())
    }
}

impl AuditArgs {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let api = ctx.api()?;
        if let Some(d) = &self.since {
            parse_duration_ms("--since", d).map_err(UsageError)?;
        }
        let events = api.list_audit(AuditQuery {
            project: (!self.all_projects).then(|| ctx.project.clone()),
            secret: self.secret,
            actor: self.actor,
            since: self.since,
            limit: Some(self.limit),
            ..AuditQuery::default()
        })?;
        if self.format == Format::Json {
            return output::json(&events);
        }
        let rows: Vec<Vec<String>> = events
            .iter()
            .map(|e| {
                vec![
                    output::time(e.at),
                    e.actor.clone(),
                    e.token_name.clone().unwrap_or_else(|| "-".into()),
                    e.project.clone(),
                    e.object.clone(),
                    e.action.clone(),
                    e.result.clone(),
                    e.client.clone(),
                    e.detail.clone().unwrap_or_default(),
                ]
            })
            .collect();
        output::table(
            &[
                "time", "actor", "token", "project", "object", "action", "result", "client", "detail",
            ],
            &rows,
        );
        Ok(())
    }
}

impl WhoamiArgs {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let w = ctx.api()?.whoami()?;
        if self.format == Format::Json {
            return output::json(&w);
        }
        println!(
            "{}{}{}",
            w.name,
            if w.superuser { " (superuser)" } else { "" },
            w.token_name.map(|t| format!(" with token '{t}'")).unwrap_or_default()
        );
        Ok(())
    }
}
