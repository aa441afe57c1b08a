//! The web page's sessions and forms on a real service (SQLite store, local key file): sign-in,
//! cookies, CSRF, roles enforced on forged posts, expiry, sign-out, rate limits, the headers of
//! every response, and no secret value in any page. The browser tests (scripts/web_browser.mjs)
//! drive the same pages in Chromium.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use coffer_api::Local;
use coffer_core::{AuditFilter, Service};
use coffer_crypto::LocalKeyFile;
use coffer_store_sqlite::SqliteStore;
use coffer_web::{WebConfig, WebState};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt as _;

const VALUE: &str = "pg://app:Hunter2-web-leak-canary@db:5432/prod";

struct App {
    _dir: tempfile::TempDir,
    service: Arc<Service>,
    router: axum::Router,
    admin: String,
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Resp {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

fn app(config: WebConfig) -> App {
    let dir = tempfile::tempdir().expect("tempdir");
    let (keyring, _) = LocalKeyFile::open_or_create(&dir.path().join("master.key")).expect("key");
    let store = SqliteStore::open(&dir.path().join("coffer.db")).expect("db");
    let service = Arc::new(Service::new(Box::new(store), Box::new(keyring)));
    let admin = service
        .bootstrap()
        .expect("bootstrap")
        .expect("empty")
        .token
        .expose_secret()
        .to_string();
    let s = service.clone();
    let state = WebState::new(
        service.clone(),
        Arc::new(move |caller| Local::new(s.clone(), caller)),
        config,
    );
    let router = coffer_web::router(state);
    let caller = service.authenticate(&admin, "test").expect("admin");
    service.create_project(&caller, "p").expect("project");
    App {
        _dir: dir,
        service,
        router,
        admin,
    }
}

impl App {
    async fn send(&self, req: Request<Body>) -> Resp {
        let r = self.router.clone().oneshot(req).await.expect("infallible");
        let status = r.status();
        let headers = r.headers().clone();
        let bytes = axum::body::to_bytes(r.into_body(), 16 << 20).await.expect("body");
        let body = String::from_utf8_lossy(&bytes).into_owned();
        assert!(!body.contains(VALUE), "a page shows the secret's value:\n{body}");
        Resp { status, headers, body }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Resp {
        let mut b = Request::get(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    async fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Resp {
        self.post_with(path, cookie, form, &[]).await
    }

    async fn post_with(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Resp {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(Body::from(body)).expect("request")).await
    }

    /// Signs in with `token`; returns the cookie and the session's CSRF token.
    async fn sign_in(&self, token: &str) -> (String, String) {
        let r = self
            .post("/signin", None, &[("token", token), ("next", "/projects")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/projects");
        let set = r
            .headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .expect("a cookie")
            .to_string();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
            "{set}"
        );
        let cookie = set.split(';').next().expect("name=value").to_string();
        let page = self.get("/projects", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        (cookie, csrf(&page.body))
    }

    fn user(&self, name: &str, role: &str) -> String {
        let admin = self.service.authenticate(&self.admin, "test").expect("admin");
        self.service.create_user(&admin, name, false).expect("user");
        let role = coffer_core::Role::ALL
            .into_iter()
            .find(|r| r.name() == role)
            .expect("role");
        self.service.grant(&admin, "p", role, name).expect("grant");
        let t = self
            .service
            .create_token(&admin, Some(name), &format!("{name}-t"), None)
            .expect("token");
        t.token.expose_secret().to_string()
    }

    fn audit(&self, action: &str) -> Vec<coffer_core::AuditInfo> {
        let admin = self.service.authenticate(&self.admin, "test").expect("admin");
        self.service
            .list_audit(&admin, &AuditFilter::default())
            .expect("audit")
            .into_iter()
            .filter(|e| e.action == action)
            .collect()
    }
}

/// The CSRF token in a page's forms.
fn csrf(body: &str) -> String {
    let at = body.find(r#"name="_csrf" value=""#).expect("a CSRF field");
    body[at + 20..at + 20 + 64].to_string()
}

#[tokio::test]
async fn sign_in_sets_a_strict_cookie_and_every_response_has_the_security_headers() {
    let app = app(WebConfig::default());
    let r = app.get("/p/p/secrets", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/signin?next=%2Fp%2Fp%2Fsecrets");
    let r = app.get("/signin", None).await;
    assert_eq!(r.status, StatusCode::OK);
    for (h, v) in [
        ("content-security-policy", coffer_web::CONTENT_SECURITY_POLICY),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert_eq!(r.headers.get(h).and_then(|v| v.to_str().ok()), Some(v), "{h}");
    }
    assert!(coffer_web::CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    assert!(!coffer_web::CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    assert!(
        !r.body.contains("<script>") && !r.body.contains("style="),
        "no inline script or style"
    );

    let (cookie, _) = app.sign_in(&app.admin).await;
    assert!(cookie.starts_with("coffer_session="), "{cookie}");
    let page = app.get("/p/p/secrets", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    assert!(page.body.contains("Create secret"));

    // Behind a proxy that says https, the cookie is Secure and __Host- prefixed.
    let r = app
        .post_with(
            "/signin",
            None,
            &[("token", &app.admin)],
            &[("x-forwarded-proto", "https")],
        )
        .await;
    let set = r
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        set.starts_with("__Host-coffer_session=") && set.contains("; Secure"),
        "{set}"
    );

    // The session is a child of the sign-in token, audited.
    let ok = app.audit("session.signin");
    assert!(ok.iter().any(|e| e.result == "ok" && e.actor == "admin"), "{ok:?}");
    let admin = app.service.authenticate(&app.admin, "test").expect("admin");
    let tokens = app.service.list_tokens(&admin).expect("tokens");
    let web: Vec<_> = tokens.iter().filter(|t| t.token_name.starts_with("web-")).collect();
    assert_eq!(web.len(), 2);
    assert!(web
        .iter()
        .all(|t| t.parent.as_deref() == Some("admin-bootstrap") && t.expires_at.is_some()));
}

#[tokio::test]
async fn bad_tokens_are_refused_audited_and_rate_limited() {
    let app = app(WebConfig {
        sign_in_limit: 3,
        ..WebConfig::default()
    });
    for _ in 0..3 {
        let r = app.post("/signin", None, &[("token", "coffer_00000000_nope")]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("The token was not accepted"), "{}", r.body);
        assert!(r.headers.get(header::SET_COOKIE).is_none());
    }
    let r = app.post("/signin", None, &[("token", &app.admin)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "even a good token waits");
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    let denied = app.audit("session.signin");
    assert_eq!(denied.iter().filter(|e| e.result == "denied").count(), 3, "{denied:?}");
    assert!(denied
        .iter()
        .all(|e| !e.detail.as_deref().unwrap_or("").contains("nope")));
    // A sign-in posted from another site is refused (login CSRF).
    let app = app_default();
    let r = app
        .post_with(
            "/signin",
            None,
            &[("token", &app.admin)],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

fn app_default() -> App {
    app(WebConfig::default())
}

#[tokio::test]
async fn state_changing_posts_need_the_sessions_csrf_token_and_this_sites_origin() {
    let app = app_default();
    let (cookie, csrf) = app.sign_in(&app.admin).await;
    let form = [
        ("type", "generic"),
        ("provider", "config"),
        ("name", "DATABASE_URL"),
        ("f.value", VALUE),
        ("storage", "coffer"),
    ];
    let r = app.post("/p/p/secrets", Some(&cookie), &form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    let mut with = form.to_vec();
    with.push((
        "_csrf",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ));
    assert_eq!(
        app.post("/p/p/secrets", Some(&cookie), &with).await.status,
        StatusCode::FORBIDDEN
    );
    let mut good = form.to_vec();
    good.push(("_csrf", &csrf));
    let r = app
        .post_with(
            "/p/p/secrets",
            Some(&cookie),
            &good,
            &[("origin", "https://evil.example"), ("host", "coffer.local")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "another site's origin");
    let admin = app.service.authenticate(&app.admin, "t").expect("admin");
    assert!(
        app.service.list_secrets(&admin, "p").expect("list").is_empty(),
        "nothing was created"
    );

    let r = app.post("/p/p/secrets", Some(&cookie), &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location(), Some(&cookie)).await;
    assert!(page.body.contains("Secret DATABASE_URL created"), "{}", page.body);
    assert!(page.body.contains("never shown"));
    // Listed without its value; the replace form never fills a value back in.
    for path in [
        "/p/p/secrets",
        "/p/p/secrets/DATABASE_URL/replace",
        "/p/p/audit",
        "/p/p/secrets?q=data",
    ] {
        let r = app.get(path, Some(&cookie)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.body.contains("DATABASE_URL"), "{path}");
    }
}

#[tokio::test]
async fn a_read_member_is_offered_nothing_and_its_forged_posts_are_refused() {
    let app = app_default();
    let token = app.user("rita", "read");
    let (cookie, csrf) = app.sign_in(&token).await;
    let page = app.get("/p/p/secrets", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Create secret"));
    assert!(!page.body.contains("/members\""), "no members link for a reader");
    let r = app
        .post(
            "/p/p/secrets",
            Some(&cookie),
            &[("_csrf", &csrf), ("type", "generic"), ("name", "X"), ("f.value", VALUE)],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the form is shown again with the refusal"
    );
    assert!(
        r.body.contains("needs role write") || r.body.contains("role write"),
        "{}",
        r.body
    );
    let r = app
        .post(
            "/p/p/members",
            Some(&cookie),
            &[("_csrf", &csrf), ("identity", "rita"), ("role", "admin")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let admin = app.service.authenticate(&app.admin, "t").expect("admin");
    assert!(app.service.list_secrets(&admin, "p").expect("list").is_empty());
    let members = app.service.list_members(&admin, "p").expect("members");
    assert!(members.iter().all(|m| m.identity != "rita" || m.role == "read"));
    assert_eq!(app.get("/p/p/audit", Some(&cookie)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sessions_end_when_idle_at_sign_out_and_with_their_sign_in_token() {
    let app = app(WebConfig {
        idle: Duration::from_millis(300),
        ..WebConfig::default()
    });
    let (cookie, _) = app.sign_in(&app.admin).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let r = app.get("/p/p/secrets", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().contains("ended=idle"), "{}", r.location());
    let admin = app.service.authenticate(&app.admin, "t").expect("admin");
    let web: Vec<_> = app
        .service
        .list_tokens(&admin)
        .expect("tokens")
        .into_iter()
        .filter(|t| t.token_name.starts_with("web-"))
        .collect();
    assert!(
        web.iter().all(|t| t.revoked_at.is_some()),
        "the idle session's token is revoked: {web:?}"
    );

    let app = app_default();
    let (cookie, csrf) = app.sign_in(&app.admin).await;
    let r = app.post("/signout", Some(&cookie), &[("_csrf", &csrf)]).await;
    assert_eq!(r.location(), "/signin?signed_out=1");
    let cleared: Vec<_> = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("coffer_session=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    assert_eq!(
        app.get("/p/p/secrets", Some(&cookie)).await.status,
        StatusCode::SEE_OTHER
    );

    // Revoking the token a session was signed in with ends the session.
    let token = app.user("sam", "read");
    let (cookie, _) = app.sign_in(&token).await;
    let admin = app.service.authenticate(&app.admin, "t").expect("admin");
    app.service.revoke_token(&admin, "sam-t").expect("revoke");
    let r = app.get("/p/p/secrets", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/signin?reason="), "{}", r.location());
}

#[tokio::test]
async fn the_typed_form_shows_errors_at_their_field_and_rollback_works() {
    let app = app_default();
    let (cookie, csrf) = app.sign_in(&app.admin).await;
    let page = app.get("/p/p/new/secret?type=s3", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        r#"id="f-key_id""#,
        r#"id="f-secret" name="f.secret" type="password""#,
        r#"id="f-url_style""#,
        "Default: us-east-1.",
    ] {
        assert!(page.body.contains(want), "{want}");
    }
    let r = app
        .post(
            "/p/p/secrets",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("type", "s3"),
                ("provider", "config"),
                ("name", "lake"),
                ("f.key_id", "AKIA1"),
                ("f.secret", VALUE),
                ("f.region", "eu-west-1"),
                ("f.endpoint", "169.254.169.254"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains(r#"id="f-endpoint-error""#),
        "the error sits at endpoint: {}",
        r.body
    );
    assert!(r.body.contains("AKIA1"), "what was typed stays");
    let base = [
        ("_csrf", csrf.as_str()),
        ("type", "generic"),
        ("provider", "config"),
        ("name", "API_KEY"),
        ("storage", "coffer"),
    ];
    for v in ["first-value-1", "second-value-2"] {
        let mut f = base.to_vec();
        f.push(("f.value", v));
        f.push(("on_conflict", "replace"));
        assert_eq!(
            app.post("/p/p/secrets", Some(&cookie), &f).await.status,
            StatusCode::SEE_OTHER
        );
    }
    let r = app
        .post(
            "/p/p/secrets/API_KEY/rollback",
            Some(&cookie),
            &[("_csrf", &csrf), ("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location(), Some(&cookie)).await;
    assert!(
        page.body.contains("rolled back to version 1; saved as version 3"),
        "{}",
        page.body
    );
    let r = app
        .post(
            "/p/p/secrets/API_KEY/drop",
            Some(&cookie),
            &[("_csrf", &csrf), ("confirm", "api_key"), ("storage", "coffer")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the name must be typed exactly"
    );
    let r = app
        .post(
            "/p/p/secrets/API_KEY/drop",
            Some(&cookie),
            &[("_csrf", &csrf), ("confirm", "API_KEY"), ("storage", "coffer")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}
