//! A signed-in request: its session (from the cookie), the client's address, and the API as
//! the session's identity ([`Ctx::call`]), with the page chrome (projects, the role in the
//! current one) loaded in the same call.

use crate::chrome::{Chrome, Level};
use crate::session::{Ended, Session};
use crate::state::WebState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use coffer_api::{CofferApi, Local};
use coffer_core::CoreError;
use std::net::SocketAddr;
use std::sync::Arc;

/// The session cookie's name over https (`__Host-`: Secure, path `/`, no domain).
pub(crate) const SECURE_COOKIE: &str = "__Host-coffer_session";
/// The session cookie's name over plain HTTP.
pub(crate) const COOKIE: &str = "coffer_session";

/// A signed-in request.
pub(crate) struct Ctx {
    pub state: WebState,
    pub session: Arc<Session>,
    pub client: String,
    /// The session cookie's value.
    pub cookie: String,
}

/// The client's address and whether the request came over https.
pub(crate) fn client_of(parts: &Parts) -> (String, bool) {
    let client = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    (client, came_over_https(&parts.headers))
}

fn came_over_https(h: &HeaderMap) -> bool {
    let proto = h
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .next()
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
        });
    let forwarded = h.get(header::FORWARDED).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split([';', ','])
            .any(|kv| kv.trim().eq_ignore_ascii_case("proto=https"))
    });
    proto || forwarded
}

/// The session cookie's value, under either name.
pub(crate) fn session_cookie(h: &HeaderMap) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE || *k == SECURE_COOKIE)
        .map(|(_, v)| v.trim().to_string())
}

/// Where a request without a session goes: the sign-in page, back here afterwards.
pub(crate) fn to_sign_in(parts: &Parts, ended: Option<Ended>) -> Response {
    let next = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let mut url = format!("/signin?next={}", crate::format::enc(&next));
    match ended {
        Some(Ended::Idle) => url.push_str("&ended=idle"),
        Some(Ended::Expired) => url.push_str("&ended=expired"),
        Some(Ended::Unknown) => url.push_str("&ended=unknown"),
        None => {}
    }
    Redirect::to(&url).into_response()
}

impl FromRequestParts<WebState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let (client, _) = client_of(parts);
        let Some(id) = session_cookie(&parts.headers) else {
            return Err(to_sign_in(parts, None));
        };
        match state.inner.sessions.get(&id) {
            Ok(session) => Ok(Ctx {
                state: state.clone(),
                session,
                client,
                cookie: id,
            }),
            Err((why, gone)) => {
                if let Some(s) = gone {
                    state.revoke(vec![s]).await;
                }
                Err(to_sign_in(parts, Some(why)))
            }
        }
    }
}

/// Why a page could not be shown.
pub(crate) enum PageError {
    /// The session's token stopped working (revoked, expired): sign in again.
    SignedOut(String),
    /// The API refused or failed.
    Api(coffer_api::Error),
    /// A bad request of the page itself (a path that names nothing).
    Status(StatusCode, String),
}

impl From<coffer_api::Error> for PageError {
    fn from(e: coffer_api::Error) -> Self {
        match &e {
            coffer_api::Error::Core(CoreError::Unauthenticated(m)) => PageError::SignedOut(m.clone()),
            _ => PageError::Api(e),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignedOut(why) => {
                let url = format!("/signin?reason={}", crate::format::enc(&why));
                Redirect::to(&url).into_response()
            }
            PageError::Api(e) => {
                let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                if status.is_server_error() {
                    tracing::error!("web page: {e}");
                }
                let text = crate::format::error_text(&e);
                crate::layout::error_page(status, &text).into_response()
            }
            PageError::Status(status, text) => crate::layout::error_page(status, &text).into_response(),
        }
    }
}

impl Ctx {
    /// Runs `f` with the API as the session's identity, on the blocking pool, and loads the
    /// chrome for `project` in the same call. A session whose token stopped working is ended.
    pub async fn page<T: Send + 'static>(
        &self,
        project: Option<&str>,
        f: impl FnOnce(&Local) -> coffer_api::Result<T> + Send + 'static,
    ) -> Result<(Chrome, T), PageError> {
        let project = project.map(str::to_string);
        let session = self.session.clone();
        let r = self
            .call(move |api| {
                let who = api.whoami()?;
                let projects = api.list_projects()?;
                let level = match &project {
                    Some(p) => projects
                        .iter()
                        .find(|i| i.name.eq_ignore_ascii_case(p))
                        .map_or(Level::None, |i| Level::of(&i.role)),
                    None => Level::None,
                };
                let value = f(api)?;
                let chrome = Chrome {
                    identity: who.name,
                    superuser: who.superuser,
                    csrf: session.csrf.clone(),
                    projects,
                    project,
                    level,
                    flash: session.take_flash(),
                };
                Ok((chrome, value))
            })
            .await?;
        Ok(r)
    }

    /// Runs `f` with the API as the session's identity, on the blocking pool.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Local) -> coffer_api::Result<T> + Send + 'static,
    ) -> Result<T, PageError> {
        let state = self.state.clone();
        let session = self.session.clone();
        let client = self.client.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let caller = state
                .inner
                .service
                .authenticate(session.token.expose_secret(), &client)
                .map_err(coffer_api::Error::from)?;
            let api = (state.inner.api)(caller);
            f(&api)
        })
        .await;
        match joined {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                let e = PageError::from(e);
                if let PageError::SignedOut(_) = e {
                    // The token was revoked or expired: the session is over.
                    self.state.inner.sessions.end(&self.cookie);
                }
                Err(e)
            }
            Err(e) => Err(PageError::Status(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the request failed inside the server: {e}"),
            )),
        }
    }
}
