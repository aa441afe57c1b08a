//! The data sources API, in process (the router served by tower): statuses, error bodies
//! (field, code, role) and what each role may do.

mod common;

use axum::body::Body;
use axum::http::Request;
use coffer_core::{Caller, CreateRequest, OnConflict, Role, Service};
use coffer_crypto::SecretString;
use coffer_model::{InputValue, Storage};
use coffer_server::AppState;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt as _;

struct App {
    router: axum::Router,
    service: Arc<Service>,
    admin: String,
    _dir: tempfile::TempDir,
}

impl App {
    /// A server over a fresh store with project p holding the postgres secret `pg_prod`.
    fn start() -> App {
        let dir = tempfile::tempdir().expect("tempdir");
        let (service, admin) = common::bootstrapped(dir.path());
        let local = Caller::local();
        service.create_project(&local, "p").expect("project");
        let req = CreateRequest {
            name: Some("pg_prod".into()),
            secret_type: "postgres".into(),
            provider: None,
            scopes: vec![],
            storage: Storage::Coffer,
            on_conflict: OnConflict::Error,
            values: vec![("password".into(), InputValue::Text(SecretString::from("pw-VALUE")))],
        };
        service.create_secret(&local, "p", req).expect("secret");
        let router = coffer_server::router(AppState::new(Arc::clone(&service)).with_web(None));
        App {
            router,
            service,
            admin,
            _dir: dir,
        }
    }

    /// A user with `role` in p, and its token.
    fn user(&self, name: &str, role: Role) -> String {
        let local = Caller::local();
        self.service.create_user(&local, name, false).expect("user");
        self.service.grant(&local, "p", role, name).expect("grant");
        let t = self
            .service
            .create_token(&local, Some(name), &format!("{name}-t"), None)
            .expect("token");
        t.token.expose_secret().to_string()
    }

    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let resp = self
            .router
            .clone()
            .oneshot(req.body(body).expect("request"))
            .await
            .expect("infallible");
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.expect("body");
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON")
        };
        (status, value)
    }

    async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call(method, path, Some(&self.admin.clone()), body).await
    }
}

const SOURCES: &str = "/v1/projects/p/sources";

fn warehouse(on_conflict: &str) -> Value {
    json!({
        "name": "Warehouse", "type": "postgres", "secret": "pg_prod",
        "options": {"schema": "public", "path": "host=db.internal dbname=sales"}, "on_conflict": on_conflict,
    })
}

