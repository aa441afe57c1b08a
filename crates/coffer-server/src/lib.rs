//! `coffer serve`: a JSON HTTP API over [`coffer_core::Service`], the same application layer
//! the CLI uses. Every handler authenticates the bearer token, calls one `Service` method on
//! the blocking pool, and translates the result; authorization, audit and validation are the
//! service's. The OpenAPI document ([`openapi`]) is generated from the handlers and types
//! below and served at `/openapi.json`.
#![deny(missing_docs)]

pub mod api;
mod error;
mod extract;

pub use error::ApiError;

use crate::api::*;
use crate::extract::{Auth, JsonBody, OptionalJsonBody, Q};
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use coffer_core::{
    AuditFilter, AuditInfo, Caller, CoreError, CreateOutcome, CreateRequest, FlightInfo, FlightUpdate, IdentityInfo,
    MemberInfo, OnConflict, ProjectInfo, Role, RunInfo, RunRequest, SecretInfo, Service, TokenInfo,
};
use coffer_crypto::SecretString;
use coffer_model::flight::{FlightKind, FlightSpec};
use coffer_model::{InputValue, Storage};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use utoipa::OpenApi;

/// The largest request body accepted (1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Runs the SQL of `POST /v1/projects/{project}/sql`.
pub trait SqlRunner: Send + Sync {
    /// Runs `sql` in `project` as `caller`.
    ///
    /// # Errors
    /// A script that does not split.
    fn run(
        &self,
        service: &Service,
        caller: &Caller,
        project: &str,
        sql: &str,
    ) -> Result<Vec<coffer_sql::Outcome>, coffer_sql::SqlError>;
}

/// The SQL front alone: statements about secrets; every other statement is refused (no
/// DuckDB behind it).
#[derive(Debug, Default)]
pub struct PlainSql;

impl SqlRunner for PlainSql {
    fn run(
        &self,
        service: &Service,
        caller: &Caller,
        project: &str,
        sql: &str,
    ) -> Result<Vec<coffer_sql::Outcome>, coffer_sql::SqlError> {
        coffer_sql::Session::new(service, project, caller.clone()).run_script(sql)
    }
}

/// The server's state: the application layer, the SQL runner and the flight runner.
#[derive(Clone)]
pub struct AppState {
    service: Arc<Service>,
    sql: Arc<dyn SqlRunner>,
    flights: Option<Arc<coffer_flights::Runner>>,
}

impl AppState {
    /// State over `service`, with the SQL front alone for `/sql` and no flight runner
    /// (starting a run answers 503 `unavailable`).
    pub fn new(service: Arc<Service>) -> Self {
        AppState {
            service,
            sql: Arc::new(PlainSql),
            flights: None,
        }
    }

    /// Runs `/sql` with `runner` (the binary's runner adds the embedded DuckDB).
    pub fn with_sql(mut self, runner: Arc<dyn SqlRunner>) -> Self {
        self.sql = runner;
        self
    }

    /// Runs the flights started with `POST .../flights/{flight}/runs` on `runner`, in this
    /// process (each run on its own thread).
    pub fn with_flights(mut self, runner: Arc<coffer_flights::Runner>) -> Self {
        self.flights = Some(runner);
        self
    }

    /// Authenticates `auth` and runs `f` on the blocking pool: for requests that write (a
    /// commit waits for the disk) or hand out values (their audit events are committed first).
    async fn write<T: Send + 'static>(
        &self,
        auth: Auth,
        f: impl FnOnce(&Service, Caller) -> coffer_core::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let service = self.service.clone();
        blocking(move || {
            let caller = service.authenticate(auth.token.expose_secret(), &auth.client)?;
            f(&service, caller)
        })
        .await
    }

    /// Authenticates `auth` and runs `f` right here: for reads, which are answered from the
    /// service's caches or a pooled read connection and never wait for a commit (WAL readers do
    /// not block on the writer). On PostgreSQL a read waits for one round trip (the generation
    /// check), which holds this worker for its duration; measured, that is still better than
    /// the blocking pool: with reads there, a node on the 2-core benchmark machine did 14-17 k
    /// instead of 10 k req/s but its p99 went from 4 ms to 13-354 ms, and two nodes' to 909 ms
    /// (scripts/bench_nodes.sh).
    async fn read<T>(
        &self,
        auth: Auth,
        f: impl FnOnce(&Service, Caller) -> coffer_core::Result<T>,
    ) -> Result<T, ApiError> {
        let _scope = self.service.read_scope()?;
        let caller = self.service.authenticate(auth.token.expose_secret(), &auth.client)?;
        f(&self.service, caller).map_err(ApiError::from)
    }
}

/// Runs `run` on tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    run: impl FnOnce() -> coffer_core::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(run).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => {
            tracing::error!(error = %e, "a request handler panicked");
            Err(ApiError::internal("the request failed inside the server; see its log"))
        }
    }
}

/// The path segments: each a valid name, but `{flight}`, which may also be a flight id (a
/// UUID), and `{run}`, a run number (a positive integer).
#[derive(Debug)]
struct Names {
    names: Vec<String>,
    run: Option<i64>,
}

