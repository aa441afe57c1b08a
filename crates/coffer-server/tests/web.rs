//! The server mounts the web page at `/` next to the API, unless it is turned off
//! (`coffer serve --no-web`): then `/` and the page's routes are the API's JSON 404.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use coffer_core::Service;
use coffer_crypto::LocalKeyFile;
use coffer_server::AppState;
use coffer_store_sqlite::SqliteStore;
use std::sync::Arc;
use tower::ServiceExt as _;

async fn get(router: &axum::Router, path: &str) -> (StatusCode, String, String) {
    let r = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let status = r.status();
    let ty = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.expect("body");
    (status, ty, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn the_web_page_is_served_beside_the_api_unless_turned_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (keyring, _) = LocalKeyFile::open_or_create(&dir.path().join("master.key")).expect("key");
    let store = SqliteStore::open(&dir.path().join("coffer.db")).expect("db");
    let service = Arc::new(Service::new(Box::new(store), Box::new(keyring)));

    let on = coffer_server::router(AppState::new(Arc::clone(&service)));
    let (status, ty, body) = get(&on, "/signin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ty.starts_with("text/html"), "{ty}");
    assert!(body.contains("Access token"));
    assert_eq!(get(&on, "/").await.0, StatusCode::SEE_OTHER, "to the sign-in page");
    let (status, ty, _) = get(&on, "/healthz").await;
    assert_eq!(
        (status, ty.as_str()),
        (StatusCode::OK, "application/json"),
        "the API is unchanged"
    );
    let (status, ty, _) = get(&on, "/no/such/page").await;
    assert_eq!((status, ty.as_str()), (StatusCode::NOT_FOUND, "application/json"));

    let off = coffer_server::router(AppState::new(Arc::clone(&service)).with_web(None));
    for path in ["/", "/signin", "/assets/app.css"] {
        let (status, ty, body) = get(&off, path).await;
        assert_eq!(
            (status, ty.as_str()),
            (StatusCode::NOT_FOUND, "application/json"),
            "{path}: {body}"
        );
    }
    assert_eq!(get(&off, "/healthz").await.0, StatusCode::OK);
}
