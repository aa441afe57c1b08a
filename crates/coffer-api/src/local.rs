//! [`Local`]: the API over a [`Service`] in this process, as one [`Caller`]. Every request type
//! becomes the service's here, and every answer a response type: the one copy of the mapping,
//! which the CLI's local mode and the HTTP server's handlers share.

use crate::api::CofferApi;
use crate::error::{Error, Result};
use crate::resolved::ResolvedEnv;
use crate::sql::{PlainSql, SqlRunner};
use crate::types::{
    AuditQuery, CreateSecretBody, CreateSecretResponse, CreateSourceBody, CreateSourceResponse, DropResponse,
    DropSourceResponse, EnvBody, FlightCreateBody, FlightSavedResponse, FlightUpdateBody, GrantBody, LogChunkBody,
    LogResponse, OnConflictBody, ProjectBody, RollbackBody, RunBody, ServiceAccountBody, SqlBody, SqlErrorBody,
    SqlResponse, TokenBody, TokenCreated, UserBody, WhichResponse, WhoAmI,
};
use coffer_core::{
    AuditFilter, AuditInfo, Caller, CreateRequest, FlightInfo, FlightSaved, FlightVersionInfo, IdentityInfo, KeyUsage,
    MemberInfo, OnConflict, ProjectInfo, PruneReport, RotationReport, RunInfo, RunRequest, SecretInfo,
    SecretVersionInfo, Service, SourceInfo, TokenInfo,
};
use coffer_flights::{Runner, Sink};
use coffer_model::Storage;
use std::sync::Arc;

/// What [`Local::run_flight`](CofferApi::run_flight) is answered with when no runner was given.
const NO_RUNNER: &str = "this server was started without a flight runner, so it cannot start runs; start the flight with `coffer flight run` on a machine with the store, or run a server with flights enabled";

/// How a statement's error reads in a [`SqlResponse`].
pub type SqlErrorRender = fn(coffer_sql::SqlError, &str) -> SqlErrorBody;

/// Where runs run.
#[derive(Clone)]
enum Runs {
    /// Nowhere: starting one fails with [`Error::Unavailable`].
    Nowhere,
    /// In the call, to their end (the CLI's local mode).
    Here(Arc<Runner>),
    /// On the runner's threads; the call returns at once (a server).
    Spawned(Arc<Runner>),
}

/// The API over a [`Service`] in this process, as one [`Caller`]: the machine's owner in the
/// CLI's local mode ([`Caller::local`]), a token's identity in a server's handler.
#[derive(Clone)]
pub struct Local {
    service: Arc<Service>,
    caller: Caller,
    runs: Runs,
    sql: Arc<dyn SqlRunner>,
    sql_error: SqlErrorRender,
}

impl std::fmt::Debug for Local {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Local")
            .field("caller", &self.caller.name)
            .finish_non_exhaustive()
    }
}

impl Local {
    /// The API over `service` as `caller`, without a flight runner, running `/sql` with the
    /// SQL front alone ([`PlainSql`]) and statement errors as `coffer sql` prints them.
    pub fn new(service: Arc<Service>, caller: Caller) -> Self {
        Local {
            service,
            caller,
            runs: Runs::Nowhere,
            sql: Arc::new(PlainSql),
            sql_error: |e, script| SqlErrorBody::of(&e, script),
        }
    }

    /// Runs flights in the call, to their end, on `runner` (the CLI's local mode).
    #[must_use]
    pub fn running_flights_here(mut self, runner: Arc<Runner>) -> Self {
        self.runs = Runs::Here(runner);
        self
    }

    /// Starts runs on `runner`'s threads and returns at once (a server).
    #[must_use]
    pub fn spawning_flights(mut self, runner: Arc<Runner>) -> Self {
        self.runs = Runs::Spawned(runner);
        self
    }

    /// Runs scripts with `runner` (a server's adds the embedded DuckDB).
    #[must_use]
    pub fn with_sql(mut self, runner: Arc<dyn SqlRunner>) -> Self {
        self.sql = runner;
        self
    }

    /// Writes statement errors with `render` (a server hides the causes that are not for its
    /// clients).
    #[must_use]
    pub fn with_sql_errors(mut self, render: SqlErrorRender) -> Self {
        self.sql_error = render;
        self
    }

    /// The service.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// Who the calls act as.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }
}

fn on_conflict(c: OnConflictBody) -> OnConflict {
    match c {
        OnConflictBody::Error => OnConflict::Error,
        OnConflictBody::Replace => OnConflict::Replace,
        OnConflictBody::Ignore => OnConflict::Ignore,
    }
}

fn saved(s: FlightSaved) -> FlightSavedResponse {
    FlightSavedResponse {
        flight: s.info,
        warnings: s.warnings,
        unchanged: s.unchanged,
    }
}

impl CofferApi for Local {
    fn whoami(&self) -> Result<WhoAmI> {
        Ok(WhoAmI {
            name: self.caller.name.clone(),
            superuser: self.caller.superuser,
            token_name: self.caller.token_name.clone(),
        })
    }

