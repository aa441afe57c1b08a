//! The flights API over a real server: a SQLite store in a temporary directory, the
//! bootstrap superuser's token, a listener on 127.0.0.1:0 and a minimal HTTP/1.1 client.

mod common;

use base64::Engine as _;
use coffer_core::Service;
use coffer_server::AppState;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct App {
    addr: SocketAddr,
    admin: String,
    service: Arc<Service>,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

struct Resp {
    status: u16,
    body: Value,
}

impl App {
    async fn start(with_runner: bool) -> App {
        let dir = tempfile::tempdir().expect("tempdir");
        let (service, admin) = common::bootstrapped(dir.path());
        let mut state = AppState::new(Arc::clone(&service));
        if with_runner {
            let runner = coffer_flights::Runner::new(coffer_flights::Settings::default(), None);
            state = state.with_flights(Arc::new(runner));
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(coffer_server::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        let app = App {
            addr,
            admin,
            service,
            _dir: dir,
            _stop: stop,
        };
        let r = app.admin("POST", "/v1/projects", Some(json!({"name": "p"}))).await;
        assert_eq!(r.status, 201, "{}", r.body);
        app
    }

    /// One request on its own connection; `body` is sent as JSON.
    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        let body = body.map(|b| b.to_string());
        self.raw(method, path, token, body.as_deref().map(|b| ("application/json", b)))
            .await
    }

    /// A new user with no role, and its token.
    async fn user(&self, name: &str) -> String {
        let r = self.admin("POST", "/v1/users", Some(json!({ "name": name }))).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let body = json!({"name": format!("{name}-t"), "owner": name});
        let r = self.admin("POST", "/v1/tokens", Some(body)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["token"].as_str().expect("a token").to_string()
    }

    async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let token = self.admin.clone();
        self.call(method, path, Some(&token), body).await
    }

    /// A request with a body of any content type.
    async fn raw(&self, method: &str, path: &str, token: Option<&str>, body: Option<(&str, &str)>) -> Resp {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if let Some(t) = token {
            req.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        let (ctype, text) = body.unwrap_or(("", ""));
        if !ctype.is_empty() {
            req.push_str(&format!("Content-Type: {ctype}\r\n"));
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n{text}", text.len()));
        // A blocking socket off the runtime's threads: tokio's io-util is not enabled here.
        let addr = self.addr;
        let raw = tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(addr).expect("connect");
            stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
            stream.write_all(req.as_bytes()).expect("write");
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).expect("a response within 30s");
            raw
        })
        .await
        .expect("the request thread");
        let text = String::from_utf8(raw).expect("utf-8");
        let (head, rest) = text.split_once("\r\n\r\n").expect("a head");
        let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
        let chunked = head
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.contains("chunked"));
        let payload = if chunked { unchunk(rest) } else { rest.to_string() };
        let body = if payload.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&payload).unwrap_or_else(|e| panic!("not JSON ({e}): {payload}"))
        };
        Resp { status, body }
    }

    /// Polls a run until it is no longer `running`.
    async fn wait_run(&self, path: &str, within: Duration) -> Value {
        let start = Instant::now();
        loop {
            let r = self.admin("GET", path, None).await;
            assert_eq!(r.status, 200, "{}", r.body);
            if r.body["status"] != "running" {
                return r.body;
            }
            assert!(
                start.elapsed() < within,
                "{path} still running after {within:?}: {}",
                r.body
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn unchunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

fn error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body["code"], code, "{}", r.body);
    assert!(r.body["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", r.body);
}

const F: &str = "/v1/projects/p/flights";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_get_list_update_delete() {
    let app = App::start(true).await;
    let def = json!({"name": "nightly", "kind": "command", "command": ["true"], "config": {"A": "1", "B": "2"}});
    let r = app.admin("POST", F, Some(def.clone())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let flight = &r.body["flight"];
    assert_eq!(flight["name"], "nightly");
    assert_eq!(flight["kind"], "command");
    assert_eq!(flight["version"], 1);
    assert_eq!(flight["concurrency"], 1);
    assert_eq!(flight["config"], json!({"A": "1", "B": "2"}));
    assert!(r.body["warnings"].as_array().is_some());
    let id = flight["flight_id"].as_str().expect("an id").to_string();

    error(&app.admin("POST", F, Some(def)).await, 409, "conflict");
    let r = app
        .admin(
            "POST",
            F,
            Some(json!({"name": "x", "kind": "shell", "command": ["true"]})),
        )
        .await;
    error(&r, 400, "invalid");
    assert_eq!(r.body["field"], "kind");
    let r = app
        .admin(
            "POST",
            F,
            Some(json!({"name": "a b", "kind": "command", "command": ["true"]})),
        )
        .await;
    error(&r, 400, "invalid");
    assert_eq!(r.body["field"], "name");
    let r = app
        .admin("POST", F, Some(json!({"name": "x", "kind": "command"})))
        .await;
    error(&r, 400, "invalid");
    assert_eq!(r.body["field"], "command");
    let r = app
        .admin(
            "POST",
            F,
            Some(json!({"name": "x", "kind": "command", "command": ["true"], "nope": 1})),
        )
        .await;
    error(&r, 400, "bad_request");

    // Definitions that break a rule are 400s naming the field.
    for (extra, field) in [
        (json!({"schedule": "61 * * * *"}), "schedule"),
        (json!({"schedule": "* * * * * * * *"}), "schedule"),
        (json!({"schedule": "99999999999999999999 * * * *"}), "schedule"),
        (json!({"schedule": "*/0 * * * *"}), "schedule"),
        (json!({"schedule": "0 3 * * *", "timezone": "Mars/Olympus"}), "timezone"),
        (json!({"timezone": "UTC"}), "timezone"),
        (json!({"timeout_secs": 99_999_999_999u64}), "timeout_secs"),
        (json!({"concurrency": 0}), "concurrency"),
        (json!({"config": {"A=B": "1"}}), "config"),
        (json!({"secrets": ["s", "S"]}), "secrets"),
    ] {
        let mut def = json!({"name": "x", "kind": "command", "command": ["true"]});
        for (k, v) in extra.as_object().expect("an object") {
            def[k] = v.clone();
        }
        let r = app.admin("POST", F, Some(def.clone())).await;
        error(&r, 400, "invalid");
        assert_eq!(r.body["field"], field, "{def}: {}", r.body);
    }
    let r = app
        .admin(
            "POST",
            F,
            Some(json!({"name": "x", "kind": "command", "command": ["true"], "secrets": ["nope"]})),
        )
        .await;
    error(&r, 400, "bad_request");

    let r = app.admin("GET", F, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let names: Vec<&str> = r
        .body
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(names, ["nightly"]);
    let r = app.admin("GET", &format!("{F}/nightly"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["flight_id"], id.as_str());
    let r = app.admin("GET", &format!("{F}/{id}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["name"], "nightly");
    error(&app.admin("GET", &format!("{F}/missing"), None).await, 404, "not_found");
    let r = app.admin("GET", &format!("{F}/bad%20name"), None).await;
    error(&r, 400, "invalid");
    assert_eq!(r.body["field"], "flight");
    error(
        &app.admin("GET", "/v1/projects/nope/flights", None).await,
        404,
        "not_found",
    );

    // An update replaces the config whole.
    let r = app
        .admin("PATCH", &format!("{F}/nightly"), Some(json!({"config": {"C": "3"}})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["flight"]["version"], 2);
    assert_eq!(r.body["flight"]["config"], json!({"C": "3"}));
    assert_eq!(r.body["flight"]["command"], json!(["true"]));
    error(
        &app.admin("PATCH", &format!("{F}/nightly"), Some(json!({}))).await,
        400,
        "bad_request",
    );
    let r = app
        .admin("PATCH", &format!("{F}/nightly"), Some(json!({"timeout_secs": 0})))
        .await;
    error(&r, 400, "invalid");
    assert_eq!(r.body["field"], "timeout_secs");
    let r = app
        .admin(
            "PATCH",
            &format!("{F}/nightly"),
            Some(json!({"config": {"COFFER_X": "1"}})),
        )
        .await;
    error(&r, 400, "invalid");
    assert_eq!(r.body["field"], "config");
    error(
        &app.admin("PATCH", &format!("{F}/missing"), Some(json!({"concurrency": 2})))
            .await,
        404,
        "not_found",
    );

    // Run numbers are positive integers.
    for bad in ["0", "-1", "abc", "99999999999999999999"] {
        let r = app.admin("GET", &format!("{F}/nightly/runs/{bad}"), None).await;
        error(&r, 400, "invalid");
        assert_eq!(r.body["field"], "run");
    }
    error(
        &app.admin("GET", &format!("{F}/nightly/runs/1"), None).await,
        404,
        "not_found",
    );
    error(
        &app.admin("GET", &format!("{F}/nightly/runs/1/logs"), None).await,
        404,
        "not_found",
    );
    error(
        &app.admin("POST", &format!("{F}/nightly/runs/1/cancel"), None).await,
        404,
        "not_found",
    );
    let r = app.admin("GET", &format!("{F}/nightly/runs"), None).await;
    assert_eq!((r.status, r.body.clone()), (200, json!([])));

    let r = app.admin("DELETE", &format!("{F}/nightly"), None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    error(&app.admin("GET", &format!("{F}/nightly"), None).await, 404, "not_found");
    error(
        &app.admin("DELETE", &format!("{F}/nightly"), None).await,
        404,
        "not_found",
    );
}

/// The server takes kind `flow`, as the CLI's local mode does: a flow is created, runs its
/// steps in order, and a flight can become one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_is_created_and_runs_as_in_local_mode() {
    let app = App::start(true).await;
    let steps = json!([
        {"id": "first", "kind": "command", "command": ["true"]},
        {"id": "second", "kind": "command", "command": ["sh", "-c", "echo $STEP"], "env": {"STEP": "two"}},
    ]);
    let r = app
        .admin(
            "POST",
            F,
            Some(json!({"name": "pipeline", "kind": "flow", "steps": steps})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["flight"]["kind"], "flow");
    let r = app.admin("POST", &format!("{F}/pipeline/runs"), None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let run = app
        .wait_run(&format!("{F}/pipeline/runs/1"), Duration::from_secs(30))
        .await;
    assert_eq!(run["status"], "succeeded", "{run}");

    assert_eq!(
        app.admin(
            "POST",
            F,
            Some(json!({"name": "single", "kind": "command", "command": ["true"]}))
        )
        .await
        .status,
        201
    );
    let r = app
        .admin(
            "PATCH",
            &format!("{F}/single"),
            Some(json!({"kind": "flow", "command": [], "steps": steps})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["flight"]["kind"], "flow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_logs_and_cancel() {
    let app = App::start(true).await;
    let def = json!({
        "name": "hello", "kind": "command", "command": ["sh", "-c", "echo hello $REGION"],
        "config": {"REGION": "eu-west-1"}
    });
    assert_eq!(app.admin("POST", F, Some(def)).await.status, 201);

    // An override of a key the flight does not have is refused, naming the allowed keys.
    let r = app
        .admin(
            "POST",
            &format!("{F}/hello/runs"),
            Some(json!({"config": {"NOPE": "x"}})),
        )
        .await;
    error(&r, 400, "invalid");
    assert_eq!(r.body["field"], "config");
    assert!(
        r.body["message"].as_str().unwrap_or_default().contains("REGION"),
        "{}",
        r.body
    );
    error(
        &app.admin("POST", &format!("{F}/missing/runs"), None).await,
        404,
        "not_found",
    );

    let r = app
        .admin(
            "POST",
            &format!("{F}/hello/runs"),
            Some(json!({"config": {"REGION": "us-east-1"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["run_number"], 1);
    assert_eq!(r.body["flight"], "hello");
    assert_eq!(r.body["config"], json!({"REGION": "us-east-1"}));
    assert!(
        ["running", "succeeded"].contains(&r.body["status"].as_str().unwrap_or_default()),
        "{}",
        r.body
    );
    let run = app
        .wait_run(&format!("{F}/hello/runs/1"), Duration::from_secs(30))
        .await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["exit_code"], 0, "{run}");

    let r = app.admin("GET", &format!("{F}/hello/runs/1/logs"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["run"]["status"], "succeeded");
    let chunks = r.body["chunks"].as_array().expect("chunks").clone();
    let mut stdout = Vec::new();
    for c in &chunks {
        let data = base64::engine::general_purpose::STANDARD
            .decode(c["data"].as_str().expect("data"))
            .expect("standard base64");
        if c["stream"] == "stdout" {
            stdout.extend(data);
        }
    }
    assert!(
        String::from_utf8_lossy(&stdout).contains("hello us-east-1"),
        "{chunks:?}"
    );
    let last = chunks.last().and_then(|c| c["seq"].as_i64()).expect("a last chunk");
    let r = app
        .admin("GET", &format!("{F}/hello/runs/1/logs?after={last}&limit=10"), None)
        .await;
    assert_eq!((r.status, r.body["chunks"].clone()), (200, json!([])));
    let r = app.admin("GET", &format!("{F}/hello/runs/1/logs?limit=1"), None).await;
    assert_eq!(r.body["chunks"].as_array().map(Vec::len), Some(1), "{}", r.body);
    error(
        &app.admin("GET", &format!("{F}/hello/runs/1/logs?after=x"), None).await,
        400,
        "bad_request",
    );

    // No body at all, and an empty object, are runs with the stored config.
    let r = app
        .raw("POST", &format!("{F}/hello/runs"), Some(&app.admin), None)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["config"], json!({"REGION": "eu-west-1"}));
    app.wait_run(&format!("{F}/hello/runs/2"), Duration::from_secs(30))
        .await;
    let r = app.admin("POST", &format!("{F}/hello/runs"), Some(json!({}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.wait_run(&format!("{F}/hello/runs/3"), Duration::from_secs(30))
        .await;
    let r = app
        .raw(
            "POST",
            &format!("{F}/hello/runs"),
            Some(&app.admin),
            Some(("application/json", "null")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.wait_run(&format!("{F}/hello/runs/4"), Duration::from_secs(30))
        .await;
    let r = app
        .raw(
            "POST",
            &format!("{F}/hello/runs"),
            Some(&app.admin),
            Some(("text/plain", "{}")),
        )
        .await;
    error(&r, 415, "unsupported_media_type");

    let r = app.admin("GET", &format!("{F}/hello/runs?limit=2"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let numbers: Vec<i64> = r
        .body
        .as_array()
        .expect("runs")
        .iter()
        .filter_map(|r| r["run_number"].as_i64())
        .collect();
    assert_eq!(numbers, [4, 3]);
    let r = app.admin("GET", &format!("{F}/hello/runs"), None).await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(4));

    // A long run: the concurrency limit, no delete while it runs, cancel.
    let def = json!({"name": "sleeper", "kind": "command", "command": ["sleep", "30"]});
    assert_eq!(app.admin("POST", F, Some(def)).await.status, 201);
    let r = app.admin("POST", &format!("{F}/sleeper/runs"), None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "running");
    error(
        &app.admin("POST", &format!("{F}/sleeper/runs"), None).await,
        409,
        "conflict",
    );
    error(
        &app.admin("DELETE", &format!("{F}/sleeper"), None).await,
        409,
        "conflict",
    );
    let r = app.admin("POST", &format!("{F}/sleeper/runs/1/cancel"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["run_number"], 1);
    let run = app
        .wait_run(&format!("{F}/sleeper/runs/1"), Duration::from_secs(15))
        .await;
    assert_eq!(run["status"], "cancelled", "{run}");
    error(
        &app.admin("POST", &format!("{F}/sleeper/runs/1/cancel"), None).await,
        409,
        "conflict",
    );
    assert_eq!(app.admin("DELETE", &format!("{F}/sleeper"), None).await.status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_tokens() {
    let app = App::start(true).await;
    let def = json!({"name": "hello", "kind": "command", "command": ["true"]});
    assert_eq!(app.admin("POST", F, Some(def.clone())).await.status, 201);
    let bob = app.user("bob").await;

    let r = app.call("GET", F, Some(&bob), None).await;
    error(&r, 403, "forbidden");
    assert_eq!(r.body["role_needed"], "read");
    let r = app.call("GET", &format!("{F}/hello/runs"), Some(&bob), None).await;
    error(&r, 403, "forbidden");
    error(&app.call("GET", F, None, None).await, 401, "unauthorized");
    error(
        &app.call("GET", F, Some("coffer_00_nope"), None).await,
        401,
        "unauthorized",
    );

    let r = app
        .admin("PUT", "/v1/projects/p/members/bob", Some(json!({"role": "read"})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.call("GET", F, Some(&bob), None).await.status, 200);
    assert_eq!(
        app.call("GET", &format!("{F}/hello"), Some(&bob), None).await.status,
        200
    );
    let r = app.call("POST", &format!("{F}/hello/runs"), Some(&bob), None).await;
    error(&r, 403, "forbidden");
    assert_eq!(r.body["role_needed"], "use");
    let r = app
        .call(
            "POST",
            F,
            Some(&bob),
            Some(json!({"name": "b", "kind": "command", "command": ["true"]})),
        )
        .await;
    error(&r, 403, "forbidden");
    assert_eq!(r.body["role_needed"], "write");
    let r = app.call("DELETE", &format!("{F}/hello"), Some(&bob), None).await;
    error(&r, 403, "forbidden");
    assert_eq!(r.body["role_needed"], "write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_runner_runs_are_unavailable() {
    let app = App::start(false).await;
    let def = json!({"name": "hello", "kind": "command", "command": ["true"]});
    assert_eq!(app.admin("POST", F, Some(def)).await.status, 201);
    let r = app.admin("POST", &format!("{F}/hello/runs"), None).await;
    error(&r, 503, "unavailable");
    assert!(
        r.body["message"].as_str().unwrap_or_default().contains("flight runner"),
        "{}",
        r.body
    );
    error(
        &app.admin("POST", &format!("{F}/missing/runs"), None).await,
        404,
        "not_found",
    );
    error(
        &app.call("POST", &format!("{F}/hello/runs"), None, None).await,
        401,
        "unauthorized",
    );
    // Everything else works.
    assert_eq!(app.admin("GET", &format!("{F}/hello/runs"), None).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_form_a_tree() {
    let app = App::start(false).await;
    // The bootstrap token (no expiry) makes a 1h token; that one's children are capped.
    let r = app
        .admin("POST", "/v1/tokens", Some(json!({"name": "hour", "expires_in": "1h"})))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["info"]["parent"], "admin-bootstrap", "{}", r.body);
    assert!(r.body["notice"].is_null(), "{}", r.body);
    let hour = r.body["token"].as_str().expect("token").to_string();
    let cap = r.body["info"]["expires_at"].as_i64().expect("expires");
    let r = app
        .call("POST", "/v1/tokens", Some(&hour), Some(json!({"name": "forever"})))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["info"]["expires_at"], cap, "{}", r.body);
    assert_eq!(r.body["info"]["parent"], "hour", "{}", r.body);
    assert!(
        r.body["notice"].as_str().is_some_and(|n| n.contains("hour")),
        "the cap is explained: {}",
        r.body
    );
    let forever = r.body["token"].as_str().expect("token").to_string();
    let r = app
        .call(
            "POST",
            "/v1/tokens",
            Some(&forever),
            Some(json!({"name": "deep", "expires_in": "90d"})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["info"]["expires_at"].as_i64()),
        (201, Some(cap)),
        "{}",
        r.body
    );
    let deep = r.body["token"].as_str().expect("token").to_string();

    let r = app.admin("GET", "/v1/tokens", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let deep_row = r
        .body
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["token_name"] == "deep")
        .cloned()
        .expect("deep listed");
    assert_eq!(
        (deep_row["parent"].clone(), deep_row["expires_at"].clone()),
        (json!("forever"), json!(cap))
    );

    // A run's token may not make tokens.
    let caller = app.service.authenticate(&app.admin, "test").expect("admin");
    let spec = serde_json::from_value(json!({"kind": "command", "command": ["true"]})).expect("spec");
    app.service.create_flight(&caller, "p", "job", spec).expect("flight");
    let started = app
        .service
        .start_run(&caller, "p", "job", coffer_core::RunRequest::default())
        .expect("start");
    let coffer_core::Started::Launch(launch) = started else {
        panic!("the run did not launch");
    };
    let run = launch
        .env
        .vars()
        .find(|(n, ..)| *n == "COFFER_TOKEN")
        .map(|(_, v, ..)| v.expose_secret().to_string())
        .expect("COFFER_TOKEN");
    assert_eq!(app.call("GET", "/v1/whoami", Some(&run), None).await.status, 200);
    let r = app
        .call(
            "POST",
            "/v1/tokens",
            Some(&run),
            Some(json!({"name": "escape", "expires_in": "1h"})),
        )
        .await;
    error(&r, 403, "forbidden");
    assert!(
        r.body["message"].as_str().is_some_and(|m| m.contains("flight run")),
        "{}",
        r.body
    );

    // Revoking `hour` revokes what it made, transitively.
    let r = app.admin("DELETE", "/v1/tokens/hour", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["revoked_with"], json!(["forever", "deep"]), "{}", r.body);
    for t in [&hour, &forever, &deep] {
        error(&app.call("GET", "/v1/whoami", Some(t), None).await, 401, "unauthorized");
    }
    assert_eq!(app.admin("GET", "/v1/whoami", None).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_kept_listed_and_read_by_role() {
    let app = App::start(false).await;
    let def = json!({"name": "job", "kind": "command", "command": ["echo", "one"], "config": {"A": "1"}});
    let r = app.admin("POST", F, Some(def)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["flight"]["flight_id"].as_str().expect("id").to_string();
    let r = app
        .admin(
            "PATCH",
            &format!("{F}/job"),
            Some(json!({"command": ["echo", "two"], "config": {"A": "2"}})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["flight"]["version"].clone()),
        (200, json!(2)),
        "{}",
        r.body
    );
    assert_eq!(r.body["unchanged"], false);
    // The same definition again changes nothing and makes no version.
    let r = app
        .admin("PATCH", &format!("{F}/job"), Some(json!({"command": ["echo", "two"]})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["unchanged"].clone(), r.body["flight"]["version"].clone()),
        (json!(true), json!(2))
    );

    let r = app.admin("GET", &format!("{F}/job/versions"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.body.as_array().expect("a list");
    assert_eq!(list.len(), 2, "{}", r.body);
    assert_eq!(list[0]["version"], 2);
    assert_eq!(list[0]["changes"], json!(["command", "config"]));
    assert_eq!(list[1]["changes"], json!(["created"]));
    assert!(list[0]["created_by"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(list[0]["created_at"].as_i64().is_some());

    for flight in ["job", id.as_str()] {
        let r = app.admin("GET", &format!("{F}/{flight}/versions/1"), None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            (r.body["version"].clone(), r.body["command"].clone()),
            (json!(1), json!(["echo", "one"]))
        );
        assert_eq!(r.body["config"], json!({"A": "1"}));
    }
    let r = app.admin("GET", &format!("{F}/job/versions/9"), None).await;
    error(&r, 404, "not_found");
    let msg = r.body["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("'job'") && msg.contains("version 9") && msg.contains("latest version is 2"),
        "{msg}"
    );
    for bad in ["0", "-1", "two", "99999999999999999999"] {
        let r = app.admin("GET", &format!("{F}/job/versions/{bad}"), None).await;
        error(&r, 400, "invalid");
        assert_eq!(r.body["field"], "version", "{}", r.body);
    }
    error(
        &app.admin("GET", &format!("{F}/ghost/versions"), None).await,
        404,
        "not_found",
    );
    error(
        &app.call("GET", &format!("{F}/job/versions"), None, None).await,
        401,
        "unauthorized",
    );

    // No role: nothing, not even whether the flight exists; `read` reads and cannot write.
    let bob = app.user("bob").await;
    for path in [
        format!("{F}/job/versions"),
        format!("{F}/job/versions/1"),
        format!("{F}/ghost/versions/1"),
    ] {
        let r = app.call("GET", &path, Some(&bob), None).await;
        error(&r, 403, "forbidden");
        assert_eq!(r.body["role_needed"], "read");
        assert!(!r.body.to_string().contains("echo"), "{}", r.body);
    }
    let r = app
        .admin("PUT", "/v1/projects/p/members/bob", Some(json!({"role": "read"})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.call("GET", &format!("{F}/job/versions"), Some(&bob), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        app.call("GET", &format!("{F}/job/versions/1"), Some(&bob), None)
            .await
            .status,
        200
    );
    let r = app
        .call(
            "PATCH",
            &format!("{F}/job"),
            Some(&bob),
            Some(json!({"command": ["id"]})),
        )
        .await;
    error(&r, 403, "forbidden");
    assert_eq!(r.body["role_needed"], "write");
    let r = app.admin("GET", &format!("{F}/job/versions"), None).await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(2), "no version was made");
}
