//! Key-encryption keys: usage and rotation.

use crate::error::ApiError;
use crate::extract::Auth;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use coffer_api::types::ErrorBody;
use coffer_api::CofferApi;

/// How many stored data keys each key-encryption key wraps (superusers).
#[utoipa::path(get, path = "/v1/keys", tag = "keys",
    responses((status = 200, body = Vec<coffer_core::KeyUsage>), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn key_status(
    State(st): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<coffer_core::KeyUsage>>, ApiError> {
    st.read(auth, move |api| api.key_status()).await.map(Json)
}

/// Rotate the key-encryption key and wrap every stored data key again, while the server keeps
/// serving (superusers). Running it again finishes an interrupted rotation.
#[utoipa::path(post, path = "/v1/keys/rotate", tag = "keys",
    responses((status = 200, body = coffer_core::RotationReport), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn rotate_keys(
    State(st): State<AppState>,
    auth: Auth,
) -> Result<Json<coffer_core::RotationReport>, ApiError> {
    st.write(auth, move |api| api.rotate_keys()).await.map(Json)
}