    fn list_projects(&self) -> Result<Vec<ProjectInfo>> {
        Ok(self.service.list_projects(&self.caller)?)
    }

    fn create_project(&self, body: ProjectBody) -> Result<ProjectInfo> {
        Ok(self.service.create_project(&self.caller, &body.name)?)
    }

    fn delete_project(&self, project: &str, force: bool) -> Result<()> {
        Ok(self.service.delete_project(&self.caller, project, force)?)
    }

    fn list_secrets(&self, project: &str) -> Result<Vec<SecretInfo>> {
        Ok(self.service.list_secrets(&self.caller, project)?)
    }

    fn create_secret(&self, project: &str, body: CreateSecretBody) -> Result<CreateSecretResponse> {
        let req = CreateRequest {
            name: body.name,
            secret_type: body.secret_type,
            provider: body.provider,
            scopes: body.scope,
            storage: if body.temporary {
                Storage::Memory
            } else {
                Storage::Coffer
            },
            on_conflict: on_conflict(body.on_conflict),
            values: body.fields.into_iter().map(|(k, v)| (k, v.into())).collect(),
        };
        Ok(self.service.create_secret(&self.caller, project, req)?.into())
    }

    fn secret_info(&self, project: &str, name: &str, storage: Option<Storage>) -> Result<SecretInfo> {
        Ok(self.service.secret_info(&self.caller, project, name, storage)?)
    }

    fn drop_secret(
        &self,
        project: &str,
        name: &str,
        if_exists: bool,
        storage: Option<Storage>,
    ) -> Result<DropResponse> {
        let dropped = self
            .service
            .drop_secret(&self.caller, project, name, if_exists, storage)?;
        Ok(DropResponse {
            dropped: dropped.map(|s| s.name().to_string()),
        })
    }

    fn secret_history(&self, project: &str, name: &str) -> Result<Vec<SecretVersionInfo>> {
        Ok(self.service.secret_history(&self.caller, project, name)?)
    }

    fn rollback_secret(&self, project: &str, name: &str, body: RollbackBody) -> Result<SecretInfo> {
        Ok(self
            .service
            .rollback_secret(&self.caller, project, name, body.version)?)
    }

    fn which_secret(&self, project: &str, path: &str, secret_type: &str) -> Result<WhichResponse> {
        let secret = self.service.which_secret(&self.caller, project, path, secret_type)?;
        Ok(WhichResponse { secret })
    }

    fn resolve_env(&self, project: &str, body: EnvBody) -> Result<ResolvedEnv> {
        let env = self.service.resolve_env(&self.caller, project, &body.secrets)?;
        Ok(ResolvedEnv {
            warnings: env.warnings().to_vec(),
            env,
        })
    }

    fn list_sources(&self, project: &str) -> Result<Vec<SourceInfo>> {
        Ok(self.service.list_sources(&self.caller, project)?)
    }

    fn create_source(&self, project: &str, body: CreateSourceBody) -> Result<CreateSourceResponse> {
        let outcome = self
            .service
            .define_source(&self.caller, project, &body.spec(), on_conflict(body.on_conflict))?;
        Ok(outcome.into())
    }

    fn get_source(&self, project: &str, name: &str) -> Result<SourceInfo> {
        Ok(self.service.get_source(&self.caller, project, name)?)
    }

    fn drop_source(&self, project: &str, name: &str, if_exists: bool) -> Result<DropSourceResponse> {
        let dropped = self.service.drop_source(&self.caller, project, name, if_exists)?;
        Ok(DropSourceResponse { dropped })
    }

    fn run_sql(&self, project: &str, body: SqlBody) -> Result<SqlResponse> {
        let sql = body.sql.expose_secret();
        let result = self.sql.run(&self.service, &self.caller, project, sql);
        Ok(SqlResponse::from_outcomes(result, |e| (self.sql_error)(e, sql)))
    }

    fn list_members(&self, project: &str) -> Result<Vec<MemberInfo>> {
        Ok(self.service.list_members(&self.caller, project)?)
    }

    fn grant(&self, project: &str, identity: &str, body: GrantBody) -> Result<MemberInfo> {
        let role = body.role()?;
        Ok(self.service.grant(&self.caller, project, role, identity)?)
    }

    fn revoke_grant(&self, project: &str, identity: &str) -> Result<()> {
        Ok(self.service.revoke_grant(&self.caller, project, identity)?)
    }

    fn create_service_account(&self, project: &str, body: ServiceAccountBody) -> Result<IdentityInfo> {
        Ok(self.service.create_service_account(&self.caller, project, &body.name)?)
    }

    fn list_identities(&self) -> Result<Vec<IdentityInfo>> {
        Ok(self.service.list_identities(&self.caller)?)
    }

    fn create_user(&self, body: UserBody) -> Result<IdentityInfo> {
        Ok(self.service.create_user(&self.caller, &body.name, body.superuser)?)
    }

    fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        Ok(self.service.list_tokens(&self.caller)?)
    }

    fn create_token(&self, body: TokenBody) -> Result<TokenCreated> {
        let expires = body.expires_in_ms()?;
        let t = self
            .service
            .create_token(&self.caller, body.owner.as_deref(), &body.name, expires)?;
        Ok(TokenCreated {
            token: t.token,
            info: t.info,
            notice: t.notice,
        })
    }

    fn revoke_token(&self, name: &str) -> Result<TokenInfo> {
        Ok(self.service.revoke_token(&self.caller, name)?)
    }

    fn list_audit(&self, query: AuditQuery) -> Result<Vec<AuditInfo>> {
        let since = query.since_ms()?.map(|ms| {
            let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
            i64::try_from(now).unwrap_or(i64::MAX).saturating_sub(ms)
        });
        let (from, to) = query.window_ms()?;
        let filter = AuditFilter {
            project: query.project,
            object: query.secret.map(|n| format!("secret:{n}")),
            actor: query.actor,
            since: since.max(from),
            until: to,
            before_id: query.before_id,
            limit: Some(query.limit.unwrap_or(1000) as usize),
        };
        Ok(self.service.list_audit(&self.caller, &filter)?)
    }

    fn key_status(&self) -> Result<Vec<KeyUsage>> {
        Ok(self.service.key_status(&self.caller)?)
    }

    fn rotate_keys(&self) -> Result<RotationReport> {
        Ok(self.service.rotate_keys(&self.caller)?)
    }

    fn prune_keys(&self) -> Result<PruneReport> {
        Ok(self.service.prune_keys(&self.caller)?)
    }

    fn list_flights(&self, project: &str) -> Result<Vec<FlightInfo>> {
        Ok(self.service.list_flights(&self.caller, project)?)
    }

    fn create_flight(&self, project: &str, body: FlightCreateBody) -> Result<FlightSavedResponse> {
        let (name, spec) = body.into_spec()?;
        let s = self.service.create_flight(&self.caller, project, &name, spec)?;
        Ok(saved(s))
    }

    fn get_flight(&self, project: &str, flight: &str) -> Result<FlightInfo> {
        Ok(self.service.get_flight(&self.caller, project, flight)?)
    }

    fn list_flight_versions(&self, project: &str, flight: &str) -> Result<Vec<FlightVersionInfo>> {
        Ok(self.service.list_flight_versions(&self.caller, project, flight)?)
    }

    fn get_flight_version(&self, project: &str, flight: &str, version: i64) -> Result<FlightInfo> {
        Ok(self
            .service
            .get_flight_version(&self.caller, project, flight, version)?)
    }

    fn update_flight(&self, project: &str, flight: &str, body: FlightUpdateBody) -> Result<FlightSavedResponse> {
        let update = body.into_update()?;
        let s = self.service.update_flight(&self.caller, project, flight, update)?;
        Ok(saved(s))
    }

    fn delete_flight(&self, project: &str, flight: &str) -> Result<()> {
        Ok(self.service.delete_flight(&self.caller, project, flight)?)
    }

    fn run_flight(&self, project: &str, flight: &str, body: RunBody, sink: Sink<'_>) -> Result<RunInfo> {
        match &self.runs {
            Runs::Here(runner) => Ok(runner.run(&self.service, &self.caller, project, flight, body.config, sink)?),
            Runs::Spawned(runner) => {
                let req = RunRequest {
                    overrides: body.config,
                    ..RunRequest::default()
                };
                Ok(runner.spawn(&self.service, &self.caller, project, flight, req)?)
            }
            Runs::Nowhere => {
                // Missing flights and callers without a role still get "not found" and "no role".
                self.service.get_flight(&self.caller, project, flight)?;
                Err(Error::Unavailable(NO_RUNNER.into()))
            }
        }
    }

    fn list_runs(&self, project: &str, flight: &str, limit: usize) -> Result<Vec<RunInfo>> {
        Ok(self.service.list_runs(&self.caller, project, flight, limit)?)
    }

    fn get_run(&self, project: &str, flight: &str, run: i64) -> Result<RunInfo> {
        Ok(self.service.get_run(&self.caller, project, flight, run)?)
    }

    fn run_log(&self, project: &str, flight: &str, run: i64, after: i64, limit: usize) -> Result<LogResponse> {
        let (run, chunks) = self.service.run_log(&self.caller, project, flight, run, after, limit)?;
        Ok(LogResponse {
            run,
            chunks: chunks
                .into_iter()
                .map(|c| LogChunkBody {
                    seq: c.seq,
                    stream: c.stream,
                    at: c.at,
                    data: c.data,
                })
                .collect(),
        })
    }

    fn cancel_run(&self, project: &str, flight: &str, run: i64) -> Result<RunInfo> {
        Ok(self.service.cancel_run(&self.caller, project, flight, run)?)
    }
}
