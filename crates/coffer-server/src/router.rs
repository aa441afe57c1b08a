//! The axum [`Router`]: every route and its handler, the body limit, JSON errors for unknown
//! routes and methods, and [`serve`], which runs it until shutdown.

use crate::error::ApiError;
use crate::extract::BODY_LIMIT;
use crate::handlers::{access, audit, flights, keys, projects, secrets, server, sources, sql};
use crate::openapi::openapi;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use std::future::Future;
use std::net::SocketAddr;

/// The router with every route, the body limit and JSON errors for unknown routes, and the web
/// page at `/` unless it is turned off.
pub fn router(state: AppState) -> Router {
    build(state).0
}

/// [`router`], and the web page's state (for its session sweeps) when it is served.
fn build(state: AppState) -> (Router, Option<coffer_web::WebState>) {
    let web = state.web_state();
    let api = api_router(state);
    match web {
        Some(w) => (api.merge(coffer_web::router(w.clone())), Some(w)),
        None => (api, None),
    }
}

fn api_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(server::health))
        .route("/openapi.json", get(openapi_json))
        .route("/v1/whoami", get(server::whoami))
        .route(
            "/v1/projects",
            get(projects::list_projects).post(projects::create_project),
        )
        .route("/v1/projects/{project}", delete(projects::delete_project))
        .route(
            "/v1/projects/{project}/secrets",
            get(secrets::list_secrets).post(secrets::create_secret),
        )
        .route(
            "/v1/projects/{project}/secrets/{name}",
            get(secrets::show_secret).delete(secrets::drop_secret),
        )
        .route(
            "/v1/projects/{project}/secrets/{name}/versions",
            get(secrets::secret_history),
        )
        .route(
            "/v1/projects/{project}/secrets/{name}/rollback",
            post(secrets::rollback_secret),
        )
        .route(
            "/v1/projects/{project}/sources",
            get(sources::list_sources).post(sources::create_source),
        )
        .route(
            "/v1/projects/{project}/sources/{name}",
            get(sources::show_source).delete(sources::drop_source),
        )
        .route("/v1/projects/{project}/which", get(secrets::which_secret))
        .route("/v1/projects/{project}/env", post(secrets::resolve_env))
        .route("/v1/projects/{project}/sql", post(sql::run_sql))
        .route("/v1/projects/{project}/members", get(access::list_members))
        .route(
            "/v1/projects/{project}/members/{identity}",
            put(access::grant).delete(access::revoke_grant),
        )
        .route(
            "/v1/projects/{project}/service-accounts",
            post(access::create_service_account),
        )
        .route("/v1/identities", get(access::list_identities))
        .route("/v1/users", post(access::create_user))
        .route("/v1/tokens", get(access::list_tokens).post(access::create_token))
        .route("/v1/tokens/{token}", delete(access::revoke_token))
        .route("/v1/audit", get(audit::list_audit))
        .route("/v1/keys", get(keys::key_status))
        .route("/v1/keys/rotate", post(keys::rotate_keys))
        .route(
            "/v1/projects/{project}/flights",
            get(flights::list_flights).post(flights::create_flight),
        )
        .route(
            "/v1/projects/{project}/flights/{flight}",
            get(flights::show_flight)
                .patch(flights::update_flight)
                .delete(flights::delete_flight),
        )
        .route(
            "/v1/projects/{project}/flights/{flight}/versions",
            get(flights::list_flight_versions),
        )
        .route(
            "/v1/projects/{project}/flights/{flight}/versions/{version}",
            get(flights::show_flight_version),
        )
        .route(
            "/v1/projects/{project}/flights/{flight}/runs",
            get(flights::list_runs).post(flights::run_flight),
        )
        .route(
            "/v1/projects/{project}/flights/{flight}/runs/{run}",
            get(flights::show_run),
        )
        .route(
            "/v1/projects/{project}/flights/{flight}/runs/{run}/logs",
            get(flights::run_logs),
        )
        .route(
            "/v1/projects/{project}/flights/{flight}/runs/{run}/cancel",
            post(flights::cancel_run),
        )
        .merge(
            Router::new()
                .route_service("/mcp", crate::mcp::service(&state, &state.mcp))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    crate::mcp::authenticate,
                )),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; see /openapi.json",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method; see /openapi.json",
    )
}

/// Serves `router(state)` on `listener` until `shutdown` completes; requests in flight then
/// finish before this returns.
///
/// # Errors
/// The listener's I/O errors.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Open MCP streams end with the server, or the graceful shutdown would wait for them.
    let mcp = state.mcp.stop.clone();
    let shutdown = async move {
        shutdown.await;
        mcp.cancel();
    };
    // No Nagle delay: an MCP answer is an event stream written in several pieces, and a client
    // that waits for the last one would otherwise wait for the delayed ACK (about 40 ms).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {e}");
        }
    });
    let (router, web) = build(state);
    // Idle and expired web sessions end (and their tokens are revoked) within a minute.
    let sweeper = web.map(|w| {
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
                w.sweep().await;
            }
        })
    });
    let served = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(s) = sweeper {
        s.abort();
    }
    served
}

async fn openapi_json() -> impl IntoResponse {
    Json(openapi())
}
