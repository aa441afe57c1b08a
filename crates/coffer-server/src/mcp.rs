//! `/mcp`: coffer's MCP tools over Streamable HTTP, behind the API's bearer tokens. Every
//! request is authenticated before the MCP layer sees it (no token: 401, as on `/v1`), and
//! each tool call acts as that request's identity through the same [`Local`] API as the
//! handlers, so roles apply exactly as on the HTTP API.

use crate::extract::{Auth, BODY_LIMIT};
use crate::state::{AppState, McpConfig};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use coffer_api::CofferApi;
use coffer_core::Caller;
use std::sync::Arc;

/// The tools' way into coffer: the caller authentication put in the request's extensions.
struct ServerBackend {
    state: AppState,
}

impl coffer_mcp::Backend for ServerBackend {
    fn api(&self, head: Option<&http::request::Parts>) -> coffer_api::Result<Arc<dyn CofferApi + Send + Sync>> {
        let caller = head
            .and_then(|h| h.extensions.get::<Caller>())
            .cloned()
            .ok_or_else(|| {
                coffer_api::Error::Core(coffer_core::CoreError::Unauthenticated(
                    "this MCP request carries no authenticated identity".into(),
                ))
            })?;
        Ok(Arc::new(self.state.api(caller)))
    }

    fn masker(&self, project: &str) -> coffer_api::Result<Option<Arc<coffer_model::mask::Masker>>> {
        Ok(Some(self.state.service.output_masker(project)?))
    }
}

/// The `/mcp` service over `state`.
pub(crate) fn service(state: &AppState, config: &McpConfig) -> coffer_mcp::HttpService {
    coffer_mcp::http_service(
        Arc::new(ServerBackend { state: state.clone() }),
        coffer_mcp::Options {
            read_only: config.read_only,
            project: "default".into(),
        },
        BODY_LIMIT,
        config.stop.clone(),
    )
}

/// Authenticates every `/mcp` request with its bearer token and hands the caller on.
pub(crate) async fn authenticate(State(state): State<AppState>, auth: Auth, mut req: Request, next: Next) -> Response {
    let caller = match state.service.authenticate(auth.token.expose_secret(), &auth.client) {
        Ok(c) => c,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    req.extensions_mut().insert(caller);
    next.run(req).await
}