impl<S: Send + Sync> FromRequestParts<S> for Names {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(map) = axum::extract::Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request(format!("invalid path: {}", e.body_text())))?;
        let mut out = Names {
            names: Vec::new(),
            run: None,
        };
        for (key, value) in map {
            if key == "run" {
                let n = value.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid",
                        format!("invalid run number '{value}': runs are numbered 1, 2, 3, ..."),
                    )
                    .field("run")
                })?;
                out.run = Some(n);
                continue;
            }
            let valid = coffer_model::names::validate_name(&value).is_ok() || (key == "flight" && is_uuid(&value));
            if !valid {
                let rule = if key == "flight" {
                    "give a flight name ([A-Za-z0-9._-]{1,128}) or a flight id (a UUID)"
                } else {
                    "names must match [A-Za-z0-9._-]{1,128}"
                };
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    format!("invalid {key} name '{value}': {rule}"),
                )
                .field(key.clone()));
            }
            out.names.push(value);
        }
        Ok(out)
    }
}

impl Names {
    fn one(mut self) -> String {
        self.names.pop().unwrap_or_default()
    }
    fn two(mut self) -> (String, String) {
        let b = self.names.pop().unwrap_or_default();
        let a = self.names.pop().unwrap_or_default();
        (a, b)
    }
    /// Project, flight and run number.
    fn run(self) -> (String, String, i64) {
        let n = self.run.unwrap_or_default();
        let (project, flight) = self.two();
        (project, flight, n)
    }
}

/// `8-4-4-4-12` hex digits.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn storage_of(s: Option<&str>) -> Result<Option<Storage>, ApiError> {
    match s {
        None => Ok(None),
        Some(v) => match Storage::parse(v) {
            Some(st) => Ok(Some(st)),
            None => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("unknown storage '{v}': use memory (temporary) or coffer (persistent)"),
            )
            .field("storage")),
        },
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "coffer",
        description = "Typed, scoped, encrypted secrets for DuckDB pipelines. Every endpoint but /healthz and /openapi.json needs `Authorization: Bearer <token>`. No endpoint returns a stored sensitive value, except POST /v1/projects/{project}/env (role `use`, audited)."
    ),
    paths(
        health, whoami, list_projects, create_project, delete_project, list_secrets, create_secret, show_secret,
        drop_secret, which_secret, resolve_env, list_members, grant, revoke_grant, create_service_account,
        list_identities, create_user, list_tokens, create_token, revoke_token, list_audit, run_sql,
        secret_history, rollback_secret, key_status, rotate_keys, list_flights, create_flight, show_flight,
        update_flight, delete_flight, run_flight, list_runs, show_run, run_logs, cancel_run
    ),
    components(schemas(
        ErrorBody, FieldInput, OnConflictBody, CreateSecretBody, CreateSecretResponse, DropResponse, WhichResponse,
        EnvBody, EnvResponse, ProjectBody, UserBody, ServiceAccountBody, TokenBody, TokenCreated, GrantBody, WhoAmI,
        Health, coffer_core::SecretInfo, coffer_core::WhichSecret, ProjectInfo, IdentityInfo, TokenInfo, MemberInfo,
        AuditInfo, Name, SqlBody, SqlResponse, SqlStatementResult, SqlErrorBody, RollbackBody,
        coffer_core::SecretVersionInfo, coffer_core::KeyUsage, coffer_core::RotationReport, FlightCreateBody,
        FlightUpdateBody, FlightSavedResponse, RunBody, LogChunkBody, LogResponse, coffer_core::FlightInfo,
        coffer_core::RunInfo
    )),
    modifiers(&BearerAuth, &PathNames),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every string path parameter is a name, which the `Names` extractor checks: each gets the
/// [`Name`] schema with its pattern, so clients and API fuzzers know other segments get 400
/// (a flight id, a UUID, matches it too). Run numbers are integers of at least 1.
struct PathNames;

impl utoipa::Modify for PathNames {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::schema::{Schema, SchemaType, Type};
        use utoipa::openapi::{Ref, RefOr};
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                for parameter in operation.parameters.iter_mut().flatten() {
                    let string = matches!(
                        &parameter.schema,
                        Some(RefOr::T(Schema::Object(o))) if o.schema_type == SchemaType::Type(Type::String)
                    );
                    if parameter.parameter_in == ParameterIn::Path && string {
                        parameter.schema = Some(Ref::from_schema_name("Name").into());
                    }
                }
            }
        }
    }
}

/// The OpenAPI document, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The router with every route, the body limit and JSON errors for unknown routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/openapi.json", get(openapi_json))
        .route("/v1/whoami", get(whoami))
        .route("/v1/projects", get(list_projects).post(create_project))
        .route("/v1/projects/{project}", delete(delete_project))
        .route("/v1/projects/{project}/secrets", get(list_secrets).post(create_secret))
        .route(
            "/v1/projects/{project}/secrets/{name}",
            get(show_secret).delete(drop_secret),
        )
        .route("/v1/projects/{project}/secrets/{name}/versions", get(secret_history))
        .route("/v1/projects/{project}/secrets/{name}/rollback", post(rollback_secret))
        .route("/v1/projects/{project}/which", get(which_secret))
        .route("/v1/projects/{project}/env", post(resolve_env))
        .route("/v1/projects/{project}/sql", post(run_sql))
        .route("/v1/projects/{project}/members", get(list_members))
        .route(
            "/v1/projects/{project}/members/{identity}",
            put(grant).delete(revoke_grant),
        )
        .route("/v1/projects/{project}/service-accounts", post(create_service_account))
        .route("/v1/identities", get(list_identities))
        .route("/v1/users", post(create_user))
        .route("/v1/tokens", get(list_tokens).post(create_token))
        .route("/v1/tokens/{token}", delete(revoke_token))
        .route("/v1/audit", get(list_audit))
        .route("/v1/keys", get(key_status))
        .route("/v1/keys/rotate", post(rotate_keys))
        .route("/v1/projects/{project}/flights", get(list_flights).post(create_flight))
        .route(
            "/v1/projects/{project}/flights/{flight}",
            get(show_flight).patch(update_flight).delete(delete_flight),
        )
        .route(
            "/v1/projects/{project}/flights/{flight}/runs",
            get(list_runs).post(run_flight),
        )
        .route("/v1/projects/{project}/flights/{flight}/runs/{run}", get(show_run))
        .route("/v1/projects/{project}/flights/{flight}/runs/{run}/logs", get(run_logs))
        .route(
            "/v1/projects/{project}/flights/{flight}/runs/{run}/cancel",
            post(cancel_run),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; see /openapi.json",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method; see /openapi.json",
    )
}

