//! The server's state and the two ways a handler calls the API, as the token's identity:
//! [`AppState::read`] on the request's own thread, [`AppState::write`] on tokio's blocking
//! pool. Either hands the handler a [`Local`] over the service.

use crate::error::{sql_error_body, ApiError};
use crate::extract::Auth;
use coffer_api::{Local, PlainSql, SqlRunner};
use coffer_core::{Caller, Service};
use std::sync::Arc;

/// How `/mcp` is served.
#[derive(Clone)]
pub(crate) struct McpConfig {
    pub read_only: bool,
    pub stop: coffer_mcp::CancellationToken,
}

/// The server's state: the application layer, the SQL runner and the flight runner.
#[derive(Clone)]
pub struct AppState {
    pub(crate) service: Arc<Service>,
    pub(crate) sql: Arc<dyn SqlRunner>,
    pub(crate) flights: Option<Arc<coffer_flights::Runner>>,
    pub(crate) mcp: McpConfig,
    /// The web page at `/`, when served.
    pub(crate) web: Option<coffer_web::WebConfig>,
}

impl AppState {
    /// State over `service`, with the SQL front alone for `/sql` and no flight runner
    /// (starting a run answers 503 `unavailable`).
    pub fn new(service: Arc<Service>) -> Self {
        AppState {
            service,
            sql: Arc::new(PlainSql),
            flights: None,
            mcp: McpConfig {
                read_only: false,
                stop: coffer_mcp::CancellationToken::new(),
            },
            web: Some(coffer_web::WebConfig::default()),
        }
    }

    /// Serves the web page at `/` with `config`, or not at all (`None`).
    pub fn with_web(mut self, config: Option<coffer_web::WebConfig>) -> Self {
        self.web = config;
        self
    }

    /// The web page's state over this server's API, when it is served.
    pub(crate) fn web_state(&self) -> Option<coffer_web::WebState> {
        let config = self.web.clone()?;
        let state = self.clone();
        Some(coffer_web::WebState::new(
            self.service.clone(),
            Arc::new(move |caller| state.api(caller)),
            config,
        ))
    }

    /// Runs `/sql` with `runner` (the binary's runner adds the embedded DuckDB).
    pub fn with_sql(mut self, runner: Arc<dyn SqlRunner>) -> Self {
        self.sql = runner;
        self
    }

    /// Runs the flights started with `POST .../flights/{flight}/runs` on `runner`, in this
    /// process (each run on its own thread).
    pub fn with_flights(mut self, runner: Arc<coffer_flights::Runner>) -> Self {
        self.flights = Some(runner);
        self
    }

    /// Offers only the MCP tools that change nothing on `/mcp` (`coffer serve --mcp-read-only`).
    pub fn with_mcp_read_only(mut self, read_only: bool) -> Self {
        self.mcp.read_only = read_only;
        self
    }

    /// The API as `caller`: starting runs on the flight runner, running `/sql` with the SQL
    /// runner, statement errors that are not for the client logged (see [`sql_error_body`]).
    pub(crate) fn api(&self, caller: Caller) -> Local {
        let api = Local::new(self.service.clone(), caller)
            .with_sql(self.sql.clone())
            .with_sql_errors(sql_error_body);
        match &self.flights {
            Some(runner) => api.spawning_flights(runner.clone()),
            None => api,
        }
    }

    /// Authenticates `auth` and runs `f` on the blocking pool: for requests that write (a
    /// commit waits for the disk) or hand out values (their audit events are committed first).
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        auth: Auth,
        f: impl FnOnce(&Local) -> coffer_api::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = self.clone();
        blocking(move || {
            let caller = state.service.authenticate(auth.token.expose_secret(), &auth.client)?;
            f(&state.api(caller))
        })
        .await
    }

    /// Authenticates `auth` and runs `f` right here: for reads, which are answered from the
    /// service's caches or a pooled read connection and never wait for a commit (WAL readers do
    /// not block on the writer). On PostgreSQL a read waits for one round trip (the generation
    /// check), which holds this worker for its duration; measured, that is still better than
    /// the blocking pool: with reads there, a node on the 2-core benchmark machine did 14-17 k
    /// instead of 10 k req/s but its p99 went from 4 ms to 13-354 ms, and two nodes' to 909 ms
    /// (scripts/bench_nodes.sh).
    pub(crate) async fn read<T>(
        &self,
        auth: Auth,
        f: impl FnOnce(&Local) -> coffer_api::Result<T>,
    ) -> Result<T, ApiError> {
        let _scope = self.service.read_scope()?;
        let caller = self.service.authenticate(auth.token.expose_secret(), &auth.client)?;
        f(&self.api(caller)).map_err(ApiError::from)
    }
}

/// Runs `run` on tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    run: impl FnOnce() -> coffer_api::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(run).await {
        Ok(r) => r.map_err(ApiError::from),
        // A handler that panicked: its panic is the cause, for the log.
        Err(e) => Err(ApiError::internal(e)),
    }
}
