//! The audit log.

use crate::api::{parse_duration_ms, AuditQuery, ErrorBody};
use crate::error::ApiError;
use crate::extract::{Auth, Q};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use coffer_core::{AuditFilter, AuditInfo};

/// Audit events, oldest first (a project's admins; superusers for all projects).
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditInfo>), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn list_audit(
    State(st): State<AppState>,
    auth: Auth,
    Q(q): Q<AuditQuery>,
) -> Result<Json<Vec<AuditInfo>>, ApiError> {
    let since = match &q.since {
        Some(s) => {
            let ms = parse_duration_ms("since", s)
                .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, "invalid", m).with_field("since"))?;
            let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
            Some(i64::try_from(now).unwrap_or(i64::MAX).saturating_sub(ms))
        }
        None => None,
    };
    let filter = AuditFilter {
        project: q.project,
        object: q.secret.map(|n| format!("secret:{n}")),
        actor: q.actor,
        since,
        limit: Some(q.limit.unwrap_or(1000) as usize),
    };
    st.read(auth, move |s, c| s.list_audit(&c, &filter)).await.map(Json)
}