/// Serves `router(state)` on `listener` until `shutdown` completes; requests in flight then
/// finish before this returns.
///
/// # Errors
/// The listener's I/O errors.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

async fn openapi_json() -> impl IntoResponse {
    Json(openapi())
}

/// Liveness, without authentication.
#[utoipa::path(get, path = "/healthz", tag = "server", security(()),
    responses((status = 200, body = Health)))]
async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/v1/whoami", tag = "server",
    responses((status = 200, body = WhoAmI), (status = "4XX", body = ErrorBody)))]
async fn whoami(State(st): State<AppState>, auth: Auth) -> Result<Json<WhoAmI>, ApiError> {
    let caller = st.read(auth, |_, c| Ok(c)).await?;
    Ok(Json(WhoAmI {
        name: caller.name,
        superuser: caller.superuser,
        token_name: caller.token_name,
    }))
}

/// The projects the caller has a role in.
#[utoipa::path(get, path = "/v1/projects", tag = "projects",
    responses((status = 200, body = Vec<ProjectInfo>), (status = "4XX", body = ErrorBody)))]
async fn list_projects(State(st): State<AppState>, auth: Auth) -> Result<Json<Vec<ProjectInfo>>, ApiError> {
    st.read(auth, move |s, c| s.list_projects(&c)).await.map(Json)
}

/// Create a project (superusers).
#[utoipa::path(post, path = "/v1/projects", tag = "projects", request_body = ProjectBody,
    responses((status = 201, body = ProjectInfo), (status = "4XX", body = ErrorBody)))]
async fn create_project(
    State(st): State<AppState>,
    auth: Auth,
    JsonBody(b): JsonBody<ProjectBody>,
) -> Result<(StatusCode, Json<ProjectInfo>), ApiError> {
    let p = st.write(auth, move |s, c| s.create_project(&c, &b.name)).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Delete a project with its secrets, grants and service accounts (superusers).
#[utoipa::path(delete, path = "/v1/projects/{project}", tag = "projects",
    params(("project" = String, Path), DeleteProjectQuery),
    responses((status = 204), (status = "4XX", body = ErrorBody)))]
async fn delete_project(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    Q(q): Q<DeleteProjectQuery>,
) -> Result<StatusCode, ApiError> {
    let project = names.one();
    st.write(auth, move |s, c| s.delete_project(&c, &project, q.force))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The project's secrets: metadata only (role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/secrets", tag = "secrets",
    params(("project" = String, Path)),
    responses((status = 200, body = Vec<coffer_core::SecretInfo>), (status = "4XX", body = ErrorBody)))]
async fn list_secrets(State(st): State<AppState>, auth: Auth, names: Names) -> Result<Json<Vec<SecretInfo>>, ApiError> {
    let project = names.one();
    st.read(auth, move |s, c| s.list_secrets(&c, &project)).await.map(Json)
}

fn input_of(v: FieldInput) -> InputValue {
    match v {
        FieldInput::Bool(b) => InputValue::Bool(b),
        FieldInput::Int(i) => InputValue::Int(i),
        FieldInput::Text(t) => InputValue::Text(SecretString::from(t)),
        FieldInput::Map(m) => InputValue::Map(m.into_iter().map(|(k, v)| (k, SecretString::from(v))).collect()),
    }
}

/// Create, replace or keep a secret (role `write`). Values are sealed and never shown again.
#[utoipa::path(post, path = "/v1/projects/{project}/secrets", tag = "secrets",
    params(("project" = String, Path)), request_body = CreateSecretBody,
    responses((status = 201, body = CreateSecretResponse), (status = 200, body = CreateSecretResponse),
        (status = "4XX", body = ErrorBody)))]
async fn create_secret(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<CreateSecretBody>,
) -> Result<(StatusCode, Json<CreateSecretResponse>), ApiError> {
    let project = names.one();
    let req = CreateRequest {
        name: b.name,
        secret_type: b.secret_type,
        provider: b.provider,
        scopes: b.scope,
        storage: if b.temporary { Storage::Memory } else { Storage::Coffer },
        on_conflict: match b.on_conflict {
            OnConflictBody::Error => OnConflict::Error,
            OnConflictBody::Replace => OnConflict::Replace,
            OnConflictBody::Ignore => OnConflict::Ignore,
        },
        values: b.fields.into_iter().map(|(k, v)| (k, input_of(v))).collect(),
    };
    let outcome = st.write(auth, move |s, c| s.create_secret(&c, &project, req)).await?;
    let (status, action, secret) = match outcome {
        CreateOutcome::Created(i) => (StatusCode::CREATED, "created", i),
        CreateOutcome::Replaced(i) => (StatusCode::OK, "replaced", i),
        CreateOutcome::Ignored(i) => (StatusCode::OK, "kept existing", i),
    };
    Ok((
        status,
        Json(CreateSecretResponse {
            action: action.into(),
            secret,
        }),
    ))
}