#[tokio::test]
async fn create_show_list_replace_keep_and_drop() {
    let app = App::start();
    let (status, body) = app.admin("POST", SOURCES, Some(warehouse("error"))).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["action"], "created");
    let source = &body["source"];
    assert_eq!(
        (
            &source["name"],
            &source["type"],
            &source["secret"],
            &source["read_only"],
            &source["version"]
        ),
        (
            &json!("warehouse"),
            &json!("postgres"),
            &json!("pg_prod"),
            &json!(true),
            &json!(1)
        )
    );
    assert_eq!(source["options"]["schema"], "public");

    let (status, body) = app.admin("POST", SOURCES, Some(warehouse("error"))).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("conflict")), "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("'warehouse' already exists")),
        "{body}"
    );
    let (status, body) = app.admin("POST", SOURCES, Some(warehouse("ignore"))).await;
    assert_eq!(
        (status, &body["action"], &body["source"]["version"]),
        (200, &json!("kept existing"), &json!(1))
    );
    let mut replace = warehouse("replace");
    replace["read_only"] = json!(false);
    let (status, body) = app.admin("POST", SOURCES, Some(replace)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            &body["action"],
            &body["source"]["version"],
            &body["source"]["read_only"]
        ),
        (&json!("replaced"), &json!(2), &json!(false))
    );

    let (status, body) = app.admin("GET", SOURCES, None).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(1), "{body}");
    let (status, body) = app.admin("GET", &format!("{SOURCES}/WAREHOUSE"), None).await;
    assert_eq!((status, &body["name"]), (200, &json!("warehouse")));
    let (status, body) = app.admin("GET", &format!("{SOURCES}/nope"), None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    assert_eq!(body["message"], "no data source named 'nope' in project 'p'");

    let (status, body) = app.admin("DELETE", &format!("{SOURCES}/warehouse"), None).await;
    assert_eq!((status, &body["dropped"]), (200, &json!(true)));
    let (status, _) = app.admin("DELETE", &format!("{SOURCES}/warehouse"), None).await;
    assert_eq!(status, 404);
    let (status, body) = app
        .admin("DELETE", &format!("{SOURCES}/warehouse?if_exists=true"), None)
        .await;
    assert_eq!((status, &body["dropped"]), (200, &json!(false)));
    let (status, body) = app.admin("GET", "/v1/projects/nope/sources", None).await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn bad_definitions_are_400_naming_the_field() {
    let app = App::start();
    let mut credential = warehouse("error");
    credential["options"]["password"] = json!("hunter2");
    let mut no_secret = warehouse("error");
    no_secret["secret"] = Value::Null;
    let mut bad_type = warehouse("error");
    bad_type["type"] = json!("oracle");
    let mut in_url = warehouse("error");
    in_url["options"]["path"] = json!("postgres://etl:hunter2@db/sales");
    for (body, field) in [
        (credential, "options.password"),
        (no_secret, "secret"),
        (bad_type, "type"),
        (in_url, "options.path"),
        (
            json!({"name": "memory", "type": "sqlite", "options": {"path": "/x.db"}}),
            "name",
        ),
    ] {
        let (status, answer) = app.admin("POST", SOURCES, Some(body)).await;
        assert_eq!(
            (status, answer["code"].as_str(), answer["field"].as_str()),
            (400, Some("invalid"), Some(field)),
            "{answer}"
        );
        assert!(!answer.to_string().contains("hunter2"), "{answer}");
    }
    let (status, answer) = app
        .admin(
            "POST",
            SOURCES,
            Some(json!({"name": "w", "type": "sqlite", "passwd": "x"})),
        )
        .await;
    assert_eq!(status, 400, "an unknown field: {answer}");

    let mut missing = warehouse("error");
    missing["secret"] = json!("pg_gone");
    let (status, answer) = app.admin("POST", SOURCES, Some(missing)).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("bad_request")),
        "{answer}"
    );
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("uses the secret 'pg_gone', which does not exist in project 'p'")),
        "{answer}"
    );
    let mut wrong = warehouse("error");
    wrong["type"] = json!("mysql");
    wrong["options"] = json!({});
    let (status, answer) = app.admin("POST", SOURCES, Some(wrong)).await;
    assert_eq!(status, 400);
    assert_eq!(
        answer["message"],
        "source 'warehouse' needs a mysql secret; 'pg_prod' is a postgres secret"
    );
}

#[tokio::test]
async fn roles_are_checked() {
    let app = App::start();
    let reader = app.user("rita", Role::Read);
    let writer = app.user("wendy", Role::Write);
    let (status, body) = app.call("POST", SOURCES, Some(&reader), Some(warehouse("error"))).await;
    assert_eq!(
        (status, body["code"].as_str(), body["role_needed"].as_str()),
        (403, Some("forbidden"), Some("write")),
        "{body}"
    );
    let (status, body) = app.call("POST", SOURCES, Some(&writer), Some(warehouse("error"))).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app.call("GET", SOURCES, Some(&reader), None).await;
    assert_eq!((status, body.as_array().map(Vec::len)), (200, Some(1)));
    let (status, _) = app
        .call("GET", &format!("{SOURCES}/warehouse"), Some(&reader), None)
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call("DELETE", &format!("{SOURCES}/warehouse"), Some(&reader), None)
        .await;
    assert_eq!((status, body["role_needed"].as_str()), (403, Some("write")));
    let (status, _) = app.call("GET", SOURCES, None, None).await;
    assert_eq!(status, 401);
    let (status, _) = app
        .call("DELETE", &format!("{SOURCES}/warehouse"), Some(&writer), None)
        .await;
    assert_eq!(status, 200);
}
