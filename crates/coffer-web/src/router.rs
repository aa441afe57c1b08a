//! The web page's routes and the headers every one of its responses carries.

use crate::state::WebState;
use crate::{assets, flights, members, pages, runs, secrets, signin};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

/// The policy of every page: scripts and styles from this server only, never inline; no frame;
/// forms post here only; the event stream and fetches go here only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The web page's routes, with their state; merge it into the server's router.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/signin", get(signin::form).post(signin::sign_in))
        .route("/signout", post(signin::sign_out))
        .route("/switch", get(pages::switch))
        .route("/projects", get(pages::projects).post(pages::create_project))
        .route("/tokens", get(members::tokens).post(members::create_token))
        .route("/tokens/{token}/revoke", post(members::revoke_token))
        .route("/p/{project}", get(pages::project_home))
        .route("/p/{project}/secrets", get(secrets::list).post(secrets::create))
        .route("/p/{project}/new/secret", get(secrets::new_form))
        .route("/p/{project}/secrets/{name}", get(secrets::show))
        .route("/p/{project}/secrets/{name}/replace", get(secrets::replace_form))
        .route("/p/{project}/secrets/{name}/rollback", post(secrets::rollback))
        .route(
            "/p/{project}/secrets/{name}/drop",
            get(secrets::drop_form).post(secrets::drop),
        )
        .route("/p/{project}/flights", get(flights::list).post(flights::create))
        .route("/p/{project}/new/flight", get(flights::new_form))
        .route("/p/{project}/flights/{flight}", get(flights::show))
        .route(
            "/p/{project}/flights/{flight}/edit",
            get(flights::edit_form).post(flights::update),
        )
        .route(
            "/p/{project}/flights/{flight}/delete",
            get(flights::delete_form).post(flights::delete),
        )
        .route(
            "/p/{project}/flights/{flight}/versions/{version}",
            get(flights::version),
        )
        .route("/p/{project}/flights/{flight}/run", post(runs::start))
        .route("/p/{project}/flights/{flight}/runs/{run}", get(runs::show))
        .route("/p/{project}/flights/{flight}/runs/{run}/events", get(runs::events))
        .route("/p/{project}/flights/{flight}/runs/{run}/cancel", post(runs::cancel))
        .route("/p/{project}/audit", get(pages::audit))
        .route("/p/{project}/members", get(members::members).post(members::grant))
        .route("/p/{project}/members/{identity}/revoke", post(members::revoke))
        .route("/p/{project}/service-accounts", post(members::create_service_account))
        .route("/assets/app.css", get(assets::css))
        .route("/assets/app.js", get(assets::js))
        .route("/assets/favicon.svg", get(assets::icon))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// The headers of every web response. Pages are never cached (they show data); the assets keep
/// their own long-lived `Cache-Control`.
async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}
