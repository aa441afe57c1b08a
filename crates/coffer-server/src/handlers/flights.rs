//! Flights (saved commands, scripts and flows) and their runs: definitions, starting and
//! cancelling runs, run logs.

use crate::api::{
    ErrorBody, FlightCreateBody, FlightSavedResponse, FlightUpdateBody, LogChunkBody, LogQuery, LogResponse, RunBody,
    RunsQuery,
};
use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Names, OptionalJsonBody, Q};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coffer_core::{CoreError, FlightInfo, FlightUpdate, RunInfo, RunRequest};
use coffer_model::flight::{FlightKind, FlightSpec};

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
pub(crate) async fn list_flights(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<Json<Vec<FlightInfo>>, ApiError> {
    let project = names.one();
    st.read(auth, move |s, c| s.list_flights(&c, &project)).await.map(Json)
}

/// Create a flight (role `write`): a command, a Python script or a SQL script, its config,
/// attached secrets, the token its runs act as, a schedule and a timeout. 409 when the name
/// is taken; `warnings` name config keys whose values look like credentials.
#[utoipa::path(post, path = "/v1/projects/{project}/flights", tag = "flights",
    params(("project" = String, Path)), request_body = FlightCreateBody,
    responses((status = 201, body = FlightSavedResponse), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn create_flight(
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
        .with_field("name")
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
pub(crate) async fn show_flight(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<Json<FlightInfo>, ApiError> {
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
pub(crate) async fn update_flight(
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
pub(crate) async fn delete_flight(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<StatusCode, ApiError> {
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
pub(crate) async fn run_flight(
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
pub(crate) async fn list_runs(
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
pub(crate) async fn show_run(State(st): State<AppState>, auth: Auth, names: Names) -> Result<Json<RunInfo>, ApiError> {
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
pub(crate) async fn run_logs(
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
pub(crate) async fn cancel_run(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<Json<RunInfo>, ApiError> {
    let (project, flight, n) = names.run();
    st.write(auth, move |s, c| s.cancel_run(&c, &project, &flight, n))
        .await
        .map(Json)
}
