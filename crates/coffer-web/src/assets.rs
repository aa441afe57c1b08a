//! The stylesheet and the script, compiled into the binary and served with a version in their
//! URL (the first bytes of their SHA-256), so browsers may keep them for a year.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest as _, Sha256};
use std::sync::OnceLock;

const CSS: &str = include_str!("../assets/app.css");
const JS: &str = include_str!("../assets/app.js");
const ICON: &str = include_str!("../assets/favicon.svg");

fn version(content: &str) -> String {
    hex::encode(&Sha256::digest(content.as_bytes())[..6])
}

/// The stylesheet's URL.
pub(crate) fn css_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/assets/app.css?v={}", version(CSS)))
}

/// The script's URL.
pub(crate) fn js_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/assets/app.js?v={}", version(JS)))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

pub(crate) async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

/// The icon's URL (browsers ask for `/favicon.ico` without one).
pub(crate) fn icon_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/assets/favicon.svg?v={}", version(ICON)))
}

pub(crate) async fn icon() -> Response {
    asset("image/svg+xml", ICON)
}
