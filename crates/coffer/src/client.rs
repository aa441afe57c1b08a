//! Where a command acts: on the embedded store (local mode, as the machine's owner) or through
//! a `coffer serve` API (remote mode, with `--server`/`COFFER_URL` and `--token`/`COFFER_TOKEN`).
//! Both give the same types, so every command prints the same output and exits with the same
//! codes in either mode.

use anyhow::{Context, Result};
use coffer_core::{
    AuditFilter, AuditInfo, Caller, CreateOutcome, CreateRequest, IdentityInfo, MemberInfo, OnConflict, ProjectInfo,
    Role, SecretInfo, Service, TokenInfo, WhichSecret,
};
use coffer_crypto::SecretString;
use coffer_model::{InputValue, Storage};
use coffer_server::api::{self, ErrorBody, FieldInput, OnConflictBody};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

/// An error the server answered with; its exit code follows the same rules as local mode.
#[derive(Debug)]
pub struct RemoteError {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: ErrorBody,
}

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.body.message)
    }
}

impl std::error::Error for RemoteError {}

impl RemoteError {
    /// 2 for invalid input, 3 for authentication and permission, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match (self.status, self.body.code.as_str()) {
            (401 | 403, _) => 3,
            (_, "invalid" | "bad_request" | "ambiguous") => 2,
            _ => 1,
        }
    }
}

/// The API client of remote mode.
pub struct Remote {
    base: String,
    token: SecretString,
    agent: ureq::Agent,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

fn enc(s: &str) -> String {
    // Names are [A-Za-z0-9._-]; anything else is percent-encoded so the server can refuse it.
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Remote {
    /// A client of the server at `url` using `token`.
    ///
    /// # Errors
    /// A URL that is not http(s).
    pub fn new(url: &str, token: SecretString) -> Result<Self> {
        let base = url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(crate::UsageError(format!(
                "invalid server URL '{url}': it must start with http:// or https://"
            ))
            .into());
        }
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build();
        Ok(Remote { base, token, agent })
    }

    fn call<T: DeserializeOwned>(&self, method: &str, path: &str, body: Option<&serde_json::Value>) -> Result<T> {
        let url = format!("{}{path}", self.base);
        let req = self
            .agent
            .request(method, &url)
            .set("Authorization", &format!("Bearer {}", self.token.expose_secret()));
        let resp = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match resp {
            Ok(r) => {
                if r.status() == 204 {
                    return serde_json::from_value(serde_json::Value::Null).context("the server's answer");
                }
                r.into_json::<T>()
                    .with_context(|| format!("cannot read the server's answer to {method} {path}"))
            }
            Err(ureq::Error::Status(status, r)) => {
                let body = r.into_json::<ErrorBody>().unwrap_or_else(|_| ErrorBody {
                    code: "internal".into(),
                    message: format!("the server answered HTTP {status} to {method} {path}"),
                    field: None,
                    role_needed: None,
                });
                Err(RemoteError { status, body }.into())
            }
            Err(e) => Err(anyhow::anyhow!("cannot reach the coffer server at {}: {e}", self.base)),
        }
    }

    fn json<B: Serialize>(b: &B) -> Result<serde_json::Value> {
        Ok(serde_json::to_value(b)?)
    }
}

/// Where commands act.
#[derive(Debug)]
pub enum Backend {
    /// The embedded store, as the machine's owner.
    Local(Box<Service>, Caller),
    /// A server.
    Remote(Remote),
}

fn field_input(v: InputValue) -> FieldInput {
    v.into()
}

impl Backend {
    /// Whether this is remote mode.
    pub fn is_remote(&self) -> bool {
        matches!(self, Backend::Remote(_))
    }

