//! Server time and weight of the web page's pages with 1,000 secrets and 1,000 runs, next to
//! the same router answering a static page of the same size (the floor: routing, the security
//! headers, one body), in one run:
//!
//!     cargo bench -p coffer-web --bench pages [-- --requests N]
//!
//! Each page is asked N times (default 400) after 20 warm-up requests, one at a time, through
//! the router in this process with a signed-in session (every request authenticates the
//! session's token and calls the API, as a browser's request does); the times are from the
//! request to the last byte of the body. Weight: the HTML, plus the stylesheet, the script and
//! the icon the page loads (fetched once, cached for a year after).

use axum::body::Body;
use axum::http::{header, Request};
use coffer_api::types::{CreateSecretBody, FieldInput, FlightCreateBody, RunBody};
use coffer_api::{CofferApi, Local};
use coffer_core::Service;
use coffer_crypto::{LocalKeyFile, SecretString};
use coffer_store_sqlite::SqliteStore;
use coffer_web::{WebConfig, WebState};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt as _;

const SECRETS: usize = 1000;
const RUNS: usize = 1000;

fn main() {
    let requests: usize = std::env::args()
        .skip_while(|a| a != "--requests")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(requests));
}

async fn body_of(router: &axum::Router, path: &str, cookie: &str) -> (u16, Vec<u8>) {
    let req = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request");
    let r = router.clone().oneshot(req).await.expect("infallible");
    let status = r.status().as_u16();
    let bytes = axum::body::to_bytes(r.into_body(), 64 << 20).await.expect("body");
    (status, bytes.to_vec())
}

async fn run(requests: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (keyring, _) = LocalKeyFile::open_or_create(&dir.path().join("master.key")).expect("key");
    let store = SqliteStore::open(&dir.path().join("coffer.db")).expect("db");
    let service = Arc::new(Service::new(Box::new(store), Box::new(keyring)));
    let admin = service.bootstrap().expect("bootstrap").expect("empty").token;
    let caller = service.authenticate(admin.expose_secret(), "bench").expect("admin");
    let runner = Arc::new(coffer_flights::Runner::new(coffer_flights::Settings::default(), None));
    let api = Local::new(service.clone(), caller.clone()).running_flights_here(runner.clone());
    let t = Instant::now();
    let setup = tokio::task::spawn_blocking(move || {
        api.create_project(coffer_api::types::ProjectBody { name: "bench".into() })
            .expect("project");
        for i in 0..SECRETS {
            let (ty, fields) = if i % 2 == 0 {
                (
                    "generic",
                    vec![(
                        "value".to_string(),
                        FieldInput::Text(SecretString::from(format!("value-{i}"))),
                    )],
                )
            } else {
                (
                    "s3",
                    vec![
                        (
                            "key_id".to_string(),
                            FieldInput::Text(SecretString::from(format!("AKIA{i:08}"))),
                        ),
                        (
                            "secret".to_string(),
                            FieldInput::Text(SecretString::from(format!("secret-{i}"))),
                        ),
                        ("region".to_string(), FieldInput::Text(SecretString::from("eu-west-1"))),
                    ],
                )
            };
            api.create_secret(
                "bench",
                CreateSecretBody {
                    name: Some(format!("SECRET_{i:04}")),
                    secret_type: ty.into(),
                    provider: None,
                    scope: if ty == "s3" {
                        vec![format!("s3://bucket-{i:04}/")]
                    } else {
                        Vec::new()
                    },
                    temporary: false,
                    on_conflict: Default::default(),
                    fields,
                },
            )
            .expect("secret");
        }
        api.create_flight(
            "bench",
            FlightCreateBody {
                name: "nightly".into(),
                kind: "command".into(),
                command: vec!["true".into()],
                script: None,
                config: [("REGION".to_string(), "eu-west-1".to_string())].into_iter().collect(),
                secrets: vec!["SECRET_0000".into()],
                token_name: None,
                schedule: Some("0 2 * * *".into()),
                timezone: None,
                timeout_secs: Some(60),
                concurrency: None,
                steps: Vec::new(),
                requirements: None,
                source_builds: false,
            },
        )
        .expect("flight");
        for _ in 0..RUNS {
            api.run_flight("bench", "nightly", RunBody::default(), &mut |_, _| {})
                .expect("run");
        }
    })
    .await;
    setup.expect("setup");
    eprintln!(
        "setup: {SECRETS} secrets, {RUNS} runs in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let s = service.clone();
    let state = WebState::new(
        service.clone(),
        Arc::new(move |c| Local::new(s.clone(), c)),
        WebConfig::default(),
    );
    let router = coffer_web::router(state);
    let signin = Request::post("/signin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("token={}", admin.expose_secret())))
        .expect("request");
    let r = router.clone().oneshot(signin).await.expect("sign-in");
    let cookie = r
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("cookie")
        .to_string();

    // The assets every page loads once.
    let mut assets = 0;
    let (_, home) = body_of(&router, "/projects", &cookie).await;
    let home = String::from_utf8_lossy(&home).into_owned();
    for prefix in ["/assets/app.css", "/assets/app.js", "/assets/favicon.svg"] {
        let at = home.find(prefix).expect("asset link");
        let end = home[at..].find('"').expect("quote") + at;
        assets += body_of(&router, &home[at..end], &cookie).await.1.len();
    }

    let pages = [
        ("secrets list (page 1 of 10)", "/p/bench/secrets"),
        ("secrets search", "/p/bench/secrets?q=secret_09"),
        ("secret", "/p/bench/secrets/SECRET_0001?storage=coffer"),
        ("create secret (s3 form)", "/p/bench/new/secret?type=s3"),
        ("flights list", "/p/bench/flights"),
        ("flight (50 of 1,000 runs)", "/p/bench/flights/nightly"),
        (
            "edit flight (1,000 secrets to pick from)",
            "/p/bench/flights/nightly/edit",
        ),
        ("run", "/p/bench/flights/nightly/runs/500"),
        ("audit (50 per page)", "/p/bench/audit"),
        ("members", "/p/bench/members"),
        ("tokens (active ones; the runs' 1,000 tokens ended)", "/tokens"),
    ];
    println!("| page | HTML KB | + CSS/JS/icon KB | p50 ms | p99 ms | max ms | floor p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, path) in pages {
        let (status, html) = body_of(&router, path, &cookie).await;
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&html));
        let times = measure(&router, path, &cookie, requests).await;
        // The floor: the same router's middleware and a static body of the same size.
        let size = html.len();
        let floor_router = axum::Router::new()
            .route(
                "/",
                axum::routing::get(move || async move { axum::response::Html(vec![b'x'; size]) }),
            )
            .layer(axum::middleware::map_response(
                |r: axum::response::Response| async move { r },
            ));
        let floor = measure(&floor_router, "/", &cookie, requests).await;
        println!(
            "| {name} | {:.1} | {:.1} | {:.2} | {:.2} | {:.2} | {:.3} |",
            size as f64 / 1024.0,
            (size + assets) as f64 / 1024.0,
            ms(pct(&times, 0.50)),
            ms(pct(&times, 0.99)),
            ms(*times.last().expect("times")),
            ms(pct(&floor, 0.99)),
        );
    }
}

async fn measure(router: &axum::Router, path: &str, cookie: &str, n: usize) -> Vec<Duration> {
    for _ in 0..20 {
        body_of(router, path, cookie).await;
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let (status, _) = body_of(router, path, cookie).await;
        times.push(t.elapsed());
        assert_eq!(status, 200);
    }
    times.sort();
    times
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1);
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
