//! The server itself: liveness and who a token belongs to.

use crate::error::ApiError;
use crate::extract::Auth;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use coffer_api::types::{ErrorBody, Health, WhoAmI};
use coffer_api::CofferApi;

/// Liveness, without authentication.
#[utoipa::path(get, path = "/healthz", tag = "server", security(()),
    responses((status = 200, body = Health)))]
pub(crate) async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/v1/whoami", tag = "server",
    responses((status = 200, body = WhoAmI), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn whoami(State(st): State<AppState>, auth: Auth) -> Result<Json<WhoAmI>, ApiError> {
    st.read(auth, |api| api.whoami()).await.map(Json)
}
