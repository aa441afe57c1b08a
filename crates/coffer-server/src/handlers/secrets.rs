//! Secrets: metadata, create, drop, versions and rollback, which_secret, and the one endpoint
//! that hands out values (`/env`).

use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Names, Q};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coffer_api::types::{
    CreateSecretBody, CreateSecretResponse, DropQuery, DropResponse, EnvBody, EnvResponse, ErrorBody, RollbackBody,
    SecretAction, StorageQuery, WhichQuery, WhichResponse,
};
use coffer_api::CofferApi;
use coffer_core::SecretInfo;
use coffer_model::Storage;

/// The project's secrets: metadata only (role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/secrets", tag = "secrets",
    params(("project" = String, Path)),
    responses((status = 200, body = Vec<coffer_core::SecretInfo>), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn list_secrets(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<Json<Vec<SecretInfo>>, ApiError> {
    let project = names.one();
    st.read(auth, move |api| api.list_secrets(&project)).await.map(Json)
}

/// Create, replace or keep a secret (role `write`). Values are sealed and never shown again.
#[utoipa::path(post, path = "/v1/projects/{project}/secrets", tag = "secrets",
    params(("project" = String, Path)), request_body = CreateSecretBody,
    responses((status = 201, body = CreateSecretResponse), (status = 200, body = CreateSecretResponse),
        (status = "4XX", body = ErrorBody)))]
pub(crate) async fn create_secret(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<CreateSecretBody>,
) -> Result<(StatusCode, Json<CreateSecretResponse>), ApiError> {
    let project = names.one();
    let created = st.write(auth, move |api| api.create_secret(&project, b)).await?;
    let status = match created.action {
        SecretAction::Created => StatusCode::CREATED,
        SecretAction::Replaced | SecretAction::Kept => StatusCode::OK,
    };
    Ok((status, Json(created)))
}

/// One secret's metadata (role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/secrets/{name}", tag = "secrets",
    params(("project" = String, Path), ("name" = String, Path), StorageQuery),
    responses((status = 200, body = coffer_core::SecretInfo), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn show_secret(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    Q(q): Q<StorageQuery>,
) -> Result<Json<SecretInfo>, ApiError> {
    let (project, name) = names.two();
    let storage = storage_of(q.storage.as_deref())?;
    st.read(auth, move |api| api.secret_info(&project, &name, storage))
        .await
        .map(Json)
}

/// Drop a secret (role `write`).
#[utoipa::path(delete, path = "/v1/projects/{project}/secrets/{name}", tag = "secrets",
    params(("project" = String, Path), ("name" = String, Path), DropQuery),
    responses((status = 200, body = DropResponse), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn drop_secret(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    Q(q): Q<DropQuery>,
) -> Result<Json<DropResponse>, ApiError> {
    let (project, name) = names.two();
    let storage = storage_of(q.storage.as_deref())?;
    st.write(auth, move |api| api.drop_secret(&project, &name, q.if_exists, storage))
        .await
        .map(Json)
}

/// The secret DuckDB would use for a path (its which_secret; role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/which", tag = "secrets",
    params(("project" = String, Path), WhichQuery),
    responses((status = 200, body = WhichResponse), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn which_secret(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    Q(q): Q<WhichQuery>,
) -> Result<Json<WhichResponse>, ApiError> {
    let project = names.one();
    st.read(auth, move |api| api.which_secret(&project, &q.path, &q.secret_type))
        .await
        .map(Json)
}

/// The environment for a run (role `use`; one audited `use` event per secret). The only
/// endpoint that returns values: it is what `coffer run` and the job runner call.
#[utoipa::path(post, path = "/v1/projects/{project}/env", tag = "secrets",
    params(("project" = String, Path)), request_body = EnvBody,
    responses((status = 200, body = EnvResponse), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn resolve_env(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<EnvBody>,
) -> Result<Json<EnvResponse>, ApiError> {
    let project = names.one();
    b.validate()?;
    let resolved = st.write(auth, move |api| api.resolve_env(&project, b)).await?;
    Ok(Json(EnvResponse::of(&resolved)))
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
            .with_field("storage")),
        },
    }
}

/// The versions kept of a persistent secret, oldest first, the current one last (metadata
/// only; role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/secrets/{name}/versions", tag = "secrets",
    params(("project" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = Vec<coffer_core::SecretVersionInfo>), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn secret_history(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<Json<Vec<coffer_core::SecretVersionInfo>>, ApiError> {
    let (project, name) = names.two();
    st.read(auth, move |api| api.secret_history(&project, &name))
        .await
        .map(Json)
}

/// Make a new version equal to a kept one (role `write`).
#[utoipa::path(post, path = "/v1/projects/{project}/secrets/{name}/rollback", tag = "secrets",
    params(("project" = String, Path), ("name" = String, Path)), request_body = RollbackBody,
    responses((status = 200, body = coffer_core::SecretInfo), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn rollback_secret(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<RollbackBody>,
) -> Result<Json<SecretInfo>, ApiError> {
    let (project, name) = names.two();
    st.write(auth, move |api| api.rollback_secret(&project, &name, b))
        .await
        .map(Json)
}
