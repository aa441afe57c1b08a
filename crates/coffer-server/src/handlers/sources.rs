//! Data sources: the databases and lakes a project's DuckDB attaches by name, each with a
//! coffer secret (definitions only: a source holds no credential).

use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Names, Q};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coffer_api::types::{
    CreateSourceBody, CreateSourceResponse, DropSourceQuery, DropSourceResponse, ErrorBody, SecretAction,
};
use coffer_api::CofferApi;
use coffer_core::SourceInfo;

/// The project's data sources, by name (role `read`).
#[utoipa::path(get, path = "/v1/projects/{project}/sources", tag = "sources",
    params(("project" = String, Path)),
    responses((status = 200, body = Vec<coffer_core::SourceInfo>), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn list_sources(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<Json<Vec<SourceInfo>>, ApiError> {
    let project = names.one();
    st.read(auth, move |api| api.list_sources(&project)).await.map(Json)
}

/// Create, replace or keep a data source (role `write`): 201 when created, 200 when replaced
/// or kept. 400 names the field at fault (`options.KEY` for an option, an option that looks
/// like a credential included) or the secret that does not exist or is of another type; 409
/// when the name is taken and `on_conflict` is `error`.
#[utoipa::path(post, path = "/v1/projects/{project}/sources", tag = "sources",
    params(("project" = String, Path)), request_body = CreateSourceBody,
    responses((status = 201, body = CreateSourceResponse), (status = 200, body = CreateSourceResponse),
        (status = "4XX", body = ErrorBody)))]
pub(crate) async fn create_source(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<CreateSourceBody>,
) -> Result<(StatusCode, Json<CreateSourceResponse>), ApiError> {
    let project = names.one();
    b.validate()?;
    let created = st.write(auth, move |api| api.create_source(&project, b)).await?;
    let status = match created.action {
        SecretAction::Created => StatusCode::CREATED,
        SecretAction::Replaced | SecretAction::Kept => StatusCode::OK,
    };
    Ok((status, Json(created)))
}

/// One data source (role `read`); 404 names the source and the project.
#[utoipa::path(get, path = "/v1/projects/{project}/sources/{name}", tag = "sources",
    params(("project" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = coffer_core::SourceInfo), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn show_source(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<Json<SourceInfo>, ApiError> {
    let (project, name) = names.two();
    st.read(auth, move |api| api.get_source(&project, &name))
        .await
        .map(Json)
}

/// Drop a data source (role `write`); 404 when there is none, unless `if_exists`.
#[utoipa::path(delete, path = "/v1/projects/{project}/sources/{name}", tag = "sources",
    params(("project" = String, Path), ("name" = String, Path), DropSourceQuery),
    responses((status = 200, body = DropSourceResponse), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn drop_source(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    Q(q): Q<DropSourceQuery>,
) -> Result<Json<DropSourceResponse>, ApiError> {
    let (project, name) = names.two();
    st.write(auth, move |api| api.drop_source(&project, &name, q.if_exists))
        .await
        .map(Json)
}
