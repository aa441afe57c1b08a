//! The accept loop and each connection's life: its handlers, a watchdog that closes it when
//! idle or when its token stops working (and stops its statement when the client is gone), its
//! temporary secrets dropped and its count released at its end.

use crate::auth::TokenAuth;
use crate::conn::{lock, Conn};
use crate::endpoint::PgEndpoint;
use crate::query::Queries;
use coffer_model::scope::Storage;
use pgwire::api::auth::cleartext::CleartextPasswordAuthStartupHandler;
use pgwire::api::auth::{DefaultServerParameterProvider, StartupHandler};
use pgwire::api::cancel::CancelHandler;
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::{PgWireServerHandlers, PidSecretKeyGenerator};
use pgwire::messages::cancel::CancelRequest;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// How often a connection's watchdog looks at its idle time and its token.
const WATCH_EVERY: Duration = Duration::from_secs(2);

impl PgEndpoint {
    /// Serves connections from `listener` until `shutdown` completes.
    ///
    /// # Errors
    /// The listener's errors.
    pub async fn serve(
        self: Arc<Self>,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        tokio::pin!(shutdown);
        loop {
            let (socket, peer) = tokio::select! {
                () = &mut shutdown => return Ok(()),
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!("pg endpoint: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let endpoint = Arc::clone(&self);
            tokio::spawn(async move { endpoint.connection(socket, peer).await });
        }
    }

    async fn connection(self: Arc<Self>, socket: TcpStream, peer: std::net::SocketAddr) {
        let _ = socket.set_nodelay(true);
        // A second handle on the socket, for the watchdog to shut it down.
        let (socket, handle) = match socket.into_std().and_then(|s| s.try_clone().map(|c| (s, c))) {
            Ok((s, c)) => match TcpStream::from_std(s) {
                Ok(s) => (s, c),
                Err(e) => return tracing::warn!("pg endpoint: {e}"),
            },
            Err(e) => return tracing::warn!("pg endpoint: {e}"),
        };
        let conn = Arc::new(Conn::new(peer));
        let handlers = Handlers::new(Arc::clone(&self), Arc::clone(&conn));
        let watchdog = tokio::spawn(watch(Arc::clone(&self), Arc::clone(&conn), handle));
        if let Err(e) = pgwire::tokio::process_socket(socket, self.tls.clone(), handlers).await {
            tracing::debug!("pg connection from {peer} ended: {e}");
        }
        watchdog.abort();
        self.finish(&conn).await;
    }

    /// A connection's end: its temporary secrets are dropped, its count released.
    async fn finish(&self, conn: &Conn) {
        if let Some(pid) = *lock(&conn.pid) {
            self.unregister(pid);
        }
        let Some((caller, _, project)) = conn.login() else {
            return;
        };
        let temporary = std::mem::take(&mut conn.session().temporary);
        if !temporary.is_empty() {
            let service = self.backend.service.clone();
            let (c, p) = (caller.clone(), project.clone());
            let dropped = tokio::task::spawn_blocking(move || {
                for name in temporary {
                    if let Err(e) = service.drop_secret(&c, &p, &name, true, Some(Storage::Memory)) {
                        tracing::warn!(
                            "pg endpoint: cannot drop the temporary secret '{name}' of a closed connection: {e}"
                        );
                    }
                }
            })
            .await;
            if let Err(e) = dropped {
                tracing::warn!("pg endpoint: {e}");
            }
        }
        self.release(&caller.name);
    }
}
/// Closes the connection when it has been idle too long or its token stopped working.
async fn watch(endpoint: Arc<PgEndpoint>, conn: Arc<Conn>, socket: std::net::TcpStream) {
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let idle = Instant::now().saturating_duration_since(*lock(&conn.last_active));
        // A client gone while its statement runs: the statement is stopped.
        if conn.running.load(Ordering::SeqCst) {
            let mut byte = [0u8; 1];
            let gone = matches!(socket.peek(&mut byte), Ok(0));
            if gone {
                endpoint.stop_statement(&conn).await;
            }
        }
        let mut end = idle >= endpoint.config.idle_timeout;
        if !end {
            if let Some((_, token, _)) = conn.login() {
                let service = endpoint.backend.service.clone();
                let client = conn.client.ip().to_string();
                let checked =
                    tokio::task::spawn_blocking(move || service.authenticate(token.expose_secret(), &client)).await;
                end = matches!(checked, Ok(Err(coffer_core::CoreError::Unauthenticated(_))));
            }
        }
        if end {
            let _ = socket.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
}

/// The handlers of one connection.
struct Handlers {
    startup: Arc<CleartextPasswordAuthStartupHandler<TokenAuth, DefaultServerParameterProvider>>,
    queries: Arc<Queries>,
    cancel: Arc<Cancel>,
}

/// Cancel requests (psql's Ctrl-C), which arrive on a connection of their own.
struct Cancel(Arc<PgEndpoint>);

#[async_trait::async_trait]
impl CancelHandler for Cancel {
    async fn on_cancel_request(&self, request: CancelRequest) {
        self.0.cancel(request.pid, &request.secret_key).await;
    }
}

impl Handlers {
    fn new(endpoint: Arc<PgEndpoint>, conn: Arc<Conn>) -> Self {
        let mut params = DefaultServerParameterProvider::default();
        params.server_version = format!("16.6 (coffer {})", env!("CARGO_PKG_VERSION"));
        params.time_zone = "UTC".into();
        let auth = TokenAuth {
            endpoint: Arc::clone(&endpoint),
            conn: Arc::clone(&conn),
        };
        Handlers {
            startup: Arc::new(
                CleartextPasswordAuthStartupHandler::new(auth, params)
                    .with_pid_secret_key_generator(Arc::clone(&endpoint.pids) as Arc<dyn PidSecretKeyGenerator>),
            ),
            queries: Arc::new(Queries::new(Arc::clone(&endpoint), conn)),
            cancel: Arc::new(Cancel(endpoint)),
        }
    }
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        Arc::clone(&self.queries)
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        Arc::clone(&self.queries)
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        Arc::clone(&self.startup)
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        Arc::clone(&self.cancel)
    }
}
