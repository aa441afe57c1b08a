//! Flights (saved commands, scripts and flows) and their runs: definitions, starting and
//! cancelling runs, run logs.

use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Names, OptionalJsonBody, Q};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coffer_api::types::{
    ErrorBody, FlightCreateBody, FlightSavedResponse, FlightUpdateBody, LogQuery, LogResponse, RunBody, RunsQuery,
};
use coffer_api::CofferApi;
use coffer_core::{FlightInfo, FlightVersionInfo, RunInfo};

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
    st.read(auth, move |api| api.list_flights(&project)).await.map(Json)
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
    b.validate()?;
    let saved = st.write(auth, move |api| api.create_flight(&project, b)).await?;
    Ok((StatusCode::CREATED, Json(saved)))
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
    st.read(auth, move |api| api.get_flight(&project, &flight))
        .await
        .map(Json)
}

/// A flight's kept versions, newest first: when, by whom, and the fields each changed from
/// the one before (role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/flights/{flight}/versions", tag = "flights",
    params(("project" = String, Path), ("flight" = String, Path, description = "The flight's name or id")),
    responses((status = 200, body = Vec<coffer_core::FlightVersionInfo>), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn list_flight_versions(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<Json<Vec<FlightVersionInfo>>, ApiError> {
    let (project, flight) = names.two();
    st.read(auth, move |api| api.list_flight_versions(&project, &flight))
        .await
        .map(Json)
}

/// A flight as it was at one version, its whole definition then (role `read`); 404 for a
/// version it does not have, naming its latest version.
#[utoipa::path(get, path = "/v1/projects/{project}/flights/{flight}/versions/{version}", tag = "flights",
    params(("project" = String, Path), ("flight" = String, Path, description = "The flight's name or id"),
        ("version" = i64, Path, minimum = 1, description = "The version number")),
    responses((status = 200, body = coffer_core::FlightInfo), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn show_flight_version(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<Json<FlightInfo>, ApiError> {
    let (project, flight, version) = names.run();
    st.read(auth, move |api| api.get_flight_version(&project, &flight, version))
        .await
        .map(Json)
}

/// Change a flight (role `write`): fields given replace (config and secrets whole), absent
/// ones stay, `null` clears the optional ones. A change makes the flight's next version; an
/// update that changes nothing makes none and answers `unchanged: true`.
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
    b.validate()?;
    st.write(auth, move |api| api.update_flight(&project, &flight, b))
        .await
        .map(Json)
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
    st.write(auth, move |api| api.delete_flight(&project, &flight)).await?;
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
    // The server's API starts runs on its runner and returns at once; without a runner, 503.
    let run = st
        .write(auth, move |api| api.run_flight(&project, &flight, b, &mut |_, _| {}))
        .await?;
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
    st.read(auth, move |api| api.list_runs(&project, &flight, limit))
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
    st.read(auth, move |api| api.get_run(&project, &flight, n))
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
    let (project, flight, n) = names.run();
    let after = q.after.unwrap_or(0);
    let limit = q.limit.unwrap_or(1000).min(1000);
    st.read(auth, move |api| api.run_log(&project, &flight, n, after, limit))
        .await
        .map(Json)
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
    st.write(auth, move |api| api.cancel_run(&project, &flight, n))
        .await
        .map(Json)
}