/// One secret's metadata (role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/secrets/{name}", tag = "secrets",
    params(("project" = String, Path), ("name" = String, Path), StorageQuery),
    responses((status = 200, body = coffer_core::SecretInfo), (status = "4XX", body = ErrorBody)))]
async fn show_secret(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    Q(q): Q<StorageQuery>,
) -> Result<Json<SecretInfo>, ApiError> {
    let (project, name) = names.two();
    let storage = storage_of(q.storage.as_deref())?;
    st.read(auth, move |s, c| s.secret_info(&c, &project, &name, storage))
        .await
        .map(Json)
}

/// Drop a secret (role `write`).
#[utoipa::path(delete, path = "/v1/projects/{project}/secrets/{name}", tag = "secrets",
    params(("project" = String, Path), ("name" = String, Path), DropQuery),
    responses((status = 200, body = DropResponse), (status = "4XX", body = ErrorBody)))]
async fn drop_secret(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    Q(q): Q<DropQuery>,
) -> Result<Json<DropResponse>, ApiError> {
    let (project, name) = names.two();
    let storage = storage_of(q.storage.as_deref())?;
    let dropped = st
        .write(auth, move |s, c| {
            s.drop_secret(&c, &project, &name, q.if_exists, storage)
        })
        .await?;
    Ok(Json(DropResponse {
        dropped: dropped.map(|s| s.name().to_string()),
    }))
}

/// The secret DuckDB would use for a path (its which_secret; role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/which", tag = "secrets",
    params(("project" = String, Path), WhichQuery),
    responses((status = 200, body = WhichResponse), (status = "4XX", body = ErrorBody)))]
async fn which_secret(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    Q(q): Q<WhichQuery>,
) -> Result<Json<WhichResponse>, ApiError> {
    let project = names.one();
    let secret = st
        .read(auth, move |s, c| s.which_secret(&c, &project, &q.path, &q.secret_type))
        .await?;
    Ok(Json(WhichResponse { secret }))
}

/// The environment for a run (role `use`; one audited `use` event per secret). The only
/// endpoint that returns values: it is what `coffer run` and the job runner call.
#[utoipa::path(post, path = "/v1/projects/{project}/env", tag = "secrets",
    params(("project" = String, Path)), request_body = EnvBody,
    responses((status = 200, body = EnvResponse), (status = "4XX", body = ErrorBody)))]
async fn resolve_env(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<EnvBody>,
) -> Result<Json<EnvResponse>, ApiError> {
    let project = names.one();
    for n in &b.secrets {
        coffer_model::names::validate_name(n)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid", e.to_string()).field("secrets"))?;
    }
    let vars = st
        .write(auth, move |s, c| s.resolve_env(&c, &project, &b.secrets))
        .await?;
    let mut env = std::collections::BTreeMap::new();
    let mut sensitive = Vec::new();
    for (name, value, _, is_sensitive) in vars.vars() {
        if is_sensitive {
            sensitive.push(name.to_string());
        }
        env.insert(name.to_string(), value.expose_secret().to_string());
    }
    Ok(Json(EnvResponse {
        env,
        sensitive,
        warnings: vars.warnings().to_vec(),
    }))
}

/// The project's members and their roles (role `admin`).
#[utoipa::path(get, path = "/v1/projects/{project}/members", tag = "access",
    params(("project" = String, Path)),
    responses((status = 200, body = Vec<MemberInfo>), (status = "4XX", body = ErrorBody)))]
async fn list_members(State(st): State<AppState>, auth: Auth, names: Names) -> Result<Json<Vec<MemberInfo>>, ApiError> {
    let project = names.one();
    st.read(auth, move |s, c| s.list_members(&c, &project)).await.map(Json)
}

/// Give an identity a role in the project, replacing its role (role `admin`).
#[utoipa::path(put, path = "/v1/projects/{project}/members/{identity}", tag = "access",
    params(("project" = String, Path), ("identity" = String, Path)), request_body = GrantBody,
    responses((status = 200, body = MemberInfo), (status = "4XX", body = ErrorBody)))]
async fn grant(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<GrantBody>,
) -> Result<Json<MemberInfo>, ApiError> {
    let (project, identity) = names.two();
    let role = Role::parse(&b.role).map_err(|e| ApiError::from(e).field("role"))?;
    st.write(auth, move |s, c| s.grant(&c, &project, role, &identity))
        .await
        .map(Json)
}

/// Take an identity's role in the project away (role `admin`).
#[utoipa::path(delete, path = "/v1/projects/{project}/members/{identity}", tag = "access",
    params(("project" = String, Path), ("identity" = String, Path)),
    responses((status = 204), (status = "4XX", body = ErrorBody)))]
async fn revoke_grant(State(st): State<AppState>, auth: Auth, names: Names) -> Result<StatusCode, ApiError> {
    let (project, identity) = names.two();
    st.write(auth, move |s, c| s.revoke_grant(&c, &project, &identity))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Create a service account managed by the project's admins; it has no role until granted.
#[utoipa::path(post, path = "/v1/projects/{project}/service-accounts", tag = "access",
    params(("project" = String, Path)), request_body = ServiceAccountBody,
    responses((status = 201, body = IdentityInfo), (status = "4XX", body = ErrorBody)))]
