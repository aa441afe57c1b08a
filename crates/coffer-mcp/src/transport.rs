//! The two transports: stdio (`coffer mcp`) and Streamable HTTP (`/mcp` on `coffer serve`).

use crate::backend::Backend;
use crate::handler::{CofferMcp, Options};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::ServiceExt;
use std::sync::Arc;

/// The tower service that answers `/mcp`.
pub type HttpService = StreamableHttpService<CofferMcp, LocalSessionManager>;

/// Serves MCP on this process's stdin and stdout until the client closes them.
///
/// # Errors
/// The handshake failed or the transport broke.
pub async fn serve_stdio(backend: Arc<dyn Backend>, options: Options) -> std::io::Result<()> {
    let running = CofferMcp::new(backend, options)
        .serve(rmcp::transport::io::stdio_pipes())
        .await
        .map_err(|e| std::io::Error::other(format!("MCP handshake failed: {e}")))?;
    running
        .waiting()
        .await
        .map(drop)
        .map_err(|e| std::io::Error::other(format!("MCP session ended with an error: {e}")))
}

/// The Streamable HTTP service for `/mcp`, to mount behind the server's authentication: every
/// request's head (with what authentication put in its extensions) reaches
/// [`Backend::api`]. Host checks are left to the server (a bearer token is required on every
/// request, which a DNS-rebinding page cannot send); request bodies are capped at `body_limit`.
/// Cancelling `stop` ends every session and its open streams (the server's shutdown).
pub fn http_service(
    backend: Arc<dyn Backend>,
    options: Options,
    body_limit: usize,
    stop: tokio_util::sync::CancellationToken,
) -> HttpService {
    let config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .with_max_request_body_bytes(body_limit)
        .with_cancellation_token(stop);
    StreamableHttpService::new(
        move || Ok(CofferMcp::new(Arc::clone(&backend), options.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    )
}