    /// Creates a secret.
    pub fn create_secret(&self, project: &str, req: CreateRequest) -> Result<CreateOutcome> {
        match self {
            Backend::Local(s, c) => Ok(s.create_secret(c, project, req)?),
            Backend::Remote(r) => {
                let body = api::CreateSecretBody {
                    name: req.name,
                    secret_type: req.secret_type,
                    provider: req.provider,
                    scope: req.scopes,
                    temporary: req.storage == Storage::Memory,
                    on_conflict: match req.on_conflict {
                        OnConflict::Error => OnConflictBody::Error,
                        OnConflict::Replace => OnConflictBody::Replace,
                        OnConflict::Ignore => OnConflictBody::Ignore,
                    },
                    fields: req.values.into_iter().map(|(k, v)| (k, field_input(v))).collect(),
                };
                let out: api::CreateSecretResponse = r.call(
                    "POST",
                    &format!("/v1/projects/{}/secrets", enc(project)),
                    Some(&Remote::json(&body)?),
                )?;
                Ok(match out.action {
                    api::SecretAction::Created => CreateOutcome::Created(out.secret),
                    api::SecretAction::Replaced => CreateOutcome::Replaced(out.secret),
                    api::SecretAction::Kept => CreateOutcome::Ignored(out.secret),
                })
            }
        }
    }

    /// Lists secrets.
    pub fn list_secrets(&self, project: &str) -> Result<Vec<SecretInfo>> {
        match self {
            Backend::Local(s, c) => Ok(s.list_secrets(c, project)?),
            Backend::Remote(r) => r.call("GET", &format!("/v1/projects/{}/secrets", enc(project)), None),
        }
    }

    /// One secret's metadata.
    pub fn secret_info(&self, project: &str, name: &str, storage: Option<Storage>) -> Result<SecretInfo> {
        match self {
            Backend::Local(s, c) => Ok(s.secret_info(c, project, name, storage)?),
            Backend::Remote(r) => r.call(
                "GET",
                &format!(
                    "/v1/projects/{}/secrets/{}{}",
                    enc(project),
                    enc(name),
                    storage.map(|s| format!("?storage={}", s.name())).unwrap_or_default()
                ),
                None,
            ),
        }
    }

    /// Drops a secret.
    pub fn drop_secret(
        &self,
        project: &str,
        name: &str,
        if_exists: bool,
        storage: Option<Storage>,
    ) -> Result<Option<Storage>> {
        match self {
            Backend::Local(s, c) => Ok(s.drop_secret(c, project, name, if_exists, storage)?),
            Backend::Remote(r) => {
                let out: api::DropResponse = r.call(
                    "DELETE",
                    &format!(
                        "/v1/projects/{}/secrets/{}?if_exists={if_exists}{}",
                        enc(project),
                        enc(name),
                        storage.map(|s| format!("&storage={}", s.name())).unwrap_or_default()
                    ),
                    None,
                )?;
                Ok(out.dropped.as_deref().and_then(Storage::parse))
            }
        }
    }

    /// A run's variables for `names` and, with `project_env`, every generic secret of the
    /// project; audited as a use. Variables that steer a loader, shell or interpreter are
    /// left out with a warning.
    pub fn run_env(&self, project: &str, names: &[String], project_env: bool) -> Result<coffer_core::runenv::RunEnv> {
        let mut wanted: Vec<String> = names.to_vec();
        if project_env {
            for s in self.list_secrets(project)? {
                if s.secret_type == "generic" && !wanted.iter().any(|w| w.eq_ignore_ascii_case(&s.name)) {
                    wanted.push(s.name);
                }
            }
        }
        if wanted.is_empty() {
            return Ok(coffer_core::runenv::RunEnv::new());
        }
        match self {
            Backend::Local(s, c) => Ok(s.resolve_env(c, project, &wanted)?),
            Backend::Remote(r) => {
                let out: api::EnvResponse = r.call(
                    "POST",
                    &format!("/v1/projects/{}/env", enc(project)),
                    Some(&Remote::json(&api::EnvBody { secrets: wanted })?),
                )?;
                for w in &out.warnings {
                    eprintln!("coffer: warning: {w}");
                }
                let mut env = coffer_core::runenv::RunEnv::new();
                for (k, v) in out.env {
                    let sensitive = out.sensitive.contains(&k);
                    let source = format!("variable '{k}'");
                    env.add(
                        coffer_core::runenv::Origin::Member,
                        &k,
                        SecretString::from(v),
                        &source,
                        sensitive,
                    )
                    .map_err(crate::UsageError)?;
                }
                Ok(env)
            }
        }
    }

