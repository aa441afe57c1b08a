//! Secrets: metadata, create, drop, versions and rollback, which_secret, and the one endpoint
//! that hands out values (`/env`).

use crate::api::{
    CreateSecretBody, CreateSecretResponse, DropQuery, DropResponse, EnvBody, EnvResponse, ErrorBody, FieldInput,
    OnConflictBody, RollbackBody, StorageQuery, WhichQuery, WhichResponse,
};
use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Names, Q};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coffer_core::{CreateOutcome, CreateRequest, OnConflict, SecretInfo};
use coffer_crypto::SecretString;
use coffer_model::{InputValue, Storage};

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
pub(crate) async fn create_secret(
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
pub(crate) async fn show_secret(
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
pub(crate) async fn drop_secret(
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
pub(crate) async fn which_secret(
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
pub(crate) async fn resolve_env(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<EnvBody>,
) -> Result<Json<EnvResponse>, ApiError> {
    let project = names.one();
    for n in &b.secrets {
        coffer_model::names::validate_name(n)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid", e.to_string()).with_field("secrets"))?;
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
    st.read(auth, move |s, c| s.secret_history(&c, &project, &name))
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
    st.write(auth, move |s, c| s.rollback_secret(&c, &project, &name, b.version))
        .await
        .map(Json)
}
