//! The web page's state: its settings, the service, the API factory, the sessions and the
//! sign-in limiter.

use crate::session::{Session, SessionStore, SignInLimiter};
use coffer_api::Local;
use coffer_core::{Caller, CoreError, Service};
use std::sync::Arc;
use std::time::Duration;

/// Builds the API as a caller: the server's own `Local`, with its SQL and flight runners.
pub type ApiFactory = Arc<dyn Fn(Caller) -> Local + Send + Sync>;

/// Whether session cookies are marked `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookieSecurity {
    /// When the request came over https: a proxy in front says so with `X-Forwarded-Proto:
    /// https` or `Forwarded: proto=https` (coffer serve itself speaks plain HTTP).
    #[default]
    Auto,
    /// Always (a deployment that is only ever reached over https).
    Always,
}

/// How the web page behaves.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// A session ends after this long without a request.
    pub idle: Duration,
    /// A session ends this long after sign-in, whatever happens.
    pub absolute: Duration,
    /// Whether cookies are `Secure`.
    pub cookies: CookieSecurity,
    /// Failed sign-ins allowed per client address in [`WebConfig::sign_in_window`].
    pub sign_in_limit: usize,
    /// The window of [`WebConfig::sign_in_limit`].
    pub sign_in_window: Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(12 * 3600),
            cookies: CookieSecurity::Auto,
            sign_in_limit: 10,
            sign_in_window: Duration::from_secs(5 * 60),
        }
    }
}

/// What the pages share: the service (to authenticate), the API factory, the sessions.
#[derive(Clone)]
pub struct WebState {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) service: Arc<Service>,
    pub(crate) api: ApiFactory,
    pub(crate) sessions: SessionStore,
    pub(crate) limiter: SignInLimiter,
    pub(crate) config: WebConfig,
}

impl WebState {
    /// The web page over `service`, calling the API built by `api`.
    pub fn new(service: Arc<Service>, api: ApiFactory, config: WebConfig) -> Self {
        WebState {
            inner: Arc::new(Inner {
                service,
                api,
                sessions: SessionStore::new(config.idle, config.absolute),
                limiter: SignInLimiter::new(config.sign_in_limit, config.sign_in_window),
                config,
            }),
        }
    }

    /// Ends idle and expired sessions and revokes their tokens (the server calls this every
    /// minute; a request to an ended session does the same for that session).
    pub async fn sweep(&self) {
        let gone = self.inner.sessions.sweep();
        if !gone.is_empty() {
            self.revoke(gone).await;
        }
    }

    /// Revokes the tokens of ended sessions (failures are logged: the token expires anyway).
    pub(crate) async fn revoke(&self, sessions: Vec<Arc<Session>>) {
        let service = self.inner.service.clone();
        let done = tokio::task::spawn_blocking(move || {
            for s in sessions {
                let result = service
                    .authenticate(s.token.expose_secret(), "local")
                    .and_then(|caller| service.revoke_token(&caller, &s.token_name));
                match result {
                    Ok(_) | Err(CoreError::Unauthenticated(_)) => {}
                    Err(e) => tracing::warn!("cannot revoke the token of an ended web session: {e}"),
                }
            }
        })
        .await;
        if let Err(e) = done {
            tracing::warn!("revoking ended web sessions failed: {e}");
        }
    }
}