async fn create_service_account(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<ServiceAccountBody>,
) -> Result<(StatusCode, Json<IdentityInfo>), ApiError> {
    let project = names.one();
    let i = st
        .write(auth, move |s, c| s.create_service_account(&c, &project, &b.name))
        .await?;
    Ok((StatusCode::CREATED, Json(i)))
}

/// The identities the caller may see.
#[utoipa::path(get, path = "/v1/identities", tag = "access",
    responses((status = 200, body = Vec<IdentityInfo>), (status = "4XX", body = ErrorBody)))]
async fn list_identities(State(st): State<AppState>, auth: Auth) -> Result<Json<Vec<IdentityInfo>>, ApiError> {
    st.read(auth, move |s, c| s.list_identities(&c)).await.map(Json)
}

/// Create a user (superusers).
#[utoipa::path(post, path = "/v1/users", tag = "access", request_body = UserBody,
    responses((status = 201, body = IdentityInfo), (status = "4XX", body = ErrorBody)))]
async fn create_user(
    State(st): State<AppState>,
    auth: Auth,
    JsonBody(b): JsonBody<UserBody>,
) -> Result<(StatusCode, Json<IdentityInfo>), ApiError> {
    let i = st
        .write(auth, move |s, c| s.create_user(&c, &b.name, b.superuser))
        .await?;
    Ok((StatusCode::CREATED, Json(i)))
}

/// The tokens the caller may see (names, owners, dates; never the tokens).
#[utoipa::path(get, path = "/v1/tokens", tag = "access",
    responses((status = 200, body = Vec<TokenInfo>), (status = "4XX", body = ErrorBody)))]
async fn list_tokens(State(st): State<AppState>, auth: Auth) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    st.read(auth, move |s, c| s.list_tokens(&c)).await.map(Json)
}

/// Create a named token; the response holds it this once. A token created with a token never
/// outlives it (a missing or later `expires_in` is capped, and `notice` says so); a flight
/// run's token may not create tokens (403).
#[utoipa::path(post, path = "/v1/tokens", tag = "access", request_body = TokenBody,
    responses((status = 201, body = TokenCreated), (status = "4XX", body = ErrorBody)))]
async fn create_token(
    State(st): State<AppState>,
    auth: Auth,
    JsonBody(b): JsonBody<TokenBody>,
) -> Result<(StatusCode, Json<TokenCreated>), ApiError> {
    let expires = match &b.expires_in {
        Some(e) => Some(
            parse_duration_ms("expires_in", e)
                .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, "invalid", m).field("expires_in"))?,
        ),
        None => None,
    };
    let t = st
        .write(auth, move |s, c| {
            s.create_token(&c, b.owner.as_deref(), &b.name, expires)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            token: t.token.expose_secret().to_string(),
            info: t.info,
            notice: t.notice,
        }),
    ))
}

/// Revoke a token and every token below it (created with it, transitively): they stop
/// working on the next request; `revoked_with` names the tokens below it.
#[utoipa::path(delete, path = "/v1/tokens/{token}", tag = "access",
    params(("token" = String, Path, description = "The token's name")),
    responses((status = 200, body = TokenInfo), (status = "4XX", body = ErrorBody)))]
async fn revoke_token(State(st): State<AppState>, auth: Auth, names: Names) -> Result<Json<TokenInfo>, ApiError> {
    let name = names.one();
    st.write(auth, move |s, c| s.revoke_token(&c, &name)).await.map(Json)
}

/// Audit events, oldest first (a project's admins; superusers for all projects).
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditInfo>), (status = "4XX", body = ErrorBody)))]
async fn list_audit(
    State(st): State<AppState>,
    auth: Auth,
    Q(q): Q<AuditQuery>,
) -> Result<Json<Vec<AuditInfo>>, ApiError> {
    let since = match &q.since {
        Some(s) => {
            let ms = parse_duration_ms("since", s)
                .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, "invalid", m).field("since"))?;
            let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
            Some(i64::try_from(now).unwrap_or(i64::MAX).saturating_sub(ms))
        }
        None => None,
    };
    let filter = AuditFilter {
        project: q.project,
        object: q.secret.map(|n| format!("secret:{n}")),
        actor: q.actor,
        since,
        limit: Some(q.limit.unwrap_or(1000) as usize),
    };
    st.read(auth, move |s, c| s.list_audit(&c, &filter)).await.map(Json)
}

/// Run SQL as `coffer sql` does: DuckDB's CREATE/DROP SECRET, duckdb_secrets(),
/// which_secret(), pg_duckdb's duckdb.secrets, md_access_tokens(); other statements run on the
/// project's embedded DuckDB (role `use`, audited) when the server has one. Statement errors
/// are in the results, each with the exit code `coffer sql` gives it.
#[utoipa::path(post, path = "/v1/projects/{project}/sql", tag = "sql",
    params(("project" = String, Path)), request_body = SqlBody,
    responses((status = 200, body = SqlResponse), (status = "4XX", body = ErrorBody)))]
