//! coffer's web page, served by `coffer serve` next to the HTTP API: sign-in with an access
//! token, then projects, secrets, flights, runs, the audit log, members and tokens.
//!
//! Server-rendered HTML (maud) with one stylesheet and one small script compiled into the
//! binary; every page works without the script (it adds the copy button, a run's live log and
//! confirmations). Every call goes through [`coffer_api::Local`] as the session's identity, so
//! roles are the HTTP API's: the page offers what a role may do, the service enforces it.
//!
//! Sessions ([`session`]): an HttpOnly, SameSite=Strict cookie naming a server-side session that
//! holds its own access token, a child of the sign-in token; idle and absolute expiry; a CSRF
//! token on every form; failed sign-ins audited and rate-limited per client address. Every
//! response carries a strict Content-Security-Policy (no inline script or style),
//! `frame-ancestors 'none'`, `Referrer-Policy: no-referrer` and `Cache-Control: no-store`.

use coffer_api::Local;
use coffer_core::{Caller, Service};
use std::sync::Arc;
use std::time::Duration;

mod assets;
mod ctx;
mod fields;
mod flights;
mod form;
mod format;
mod layout;
mod members;
mod pages;
mod router;
mod runs;
mod secrets;
pub mod session;
mod signin;

pub use router::{router, CONTENT_SECURITY_POLICY};

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
    pub(crate) sessions: session::Sessions,
    pub(crate) limiter: session::SignInLimiter,
    pub(crate) config: WebConfig,
}

impl WebState {
    /// The web page over `service`, calling the API built by `api`.
    pub fn new(service: Arc<Service>, api: ApiFactory, config: WebConfig) -> Self {
        WebState {
            inner: Arc::new(Inner {
                service,
                api,
                sessions: session::Sessions::new(config.idle, config.absolute),
                limiter: session::SignInLimiter::new(config.sign_in_limit, config.sign_in_window),
                config,
            }),
        }
    }

    /// Ends idle and expired sessions and revokes their tokens (the server calls this every
    /// minute; a request to an ended session does the same for that session).
    pub async fn sweep(&self) {
        let gone = self.inner.sessions.sweep();
        if !gone.is_empty() {
            ctx::revoke(self, gone).await;
        }
    }
}
