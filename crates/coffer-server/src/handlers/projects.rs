//! Projects: list, create, delete.

use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Names, Q};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coffer_api::types::{DeleteProjectQuery, ErrorBody, ProjectBody};
use coffer_api::CofferApi;
use coffer_core::ProjectInfo;

/// The projects the caller has a role in.
#[utoipa::path(get, path = "/v1/projects", tag = "projects",
    responses((status = 200, body = Vec<ProjectInfo>), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn list_projects(State(st): State<AppState>, auth: Auth) -> Result<Json<Vec<ProjectInfo>>, ApiError> {
    st.read(auth, move |api| api.list_projects()).await.map(Json)
}

/// Create a project (superusers).
#[utoipa::path(post, path = "/v1/projects", tag = "projects", request_body = ProjectBody,
    responses((status = 201, body = ProjectInfo), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn create_project(
    State(st): State<AppState>,
    auth: Auth,
    JsonBody(b): JsonBody<ProjectBody>,
) -> Result<(StatusCode, Json<ProjectInfo>), ApiError> {
    let p = st.write(auth, move |api| api.create_project(b)).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// Delete a project with its secrets, grants and service accounts (superusers).
#[utoipa::path(delete, path = "/v1/projects/{project}", tag = "projects",
    params(("project" = String, Path), DeleteProjectQuery),
    responses((status = 204), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn delete_project(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    Q(q): Q<DeleteProjectQuery>,
) -> Result<StatusCode, ApiError> {
    let project = names.one();
    st.write(auth, move |api| api.delete_project(&project, q.force)).await?;
    Ok(StatusCode::NO_CONTENT)
}