async fn run_sql(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<SqlBody>,
) -> Result<Json<SqlResponse>, ApiError> {
    let project = names.one();
    let runner = st.sql.clone();
    let response = st
        .write(auth, move |s, c| {
            Ok(match runner.run(s, &c, &project, &b.sql) {
                Err(e) => SqlResponse {
                    error: Some(SqlErrorBody::of(&e, &b.sql)),
                    results: Vec::new(),
                },
                Ok(outcomes) => SqlResponse {
                    error: None,
                    results: outcomes
                        .into_iter()
                        .map(|o| match o.result {
                            Ok(table) => SqlStatementResult {
                                table: Some(table),
                                error: None,
                            },
                            Err(e) => SqlStatementResult {
                                table: None,
                                error: Some(SqlErrorBody::of(&e, &b.sql)),
                            },
                        })
                        .collect(),
                },
            })
        })
        .await?;
    Ok(Json(response))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn doc() -> Value {
        serde_json::to_value(super::openapi()).expect("the document serializes")
    }

    /// The documented patterns are what the server accepts: schemathesis generates requests
    /// from them (scripts/schemathesis.sh).
    #[test]
    fn patterns_match_the_model() {
        let doc = doc();
        let types = format!("^({})$", coffer_model::types::type_names().join("|"));
        assert_eq!(
            doc["components"]["schemas"]["CreateSecretBody"]["properties"]["type"]["pattern"],
            Value::String(types.clone())
        );
        let which = doc["paths"]["/v1/projects/{project}/which"]["get"]["parameters"]
            .as_array()
            .expect("parameters");
        let ty = which.iter().find(|p| p["name"] == "type").expect("type");
        assert_eq!(ty["schema"]["pattern"], Value::String(types));
        let roles = format!(
            "^({})$",
            coffer_core::Role::ALL
                .iter()
                .map(|r| r.name())
                .collect::<Vec<_>>()
                .join("|")
        );
        assert_eq!(
            doc["components"]["schemas"]["GrantBody"]["properties"]["role"]["pattern"],
            Value::String(roles)
        );
        let name = doc["components"]["schemas"]["Name"]["pattern"].as_str().expect("Name");
        assert_eq!(name, "^[A-Za-z0-9._-]{1,128}$");
        for ok in ["default", "a", &"x".repeat(128)] {
            coffer_model::names::validate_name(ok).expect("a valid name");
        }
        for bad in ["", "a b", "a/b", &"x".repeat(129)] {
            assert!(coffer_model::names::validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_path_parameter_is_a_name() {
        let doc = doc();
        let mut seen = 0;
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("item") {
                for p in op["parameters"].as_array().into_iter().flatten() {
                    if p["in"] == "path" && p["name"] == "run" {
                        assert_eq!(p["schema"]["type"], "integer", "{method} {path}");
                        assert_eq!(p["schema"]["minimum"], 1, "{method} {path}");
                    } else if p["in"] == "path" {
                        seen += 1;
                        assert_eq!(
                            p["schema"]["$ref"], "#/components/schemas/Name",
                            "{method} {path} {}",
                            p["name"]
                        );
                    }
                }
            }
        }
        assert!(seen > 10, "{seen}");
    }

    /// Every status a flight route answers is documented (schemathesis checks conformance).
    #[test]
    fn flight_routes_are_documented() {
        let doc = doc();
        let base = "/v1/projects/{project}/flights";
        let expect = [
            (base.to_string(), "get", "200"),
            (base.to_string(), "post", "201"),
            (format!("{base}/{{flight}}"), "get", "200"),
            (format!("{base}/{{flight}}"), "patch", "200"),
            (format!("{base}/{{flight}}"), "delete", "204"),
            (format!("{base}/{{flight}}/runs"), "get", "200"),
            (format!("{base}/{{flight}}/runs"), "post", "201"),
            (format!("{base}/{{flight}}/runs"), "post", "503"),
            (format!("{base}/{{flight}}/runs/{{run}}"), "get", "200"),
            (format!("{base}/{{flight}}/runs/{{run}}/logs"), "get", "200"),
            (format!("{base}/{{flight}}/runs/{{run}}/cancel"), "post", "200"),
        ];
        for (path, method, status) in expect {
            let op = &doc["paths"][&path][method];
            assert!(op.is_object(), "{method} {path} is not documented");
            assert!(op["responses"][status].is_object(), "{method} {path}: no {status}");
            assert!(op["responses"]["4XX"].is_object(), "{method} {path}: no 4XX");
        }
        let run = &doc["paths"][format!("{base}/{{flight}}/runs")]["post"]["requestBody"];
        assert_ne!(run["required"], true, "the run body is optional: {run}");
        for schema in [
            "FlightInfo",
            "RunInfo",
            "FlightSavedResponse",
            "LogResponse",
            "LogChunkBody",
        ] {
            assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
        }
    }
}

/// The versions kept of a persistent secret, oldest first, the current one last (metadata
/// only; role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/secrets/{name}/versions", tag = "secrets",
    params(("project" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = Vec<coffer_core::SecretVersionInfo>), (status = "4XX", body = ErrorBody)))]
async fn secret_history(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<Json<Vec<coffer_core::SecretVersionInfo>>, ApiError> {
    let (project, name) = names.two();
    st.read(auth, move |s, c| s.secret_history(&c, &project, &name))
        .await
        .map(Json)
}

/// Make a new version equal to a kept one (role `write`).
#[utoipa::path(post, path = "/v1/projects/{project}/secrets/{name}/rollback", tag = "secrets",
    params(("project" = String, Path), ("name" = String, Path)), request_body = RollbackBody,
    responses((status = 200, body = coffer_core::SecretInfo), (status = "4XX", body = ErrorBody)))]
async fn rollback_secret(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<RollbackBody>,
) -> Result<Json<SecretInfo>, ApiError> {
    let (project, name) = names.two();
    st.write(auth, move |s, c| s.rollback_secret(&c, &project, &name, b.version))
        .await
        .map(Json)
}