    /// Key usage.
    pub fn key_status(&self) -> Result<Vec<coffer_core::KeyUsage>> {
        match self {
            Backend::Local(s, c) => Ok(s.key_status(c)?),
            Backend::Remote(r) => r.call("GET", "/v1/keys", None),
        }
    }

    /// Rotates the key-encryption key.
    pub fn rotate_keys(&self) -> Result<coffer_core::RotationReport> {
        match self {
            Backend::Local(s, c) => Ok(s.rotate_keys(c)?),
            Backend::Remote(r) => r.call("POST", "/v1/keys/rotate", Some(&serde_json::json!({}))),
        }
    }

    /// Removes unused old key-encryption keys from the key file (the embedded store only).
    pub fn prune_keys(&self) -> Result<coffer_core::PruneReport> {
        match self {
            Backend::Local(s, c) => Ok(s.prune_keys(c)?),
            Backend::Remote(_) => Err(crate::UsageError(
                "pruning keys works on the embedded store only (the key file is on the server's machine); unset COFFER_URL (or drop --server) there".into(),
            )
            .into()),
        }
    }

    /// The kept versions of a secret.
    pub fn secret_history(&self, project: &str, name: &str) -> Result<Vec<coffer_core::SecretVersionInfo>> {
        match self {
            Backend::Local(s, c) => Ok(s.secret_history(c, project, name)?),
            Backend::Remote(r) => r.call(
                "GET",
                &format!("/v1/projects/{}/secrets/{}/versions", enc(project), enc(name)),
                None,
            ),
        }
    }

    /// Rolls a secret back to a kept version (as a new version).
    pub fn rollback_secret(&self, project: &str, name: &str, version: i64) -> Result<SecretInfo> {
        match self {
            Backend::Local(s, c) => Ok(s.rollback_secret(c, project, name, version)?),
            Backend::Remote(r) => r.call(
                "POST",
                &format!("/v1/projects/{}/secrets/{}/rollback", enc(project), enc(name)),
                Some(&Remote::json(&api::RollbackBody { version })?),
            ),
        }
    }

