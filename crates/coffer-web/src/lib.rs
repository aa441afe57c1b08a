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

mod assets;
mod chrome;
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
mod state;

pub use router::{router, CONTENT_SECURITY_POLICY};
pub use state::{ApiFactory, CookieSecurity, WebConfig, WebState};
