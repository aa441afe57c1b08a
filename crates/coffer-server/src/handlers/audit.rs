//! The audit log.

use crate::error::ApiError;
use crate::extract::{Auth, Q};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use coffer_api::types::{AuditQuery, ErrorBody};
use coffer_api::CofferApi;
use coffer_core::AuditInfo;

/// Audit events, oldest first (a project's admins; superusers for all projects).
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditInfo>), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn list_audit(
    State(st): State<AppState>,
    auth: Auth,
    Q(q): Q<AuditQuery>,
) -> Result<Json<Vec<AuditInfo>>, ApiError> {
    q.since_ms()?;
    q.window_ms()?;
    st.read(auth, move |api| api.list_audit(q)).await.map(Json)
}