    /// which_secret.
    pub fn which_secret(&self, project: &str, path: &str, ty: &str) -> Result<Option<WhichSecret>> {
        match self {
            Backend::Local(s, c) => Ok(s.which_secret(c, project, path, ty)?),
            Backend::Remote(r) => {
                let q = serde_json::json!({"path": path, "type": ty});
                let query = q
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| format!("{k}={}", enc(v.as_str().unwrap_or_default())))
                            .collect::<Vec<_>>()
                            .join("&")
                    })
                    .unwrap_or_default();
                let out: api::WhichResponse =
                    r.call("GET", &format!("/v1/projects/{}/which?{query}", enc(project)), None)?;
                Ok(out.secret)
            }
        }
    }

    /// Creates a project.
    pub fn create_project(&self, name: &str) -> Result<ProjectInfo> {
        match self {
            Backend::Local(s, c) => Ok(s.create_project(c, name)?),
            Backend::Remote(r) => r.call(
                "POST",
                "/v1/projects",
                Some(&Remote::json(&api::ProjectBody { name: name.into() })?),
            ),
        }
    }

    /// Lists projects.
    pub fn list_projects(&self) -> Result<Vec<ProjectInfo>> {
        match self {
            Backend::Local(s, c) => Ok(s.list_projects(c)?),
            Backend::Remote(r) => r.call("GET", "/v1/projects", None),
        }
    }

    /// Deletes a project.
    pub fn delete_project(&self, name: &str, force: bool) -> Result<()> {
        match self {
            Backend::Local(s, c) => Ok(s.delete_project(c, name, force)?),
            Backend::Remote(r) => {
                r.call::<serde_json::Value>("DELETE", &format!("/v1/projects/{}?force={force}", enc(name)), None)?;
                Ok(())
            }
        }
    }

    /// Creates a user.
    pub fn create_user(&self, name: &str, superuser: bool) -> Result<IdentityInfo> {
        match self {
            Backend::Local(s, c) => Ok(s.create_user(c, name, superuser)?),
            Backend::Remote(r) => r.call(
                "POST",
                "/v1/users",
                Some(&Remote::json(&api::UserBody {
                    name: name.into(),
                    superuser,
                })?),
            ),
        }
    }

    /// Creates a service account in a project.
    pub fn create_service_account(&self, project: &str, name: &str) -> Result<IdentityInfo> {
        match self {
            Backend::Local(s, c) => Ok(s.create_service_account(c, project, name)?),
            Backend::Remote(r) => r.call(
                "POST",
                &format!("/v1/projects/{}/service-accounts", enc(project)),
                Some(&Remote::json(&api::ServiceAccountBody { name: name.into() })?),
            ),
        }
    }

    /// Lists identities.
    pub fn list_identities(&self) -> Result<Vec<IdentityInfo>> {
        match self {
            Backend::Local(s, c) => Ok(s.list_identities(c)?),
            Backend::Remote(r) => r.call("GET", "/v1/identities", None),
        }
    }

    /// Creates a token; returns its metadata, the token, and why it was not made as asked
    /// (its expiry capped to its parent's), if it was not.
    pub fn create_token(
        &self,
        owner: Option<&str>,
        name: &str,
        expires: Option<&str>,
    ) -> Result<(TokenInfo, SecretString, Option<String>)> {
        match self {
            Backend::Local(s, c) => {
                let ms = match expires {
                    Some(e) => Some(api::parse_duration_ms("--expires", e).map_err(crate::UsageError)?),
                    None => None,
                };
                let t = s.create_token(c, owner, name, ms)?;
                Ok((t.info, t.token, t.notice))
            }
            Backend::Remote(r) => {
                let body = api::TokenBody {
                    name: name.into(),
                    owner: owner.map(str::to_string),
                    expires_in: expires.map(str::to_string),
                };
                let t: api::TokenCreated = r.call("POST", "/v1/tokens", Some(&Remote::json(&body)?))?;
                Ok((t.info, t.token, t.notice))
            }
        }
    }

    /// Lists tokens.
    pub fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        match self {
            Backend::Local(s, c) => Ok(s.list_tokens(c)?),
            Backend::Remote(r) => r.call("GET", "/v1/tokens", None),
        }
    }

    /// Revokes a token.
    pub fn revoke_token(&self, name: &str) -> Result<TokenInfo> {
        match self {
            Backend::Local(s, c) => Ok(s.revoke_token(c, name)?),
            Backend::Remote(r) => r.call("DELETE", &format!("/v1/tokens/{}", enc(name)), None),
        }
    }

    /// Grants a role.
    pub fn grant(&self, project: &str, role: Role, identity: &str) -> Result<MemberInfo> {
        match self {
            Backend::Local(s, c) => Ok(s.grant(c, project, role, identity)?),
            Backend::Remote(r) => r.call(
                "PUT",
                &format!("/v1/projects/{}/members/{}", enc(project), enc(identity)),
                Some(&Remote::json(&api::GrantBody {
                    role: role.name().into(),
                })?),
            ),
        }
    }

    /// Takes a role away.
    pub fn revoke_grant(&self, project: &str, identity: &str) -> Result<()> {
        match self {
            Backend::Local(s, c) => Ok(s.revoke_grant(c, project, identity)?),
            Backend::Remote(r) => {
                r.call::<serde_json::Value>(
                    "DELETE",
                    &format!("/v1/projects/{}/members/{}", enc(project), enc(identity)),
                    None,
                )?;
                Ok(())
            }
        }
    }

    /// Lists a project's members.
    pub fn list_members(&self, project: &str) -> Result<Vec<MemberInfo>> {
        match self {
            Backend::Local(s, c) => Ok(s.list_members(c, project)?),
            Backend::Remote(r) => r.call("GET", &format!("/v1/projects/{}/members", enc(project)), None),
        }
    }

    /// Lists audit events. `since` is a duration (`1h`).
    pub fn list_audit(
        &self,
        project: Option<&str>,
        secret: Option<&str>,
        actor: Option<&str>,
        since: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditInfo>> {
        match self {
            Backend::Local(s, c) => {
                let since = match since {
                    Some(d) => {
                        let ms = api::parse_duration_ms("--since", d).map_err(crate::UsageError)?;
                        let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
                        Some(i64::try_from(now).unwrap_or(i64::MAX).saturating_sub(ms))
                    }
                    None => None,
                };
                let filter = AuditFilter {
                    project: project.map(str::to_string),
                    object: secret.map(|n| format!("secret:{n}")),
                    actor: actor.map(str::to_string),
                    since,
                    limit: Some(limit as usize),
                };
                Ok(s.list_audit(c, &filter)?)
            }
            Backend::Remote(r) => {
                let mut q = vec![format!("limit={limit}")];
                for (k, v) in [
                    ("project", project),
                    ("secret", secret),
                    ("actor", actor),
                    ("since", since),
                ] {
                    if let Some(v) = v {
                        q.push(format!("{k}={}", enc(v)));
                    }
                }
                r.call("GET", &format!("/v1/audit?{}", q.join("&")), None)
            }
        }
    }

    /// Runs SQL on the server.
    pub fn sql(&self, project: &str, sql: &str) -> Result<api::SqlResponse> {
        let Backend::Remote(r) = self else {
            return Err(anyhow::anyhow!("SQL over the API needs remote mode"));
        };
        r.call(
            "POST",
            &format!("/v1/projects/{}/sql", enc(project)),
            Some(&Remote::json(&api::SqlBody { sql: sql.to_string() })?),
        )
    }
}