/// How many stored data keys each key-encryption key wraps (superusers).
#[utoipa::path(get, path = "/v1/keys", tag = "keys",
    responses((status = 200, body = Vec<coffer_core::KeyUsage>), (status = "4XX", body = ErrorBody)))]
async fn key_status(State(st): State<AppState>, auth: Auth) -> Result<Json<Vec<coffer_core::KeyUsage>>, ApiError> {
    st.read(auth, move |s, c| s.key_status(&c)).await.map(Json)
}

/// Rotate the key-encryption key and wrap every stored data key again, while the server keeps
/// serving (superusers). Running it again finishes an interrupted rotation.
#[utoipa::path(post, path = "/v1/keys/rotate", tag = "keys",
    responses((status = 200, body = coffer_core::RotationReport), (status = "4XX", body = ErrorBody)))]
async fn rotate_keys(State(st): State<AppState>, auth: Auth) -> Result<Json<coffer_core::RotationReport>, ApiError> {
    st.write(auth, move |s, c| s.rotate_keys(&c)).await.map(Json)
}

// ---- flights ----

/// Flight bodies refer to kinds by name: a bad one is an `invalid` of field `kind`.
fn flight_kind(kind: &str) -> Result<FlightKind, ApiError> {
    FlightKind::parse(kind).map_err(|e| ApiError::from(CoreError::from(e)))
}

fn saved(s: coffer_core::FlightSaved) -> FlightSavedResponse {
    FlightSavedResponse {
        flight: s.info,
        warnings: s.warnings,
    }
}

/// The project's flights, by name (role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/flights", tag = "flights",
    params(("project" = String, Path)),
    responses((status = 200, body = Vec<coffer_core::FlightInfo>), (status = "4XX", body = ErrorBody)))]
async fn list_flights(State(st): State<AppState>, auth: Auth, names: Names) -> Result<Json<Vec<FlightInfo>>, ApiError> {
    let project = names.one();
    st.read(auth, move |s, c| s.list_flights(&c, &project)).await.map(Json)
}

/// Create a flight (role `write`): a command, a Python script or a SQL script, its config,
/// attached secrets, the token its runs act as, a schedule and a timeout. 409 when the name
/// is taken; `warnings` name config keys whose values look like credentials.
#[utoipa::path(post, path = "/v1/projects/{project}/flights", tag = "flights",
    params(("project" = String, Path)), request_body = FlightCreateBody,
    responses((status = 201, body = FlightSavedResponse), (status = "4XX", body = ErrorBody)))]
async fn create_flight(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<FlightCreateBody>,
) -> Result<(StatusCode, Json<FlightSavedResponse>), ApiError> {
    let project = names.one();
    coffer_model::names::validate_name(&b.name).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!(
                "invalid flight name '{}': names must match [A-Za-z0-9._-]{{1,128}}",
                b.name
            ),
        )
        .field("name")
    })?;
    let spec = FlightSpec {
        kind: flight_kind(&b.kind)?,
        command: b.command,
        script: b.script,
        config: b.config,
        secrets: b.secrets,
        token_name: b.token_name,
        schedule: b.schedule,
        timezone: b.timezone,
        timeout_secs: b.timeout_secs,
        concurrency: b.concurrency.unwrap_or(1),
        steps: b.steps,
        runs_as_since: None,
    };
    let name = b.name;
    let s = st
        .write(auth, move |s, c| s.create_flight(&c, &project, &name, spec))
        .await?;
    Ok((StatusCode::CREATED, Json(saved(s))))
}

/// One flight, by name or by flight id (role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/flights/{flight}", tag = "flights",
    params(("project" = String, Path), ("flight" = String, Path, description = "The flight's name or id")),
    responses((status = 200, body = coffer_core::FlightInfo), (status = "4XX", body = ErrorBody)))]
async fn show_flight(State(st): State<AppState>, auth: Auth, names: Names) -> Result<Json<FlightInfo>, ApiError> {
    let (project, flight) = names.two();
    st.read(auth, move |s, c| s.get_flight(&c, &project, &flight))
        .await
        .map(Json)
}

/// Change a flight (role `write`): fields given replace (config and secrets whole), absent
/// ones stay, `null` clears the optional ones; the version goes up by one.
#[utoipa::path(patch, path = "/v1/projects/{project}/flights/{flight}", tag = "flights",
    params(("project" = String, Path), ("flight" = String, Path, description = "The flight's name or id")),
    request_body = FlightUpdateBody,
    responses((status = 200, body = FlightSavedResponse), (status = "4XX", body = ErrorBody)))]
async fn update_flight(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<FlightUpdateBody>,
) -> Result<Json<FlightSavedResponse>, ApiError> {
    let (project, flight) = names.two();
    let update = FlightUpdate {
        kind: b.kind.as_deref().map(flight_kind).transpose()?,
        command: b.command,
        script: b.script,
        config: b.config,
        secrets: b.secrets,
        token_name: b.token_name,
        schedule: b.schedule,
        timezone: b.timezone,
        timeout_secs: b.timeout_secs,
        concurrency: b.concurrency,
        steps: b.steps,
    };
    let s = st
        .write(auth, move |s, c| s.update_flight(&c, &project, &flight, update))
        .await?;
    Ok(Json(saved(s)))
}

/// Delete a flight with its runs and logs (role `write`); 409 while a run is running.
#[utoipa::path(delete, path = "/v1/projects/{project}/flights/{flight}", tag = "flights",
    params(("project" = String, Path), ("flight" = String, Path, description = "The flight's name or id")),
    responses((status = 204), (status = "4XX", body = ErrorBody)))]
