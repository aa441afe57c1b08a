//! Access: project members and their roles, identities (users, service accounts) and tokens.

use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Names};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coffer_api::types::{ErrorBody, GrantBody, ServiceAccountBody, TokenBody, TokenCreated, UserBody};
use coffer_api::CofferApi;
use coffer_core::{IdentityInfo, MemberInfo, TokenInfo};

/// The project's members and their roles (role `admin`).
#[utoipa::path(get, path = "/v1/projects/{project}/members", tag = "access",
    params(("project" = String, Path)),
    responses((status = 200, body = Vec<MemberInfo>), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn list_members(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<Json<Vec<MemberInfo>>, ApiError> {
    let project = names.one();
    st.read(auth, move |api| api.list_members(&project)).await.map(Json)
}

/// Give an identity a role in the project, replacing its role (role `admin`).
#[utoipa::path(put, path = "/v1/projects/{project}/members/{identity}", tag = "access",
    params(("project" = String, Path), ("identity" = String, Path)), request_body = GrantBody,
    responses((status = 200, body = MemberInfo), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn grant(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<GrantBody>,
) -> Result<Json<MemberInfo>, ApiError> {
    let (project, identity) = names.two();
    b.role()?;
    st.write(auth, move |api| api.grant(&project, &identity, b))
        .await
        .map(Json)
}

/// Take an identity's role in the project away (role `admin`).
#[utoipa::path(delete, path = "/v1/projects/{project}/members/{identity}", tag = "access",
    params(("project" = String, Path), ("identity" = String, Path)),
    responses((status = 204), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn revoke_grant(State(st): State<AppState>, auth: Auth, names: Names) -> Result<StatusCode, ApiError> {
    let (project, identity) = names.two();
    st.write(auth, move |api| api.revoke_grant(&project, &identity)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Create a service account managed by the project's admins; it has no role until granted.
#[utoipa::path(post, path = "/v1/projects/{project}/service-accounts", tag = "access",
    params(("project" = String, Path)), request_body = ServiceAccountBody,
    responses((status = 201, body = IdentityInfo), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn create_service_account(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<ServiceAccountBody>,
) -> Result<(StatusCode, Json<IdentityInfo>), ApiError> {
    let project = names.one();
    let i = st
        .write(auth, move |api| api.create_service_account(&project, b))
        .await?;
    Ok((StatusCode::CREATED, Json(i)))
}

/// The identities the caller may see.
#[utoipa::path(get, path = "/v1/identities", tag = "access",
    responses((status = 200, body = Vec<IdentityInfo>), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn list_identities(
    State(st): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<IdentityInfo>>, ApiError> {
    st.read(auth, move |api| api.list_identities()).await.map(Json)
}

/// Create a user (superusers).
#[utoipa::path(post, path = "/v1/users", tag = "access", request_body = UserBody,
    responses((status = 201, body = IdentityInfo), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn create_user(
    State(st): State<AppState>,
    auth: Auth,
    JsonBody(b): JsonBody<UserBody>,
) -> Result<(StatusCode, Json<IdentityInfo>), ApiError> {
    let i = st.write(auth, move |api| api.create_user(b)).await?;
    Ok((StatusCode::CREATED, Json(i)))
}

/// The tokens the caller may see (names, owners, dates; never the tokens).
#[utoipa::path(get, path = "/v1/tokens", tag = "access",
    responses((status = 200, body = Vec<TokenInfo>), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn list_tokens(State(st): State<AppState>, auth: Auth) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    st.read(auth, move |api| api.list_tokens()).await.map(Json)
}

/// Create a named token; the response holds it this once. A token created with a token never
/// outlives it (a missing or later `expires_in` is capped, and `notice` says so); a flight
/// run's token may not create tokens (403).
#[utoipa::path(post, path = "/v1/tokens", tag = "access", request_body = TokenBody,
    responses((status = 201, body = TokenCreated), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn create_token(
    State(st): State<AppState>,
    auth: Auth,
    JsonBody(b): JsonBody<TokenBody>,
) -> Result<(StatusCode, Json<TokenCreated>), ApiError> {
    b.expires_in_ms()?;
    let t = st.write(auth, move |api| api.create_token(b)).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// Revoke a token and every token below it (created with it, transitively): they stop
/// working on the next request; `revoked_with` names the tokens below it.
#[utoipa::path(delete, path = "/v1/tokens/{token}", tag = "access",
    params(("token" = String, Path, description = "The token's name")),
    responses((status = 200, body = TokenInfo), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn revoke_token(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
) -> Result<Json<TokenInfo>, ApiError> {
    let name = names.one();
    st.write(auth, move |api| api.revoke_token(&name)).await.map(Json)
}