impl Backend {
    /// Who this is.
    pub fn whoami(&self) -> Result<api::WhoAmI> {
        match self {
            Backend::Local(_, c) => Ok(api::WhoAmI {
                name: c.name.clone(),
                superuser: c.superuser,
                token_name: None,
            }),
            Backend::Remote(r) => r.call("GET", "/v1/whoami", None),
        }
    }
}

// ---- flights ----

/// A piece of a run's log as the CLI reads it (local or remote).
#[derive(Debug, Clone)]
pub struct LogPiece {
    /// Sequence number.
    pub seq: i64,
    /// `stdout`, `stderr` or `coffer`.
    pub stream: String,
    /// The masked bytes.
    pub data: Vec<u8>,
}

fn update_body(u: coffer_core::FlightUpdate) -> api::FlightUpdateBody {
    api::FlightUpdateBody {
        kind: u.kind.map(|k| k.name().to_string()),
        command: u.command,
        script: u.script,
        config: u.config,
        secrets: u.secrets,
        token_name: u.token_name,
        schedule: u.schedule,
        timezone: u.timezone,
        timeout_secs: u.timeout_secs,
        concurrency: u.concurrency,
        steps: u.steps,
    }
}

impl Backend {
    fn flight_path(project: &str, name: &str) -> String {
        format!("/v1/projects/{}/flights/{}", enc(project), enc(name))
    }

    /// Creates a flight.
    pub fn create_flight(
        &self,
        project: &str,
        name: &str,
        spec: coffer_model::flight::FlightSpec,
    ) -> Result<coffer_core::FlightSaved> {
        match self {
            Backend::Local(s, c) => Ok(s.create_flight(c, project, name, spec)?),
            Backend::Remote(r) => {
                let body = api::FlightCreateBody {
                    name: name.to_string(),
                    kind: spec.kind.name().to_string(),
                    command: spec.command,
                    script: spec.script,
                    config: spec.config,
                    secrets: spec.secrets,
                    token_name: spec.token_name,
                    schedule: spec.schedule,
                    timezone: spec.timezone,
                    timeout_secs: spec.timeout_secs,
                    concurrency: Some(spec.concurrency),
                    steps: spec.steps,
                };
                let out: api::FlightSavedResponse = r.call(
                    "POST",
                    &format!("/v1/projects/{}/flights", enc(project)),
                    Some(&Remote::json(&body)?),
                )?;
                Ok(coffer_core::FlightSaved {
                    info: out.flight,
                    warnings: out.warnings,
                })
            }
        }
    }

    /// Changes a flight.
    pub fn update_flight(
        &self,
        project: &str,
        name: &str,
        update: coffer_core::FlightUpdate,
    ) -> Result<coffer_core::FlightSaved> {
        match self {
            Backend::Local(s, c) => Ok(s.update_flight(c, project, name, update)?),
            Backend::Remote(r) => {
                let out: api::FlightSavedResponse = r.call(
                    "PATCH",
                    &Self::flight_path(project, name),
                    Some(&Remote::json(&update_body(update))?),
                )?;
                Ok(coffer_core::FlightSaved {
                    info: out.flight,
                    warnings: out.warnings,
                })
            }
        }
    }