async fn delete_flight(State(st): State<AppState>, auth: Auth, names: Names) -> Result<StatusCode, ApiError> {
    let (project, flight) = names.two();
    st.write(auth, move |s, c| s.delete_flight(&c, &project, &flight))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Start a run (role `use`) on the server's runner and return it at once: `running`, or
/// `failed` when it could not start (a dropped secret, a revoked token; its log says why).
/// The body is optional; `config` overrides keys the flight has (others are refused). 409
/// when the flight already runs as many runs as its concurrency; 503 when the server has no
/// flight runner.
#[utoipa::path(post, path = "/v1/projects/{project}/flights/{flight}/runs", tag = "flights",
    params(("project" = String, Path), ("flight" = String, Path, description = "The flight's name or id")),
    request_body = Option<RunBody>,
    responses((status = 201, body = coffer_core::RunInfo), (status = "4XX", body = ErrorBody),
        (status = 503, body = ErrorBody)))]
async fn run_flight(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    OptionalJsonBody(b): OptionalJsonBody<RunBody>,
) -> Result<(StatusCode, Json<RunInfo>), ApiError> {
    let (project, flight) = names.two();
    let runner = st.flights.clone();
    let service = st.service.clone();
    let run = st
        .write(auth, move |s, c| {
            let Some(runner) = runner else {
                // Missing flights and callers without a role still get 404 and 403.
                s.get_flight(&c, &project, &flight)?;
                return Ok(Err(ApiError::unavailable(
                    "this server was started without a flight runner, so it cannot start runs; start the flight with `coffer flight run` on a machine with the store, or run a server with flights enabled",
                )));
            };
            let req = RunRequest {
                overrides: b.config,
                ..RunRequest::default()
            };
            runner.spawn(&service, &c, &project, &flight, req).map(Ok)
        })
        .await??;
    Ok((StatusCode::CREATED, Json(run)))
}

/// A flight's runs, newest first (role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/flights/{flight}/runs", tag = "flights",
    params(("project" = String, Path), ("flight" = String, Path, description = "The flight's name or id"),
        RunsQuery),
    responses((status = 200, body = Vec<coffer_core::RunInfo>), (status = "4XX", body = ErrorBody)))]
async fn list_runs(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    Q(q): Q<RunsQuery>,
) -> Result<Json<Vec<RunInfo>>, ApiError> {
    let (project, flight) = names.two();
    let limit = q.limit.unwrap_or(50).min(1000);
    st.read(auth, move |s, c| s.list_runs(&c, &project, &flight, limit))
        .await
        .map(Json)
}

/// One run (role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/flights/{flight}/runs/{run}", tag = "flights",
    params(("project" = String, Path), ("flight" = String, Path, description = "The flight's name or id"),
        ("run" = i64, Path, minimum = 1, description = "The run number")),
    responses((status = 200, body = coffer_core::RunInfo), (status = "4XX", body = ErrorBody)))]
async fn show_run(State(st): State<AppState>, auth: Auth, names: Names) -> Result<Json<RunInfo>, ApiError> {
    let (project, flight, n) = names.run();
    st.read(auth, move |s, c| s.get_run(&c, &project, &flight, n))
        .await
        .map(Json)
}

/// A run's log (masked), the chunks after `after`, with the run as of this read: poll with
/// the last `seq` seen until the run is no longer `running` and no chunk comes (role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/flights/{flight}/runs/{run}/logs", tag = "flights",
    params(("project" = String, Path), ("flight" = String, Path, description = "The flight's name or id"),
        ("run" = i64, Path, minimum = 1, description = "The run number"), LogQuery),
    responses((status = 200, body = LogResponse), (status = "4XX", body = ErrorBody)))]
async fn run_logs(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    Q(q): Q<LogQuery>,
) -> Result<Json<LogResponse>, ApiError> {
    use base64::Engine as _;
    let (project, flight, n) = names.run();
    let after = q.after.unwrap_or(0);
    let limit = q.limit.unwrap_or(1000).min(1000);
    let (run, chunks) = st
        .read(auth, move |s, c| s.run_log(&c, &project, &flight, n, after, limit))
        .await?;
    Ok(Json(LogResponse {
        run,
        chunks: chunks
            .into_iter()
            .map(|c| LogChunkBody {
                seq: c.seq,
                stream: c.stream,
                at: c.at,
                data: base64::engine::general_purpose::STANDARD.encode(&c.data),
            })
            .collect(),
    }))
}

/// Cancel a running run (role `use`): its process group gets SIGTERM (then SIGKILL) and it
/// ends `cancelled`; the run returned may still be `running` for a moment. 409 when it is
/// not running.
#[utoipa::path(post, path = "/v1/projects/{project}/flights/{flight}/runs/{run}/cancel", tag = "flights",
    params(("project" = String, Path), ("flight" = String, Path, description = "The flight's name or id"),
        ("run" = i64, Path, minimum = 1, description = "The run number")),
    responses((status = 200, body = coffer_core::RunInfo), (status = "4XX", body = ErrorBody)))]
async fn cancel_run(State(st): State<AppState>, auth: Auth, names: Names) -> Result<Json<RunInfo>, ApiError> {
    let (project, flight, n) = names.run();
    st.write(auth, move |s, c| s.cancel_run(&c, &project, &flight, n))
        .await
        .map(Json)
}
