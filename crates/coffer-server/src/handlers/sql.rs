//! `/sql`: a script run by the server's [`crate::SqlRunner`], one result per statement.

use crate::error::ApiError;
use crate::extract::{Auth, JsonBody, Names};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use coffer_api::types::{ErrorBody, SqlBody, SqlResponse};
use coffer_api::CofferApi;

/// Run SQL as `coffer sql` does: DuckDB's CREATE/DROP SECRET, duckdb_secrets(),
/// which_secret(), pg_duckdb's duckdb.secrets, md_access_tokens(); other statements run on the
/// project's embedded DuckDB (role `use`, audited) when the server has one. Statement errors
/// are in the results, each with the exit code `coffer sql` gives it (a failure of the store,
/// the keyring or the audit log as a generic message with the request id of its log line).
#[utoipa::path(post, path = "/v1/projects/{project}/sql", tag = "sql",
    params(("project" = String, Path)), request_body = SqlBody,
    responses((status = 200, body = SqlResponse), (status = "4XX", body = ErrorBody)))]
pub(crate) async fn run_sql(
    State(st): State<AppState>,
    auth: Auth,
    names: Names,
    JsonBody(b): JsonBody<SqlBody>,
) -> Result<Json<SqlResponse>, ApiError> {
    let project = names.one();
    st.write(auth, move |api| api.run_sql(&project, b)).await.map(Json)
}