    /// One flight.
    pub fn get_flight(&self, project: &str, name: &str) -> Result<coffer_core::FlightInfo> {
        match self {
            Backend::Local(s, c) => Ok(s.get_flight(c, project, name)?),
            Backend::Remote(r) => r.call("GET", &Self::flight_path(project, name), None),
        }
    }

    /// The project's flights.
    pub fn list_flights(&self, project: &str) -> Result<Vec<coffer_core::FlightInfo>> {
        match self {
            Backend::Local(s, c) => Ok(s.list_flights(c, project)?),
            Backend::Remote(r) => r.call("GET", &format!("/v1/projects/{}/flights", enc(project)), None),
        }
    }

    /// Deletes a flight.
    pub fn delete_flight(&self, project: &str, name: &str) -> Result<()> {
        match self {
            Backend::Local(s, c) => Ok(s.delete_flight(c, project, name)?),
            Backend::Remote(r) => r
                .call::<serde_json::Value>("DELETE", &Self::flight_path(project, name), None)
                .map(|_| ()),
        }
    }

    /// Starts a run. Locally it runs here, to its end, with its masked output handed to
    /// `sink`; remotely the server runs it and this returns at once.
    pub fn run_flight(
        &self,
        runner: &coffer_flights::Runner,
        project: &str,
        name: &str,
        overrides: indexmap::IndexMap<String, String>,
        sink: coffer_flights::Sink<'_>,
    ) -> Result<coffer_core::RunInfo> {
        match self {
            Backend::Local(s, c) => Ok(runner.run(s, c, project, name, overrides, sink)?),
            Backend::Remote(r) => r.call(
                "POST",
                &format!("{}/runs", Self::flight_path(project, name)),
                Some(&Remote::json(&api::RunBody { config: overrides })?),
            ),
        }
    }

    /// A flight's runs, newest first.
    pub fn list_runs(&self, project: &str, name: &str, limit: usize) -> Result<Vec<coffer_core::RunInfo>> {
        match self {
            Backend::Local(s, c) => Ok(s.list_runs(c, project, name, limit)?),
            Backend::Remote(r) => r.call(
                "GET",
                &format!("{}/runs?limit={limit}", Self::flight_path(project, name)),
                None,
            ),
        }
    }

    /// A run's log after chunk `after`, and the run.
    pub fn run_log(
        &self,
        project: &str,
        name: &str,
        run: i64,
        after: i64,
    ) -> Result<(coffer_core::RunInfo, Vec<LogPiece>)> {
        const LIMIT: usize = 1000;
        match self {
            Backend::Local(s, c) => {
                let (info, chunks) = s.run_log(c, project, name, run, after, LIMIT)?;
                Ok((
                    info,
                    chunks
                        .into_iter()
                        .map(|c| LogPiece {
                            seq: c.seq,
                            stream: c.stream,
                            data: c.data,
                        })
                        .collect(),
                ))
            }
            Backend::Remote(r) => {
                let out: api::LogResponse = r.call(
                    "GET",
                    &format!(
                        "{}/runs/{run}/logs?after={after}&limit={LIMIT}",
                        Self::flight_path(project, name)
                    ),
                    None,
                )?;
                let mut pieces = Vec::with_capacity(out.chunks.len());
                for c in out.chunks {
                    pieces.push(LogPiece {
                        seq: c.seq,
                        stream: c.stream,
                        data: c.data,
                    });
                }
                Ok((out.run, pieces))
            }
        }
    }

    /// Asks for a run to be cancelled.
    pub fn cancel_run(&self, project: &str, name: &str, run: i64) -> Result<coffer_core::RunInfo> {
        match self {
            Backend::Local(s, c) => Ok(s.cancel_run(c, project, name, run)?),
            Backend::Remote(r) => r.call(
                "POST",
                &format!("{}/runs/{run}/cancel", Self::flight_path(project, name)),
                None,
            ),
        }
    }
}
