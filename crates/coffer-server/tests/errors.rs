//! Error responses: what the client reads and what the server log gets. Errors the client can
//! act on keep their message, field and role; errors of the store, the keyring, the audit log
//! and bugs reach the client as a generic message naming a request id, and their cause is
//! logged under that id. Unit checks on [`ApiError`] and end-to-end ones on a real server whose
//! store and keyring are broken under it.

use coffer_core::{CoreError, Role, Service};
use coffer_crypto::keyring::WrappedKey;
use coffer_crypto::{CryptoError, DataKey, Keyring, LocalKeyFile};
use coffer_model::ModelError;
use coffer_server::{ApiError, AppState};
use coffer_store::StoreError;
use coffer_store_sqlite::SqliteStore;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

// ---- the log ----

/// Everything logged by this test binary (every thread: the server's workers and its blocking
/// pool log too).
fn log() -> &'static Mutex<Vec<u8>> {
    static LOG: OnceLock<&'static Mutex<Vec<u8>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log: &'static Mutex<Vec<u8>> = Box::leak(Box::new(Mutex::new(Vec::new())));
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || Capture(log))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        log
    })
}

struct Capture(&'static Mutex<Vec<u8>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The lines logged so far that mention `needle`.
fn logged(needle: &str) -> Vec<String> {
    let bytes = log().lock().unwrap_or_else(|p| p.into_inner()).clone();
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter(|l| l.contains(needle))
        .map(str::to_string)
        .collect()
}

/// The request id a client message names: `... (see the server log, request id <uuid>)`.
fn request_id(message: &str) -> String {
    let (_, id) = message
        .split_once("(see the server log, request id ")
        .unwrap_or_else(|| panic!("no request id in {message:?}"));
    let id = id.strip_suffix(')').unwrap_or_else(|| panic!("{message:?}"));
    assert_eq!(id.len(), 36, "a UUID: {id}");
    id.to_string()
}

/// The status and JSON body the client gets for `e`.
async fn respond(e: ApiError) -> (u16, Value) {
    use axum::response::IntoResponse;
    let resp = e.into_response();
    let status = resp.status().as_u16();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.expect("the body");
    (status, serde_json::from_slice(&bytes).expect("JSON"))
}

/// Checks that `e` reaches the client as `status` `code` with only `generic` and a request id,
/// never a word of `hidden`, and that the server log has `hidden` under that request id.
async fn check_hidden(e: CoreError, status: u16, code: &str, generic: &str, hidden: &str) {
    log();
    let err = ApiError::from(e);
    assert_eq!((err.status().as_u16(), err.code()), (status, code));
    assert_eq!(err.message(), generic);
    assert!(err.cause().is_some_and(|c| c.to_string().contains(hidden)), "{err:?}");
    let (got_status, body) = respond(err).await;
    assert_eq!(got_status, status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().expect("a message");
    assert!(message.starts_with(generic), "{message}");
    assert!(!message.contains(hidden), "the cause reached the client: {message}");
    assert!(
        body.get("field").is_none() && body.get("role_needed").is_none(),
        "{body}"
    );
    let id = request_id(message);
    let lines = logged(&id);
    assert_eq!(lines.len(), 1, "one log line for {id}: {lines:?}");
    assert!(lines[0].contains(hidden), "the cause is logged: {}", lines[0]);
    assert!(lines[0].contains("ERROR"), "{}", lines[0]);
}

// ---- ApiError ----

#[tokio::test]
async fn store_errors_are_logged_not_shown() {
    check_hidden(
        CoreError::Store(StoreError::Backend(
            "connection to db.internal:5432 as coffer_rw failed: FATAL".into(),
        )),
        503,
        "store_unavailable",
        "the store is unavailable",
        "db.internal:5432 as coffer_rw",
    )
    .await;
    check_hidden(
        CoreError::Store(StoreError::Corrupt {
            name: "s3_prod".into(),
            reason: "column 7 is not JSON".into(),
        }),
        503,
        "store_unavailable",
        "the store is unavailable",
        "column 7 is not JSON",
    )
    .await;
    check_hidden(
        CoreError::Audit(StoreError::Audit("disk full on /var/lib/coffer".into())),
        503,
        "audit_unavailable",
        "the request was refused because its audit event cannot be written",
        "disk full on /var/lib/coffer",
    )
    .await;
}

#[tokio::test]
async fn keyring_errors_are_logged_not_shown() {
    check_hidden(
        CoreError::Crypto(CryptoError::KeyService {
            key: "arn:aws:kms:eu-west-1:123456789012:key/k-1".into(),
            reason: "dispatch failure: connection refused".into(),
            kind: std::io::ErrorKind::ConnectionRefused,
        }),
        503,
        "keyring_unavailable",
        "the keyring is unavailable",
        "123456789012",
    )
    .await;
    check_hidden(
        CoreError::Crypto(CryptoError::Io {
            path: "/etc/coffer/master.key".into(),
            source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, "EACCES"),
        }),
        503,
        "keyring_unavailable",
        "the keyring is unavailable",
        "/etc/coffer/master.key",
    )
    .await;
    check_hidden(
        CoreError::Crypto(CryptoError::Integrity),
        500,
        "internal",
        "internal error",
        "integrity check failed",
    )
    .await;
}

#[tokio::test]
async fn internal_errors_are_logged_not_shown() {
    log();
    let err = ApiError::internal("the worker pool is gone (pool-7)");
    assert_eq!(
        (err.status().as_u16(), err.code(), err.message()),
        (500, "internal", "internal error")
    );
    let (status, body) = respond(err).await;
    assert_eq!(status, 500);
    let message = body["message"].as_str().expect("a message");
    assert!(!message.contains("pool-7"), "{message}");
    let lines = logged(&request_id(message));
    assert!(lines.len() == 1 && lines[0].contains("pool-7"), "{lines:?}");
}

/// A keyring's "cannot do that here, do this instead" is written for users: it stays.
#[tokio::test]
async fn what_a_keyring_cannot_do_is_said() {
    let e = CoreError::Crypto(CryptoError::Unsupported("this keyring cannot rewrap data keys"));
    let (status, body) = respond(ApiError::from(e)).await;
    assert_eq!(status, 503);
    assert_eq!(body["code"], "keyring_unavailable");
    assert_eq!(body["message"], "this keyring cannot rewrap data keys");
}

/// Errors the client can act on keep their message, field and role, and log nothing.
#[tokio::test]
async fn user_errors_keep_their_message_field_and_role() {
    log();
    let cases = [
        (
            CoreError::NotFound {
                name: "nope-404".into(),
                storage: None,
            },
            404,
            "not_found",
            None,
            None,
        ),
        (
            CoreError::Forbidden {
                caller: "eve-403".into(),
                project: "p".into(),
                need: Role::Write,
            },
            403,
            "forbidden",
            None,
            Some("write"),
        ),
        (
            CoreError::NeedsSuperuser {
                caller: "eve-su".into(),
            },
            403,
            "forbidden",
            None,
            Some("superuser"),
        ),
        (
            CoreError::Invalid(ModelError::InvalidName { name: "a b-400".into() }),
            400,
            "invalid",
            Some("name"),
            None,
        ),
        (
            CoreError::Ambiguous {
                name: "twice-409".into(),
                storages: vec![coffer_model::Storage::Memory, coffer_model::Storage::Coffer],
            },
            409,
            "ambiguous",
            Some("storage"),
            None,
        ),
        (
            CoreError::Conflict("project 'p-409' already exists".into()),
            409,
            "conflict",
            None,
            None,
        ),
        (
            CoreError::Unauthenticated("unknown token-401".into()),
            401,
            "unauthorized",
            None,
            None,
        ),
    ];
    for (e, status, code, field, role) in cases {
        let text = e.to_string();
        let err = ApiError::from(e);
        assert!(err.cause().is_none(), "{err:?}");
        assert_eq!((err.field(), err.role_needed()), (field, role), "{text}");
        let (got, body) = respond(err).await;
        assert_eq!(got, status, "{body}");
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["message"], text.as_str(), "the message is the service's");
        assert_eq!(body["field"].as_str(), field, "{body}");
        assert_eq!(body["role_needed"].as_str(), role, "{body}");
        let marker = text.split(['\'', ' ']).find(|w| w.contains('-')).expect("a marker");
        assert!(logged(marker).is_empty(), "{marker} was logged");
    }
}

#[test]
fn flight_rules_name_the_body_field() {
    // The model's own errors for each rule: the body field is the datum the rule names, not
    // read back from the message's text.
    let field = |e: ModelError| {
        let e = ApiError::from(CoreError::Invalid(e));
        assert_eq!(e.code(), "invalid");
        assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST);
        e.field().map(str::to_string)
    };
    let spec = |v: Value| -> coffer_model::flight::FlightSpec { serde_json::from_value(v).expect("spec") };
    let invalid = |v: Value| field(spec(v).validate().expect_err("invalid"));
    use coffer_model::flight::{check_config_key, check_config_value, parse_config, FlightKind};
    let base = spec(json!({"kind": "command", "command": ["true"], "config": {"A": "1"}}));
    let overrides: indexmap::IndexMap<String, String> = [("X".to_string(), "1".to_string())].into_iter().collect();
    assert_eq!(
        field(base.effective_config(&overrides).expect_err("override")).as_deref(),
        Some("config")
    );
    assert_eq!(
        field(check_config_key("A=B").expect_err("key")).as_deref(),
        Some("config")
    );
    assert_eq!(
        field(check_config_value("A", "\0").expect_err("value")).as_deref(),
        Some("config")
    );
    assert_eq!(
        field(parse_config(&["A".into()]).expect_err("config")).as_deref(),
        Some("config")
    );
    assert_eq!(
        invalid(json!({"kind": "command", "command": ["true"], "timeout_secs": 0})).as_deref(),
        Some("timeout_secs")
    );
    assert_eq!(
        invalid(json!({"kind": "command", "command": ["true"], "secrets": ["s3", "s3"]})).as_deref(),
        Some("secrets")
    );
    assert_eq!(
        field(FlightKind::parse("bogus").expect_err("kind")).as_deref(),
        Some("kind")
    );
    assert_eq!(
        field(coffer_model::schedule::Schedule::parse("not cron", None).expect_err("schedule")).as_deref(),
        Some("schedule")
    );
    assert_eq!(
        invalid(json!({"kind": "command", "command": []})).as_deref(),
        Some("command")
    );
    assert_eq!(invalid(json!({"kind": "python"})).as_deref(), Some("script"));
    // A step of a flow is not a field of the request body.
    assert_eq!(invalid(json!({"kind": "flow"})), None);
}

// ---- a real server ----

/// A local key file that can be made to fail as an unreachable key service does.
struct FlakyKeyring {
    inner: LocalKeyFile,
    down: Arc<AtomicBool>,
}

impl FlakyKeyring {
    fn check(&self) -> coffer_crypto::Result<()> {
        if self.down.load(Ordering::SeqCst) {
            return Err(CryptoError::KeyService {
                key: "arn:aws:kms:eu-west-1:210987654321:key/flaky".into(),
                reason: "KMS-DETAIL: connection refused by 10.9.8.7".into(),
                kind: std::io::ErrorKind::ConnectionRefused,
            });
        }
        Ok(())
    }
}

impl Keyring for FlakyKeyring {
    fn current_key_id(&self) -> String {
        self.inner.current_key_id()
    }
    fn generate_data_key(&self, context: &[u8]) -> coffer_crypto::Result<(DataKey, WrappedKey)> {
        self.check()?;
        self.inner.generate_data_key(context)
    }
    fn decrypt_data_key(&self, wrapped: &WrappedKey, context: &[u8]) -> coffer_crypto::Result<DataKey> {
        self.check()?;
        self.inner.decrypt_data_key(wrapped, context)
    }
}

struct App {
    addr: SocketAddr,
    admin: String,
    keyring_down: Arc<AtomicBool>,
    db: std::path::PathBuf,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl App {
    async fn start() -> App {
        log();
        let dir = tempfile::tempdir().expect("tempdir");
        let (inner, _) = LocalKeyFile::open_or_create(&dir.path().join("master.key")).expect("key");
        let down = Arc::new(AtomicBool::new(false));
        let keyring = FlakyKeyring {
            inner,
            down: Arc::clone(&down),
        };
        let db = dir.path().join("coffer.db");
        let store = SqliteStore::open(&db).expect("db");
        let service = Arc::new(Service::new(Box::new(store), Box::new(keyring)));
        let admin = service
            .bootstrap()
            .expect("bootstrap")
            .expect("an empty store")
            .token
            .expose_secret()
            .to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(coffer_server::serve(listener, AppState::new(service), async move {
            let _ = stopped.await;
        }));
        let app = App {
            addr,
            admin,
            keyring_down: down,
            db,
            _dir: dir,
            _stop: stop,
        };
        let (status, body) = app.call("POST", "/v1/projects", Some(json!({"name": "p"}))).await;
        assert_eq!(status, 201, "{body}");
        app
    }

    /// One request as the admin, on its own connection.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            self.admin,
            body.len()
        );
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
        let (head, payload) = text.split_once("\r\n\r\n").expect("a head");
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
        assert!(
            !head.to_ascii_lowercase().contains("transfer-encoding: chunked"),
            "{head}"
        );
        let body = if payload.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(payload).unwrap_or_else(|e| panic!("not JSON ({e}): {payload}"))
        };
        (status, body)
    }

    /// Breaks `table` under the running server: every insert into it fails with `reason`.
    fn break_inserts(&self, table: &str, reason: &str) {
        let db = rusqlite::Connection::open(&self.db).expect("db");
        db.execute_batch(&format!(
            "CREATE TRIGGER broken_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, '{reason}'); END;"
        ))
        .expect("trigger");
    }
}

fn secret(name: &str, value: &str) -> Value {
    json!({"name": name, "type": "generic", "fields": {"value": value}})
}

/// Checks an answer of a real server: `status` `code`, the generic message and a request id,
/// no `hidden` text, and `hidden` in the log under that id.
fn check_answer((status, body): &(u16, Value), want: u16, code: &str, generic: &str, hidden: &str) {
    assert_eq!((*status, body["code"].as_str()), (want, Some(code)), "{body}");
    let message = body["message"].as_str().expect("a message");
    assert!(message.starts_with(generic), "{message}");
    assert!(
        !body.to_string().contains(hidden),
        "the cause reached the client: {body}"
    );
    let lines = logged(&request_id(message));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(hidden), "the cause is logged: {}", lines[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_store_is_logged_not_shown() {
    let app = App::start().await;
    app.break_inserts("secret_versions", "STORE-DETAIL: disk sector 0x1f is bad");
    app.break_inserts("secrets", "STORE-DETAIL: disk sector 0x1f is bad");
    let answer = app
        .call("POST", "/v1/projects/p/secrets", Some(secret("s", "VALUE-1")))
        .await;
    check_answer(
        &answer,
        503,
        "store_unavailable",
        "the store is unavailable",
        "STORE-DETAIL",
    );
    assert!(logged("VALUE-1").is_empty(), "no value in the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_audit_log_is_logged_not_shown() {
    let app = App::start().await;
    app.break_inserts("audit_events", "AUDIT-DETAIL: audit disk full");
    let answer = app
        .call("POST", "/v1/projects/p/secrets", Some(secret("s", "VALUE-2")))
        .await;
    check_answer(
        &answer,
        503,
        "audit_unavailable",
        "the request was refused because its audit event cannot be written",
        "AUDIT-DETAIL",
    );
    assert!(logged("VALUE-2").is_empty(), "no value in the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyring_that_is_down_is_logged_not_shown() {
    let app = App::start().await;
    let (status, body) = app
        .call("POST", "/v1/projects/p/secrets", Some(secret("kept", "VALUE-3")))
        .await;
    assert_eq!(status, 201, "{body}");
    app.keyring_down.store(true, Ordering::SeqCst);
    for answer in [
        app.call("POST", "/v1/projects/p/secrets", Some(secret("new", "VALUE-4")))
            .await,
        app.call("POST", "/v1/projects/p/env", Some(json!({"secrets": ["kept"]})))
            .await,
    ] {
        check_answer(
            &answer,
            503,
            "keyring_unavailable",
            "the keyring is unavailable",
            "KMS-DETAIL",
        );
        assert!(!answer.1.to_string().contains("210987654321"), "{}", answer.1);
    }
    // Errors the client can act on still say what is wrong, and log nothing.
    let (status, body) = app.call("GET", "/v1/projects/p/secrets/missing-7", None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "{body}");
    assert_eq!(body["message"], "secret 'missing-7' does not exist");
    assert!(logged("missing-7").is_empty());
    app.keyring_down.store(false, Ordering::SeqCst);
    let (status, body) = app
        .call("POST", "/v1/projects/p/env", Some(json!({"secrets": ["kept"]})))
        .await;
    assert_eq!(status, 200, "{body}");
    for v in ["VALUE-3", "VALUE-4"] {
        assert!(logged(v).is_empty(), "{v} in the log");
    }
}

/// `/sql` answers 200 with one result per statement: a statement that fails in the store gets
/// the generic message and a request id too; other statement errors are as `coffer sql` says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_store_under_sql_is_logged_not_shown() {
    let app = App::start().await;
    app.break_inserts("secret_versions", "STORE-DETAIL: sql sector 0x2e is bad");
    app.break_inserts("secrets", "STORE-DETAIL: sql sector 0x2e is bad");
    let sql = "CREATE PERSISTENT SECRET s5 (TYPE generic, VALUE 'VALUE-5'); DROP PERSISTENT SECRET nope5";
    let (status, body) = app
        .call("POST", "/v1/projects/p/sql", Some(json!({ "sql": sql })))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !body.to_string().contains("STORE-DETAIL"),
        "the cause reached the client: {body}"
    );
    let failed = &body["results"][0]["error"];
    let message = failed["message"].as_str().expect("an error");
    assert!(message.starts_with("the store is unavailable"), "{message}");
    assert_eq!(failed["rendered"], message);
    assert_eq!(failed["exit_code"], 1);
    let lines = logged(&request_id(message));
    assert!(lines.len() == 1 && lines[0].contains("STORE-DETAIL"), "{lines:?}");
    let missing = body["results"][1]["error"]["message"].as_str().expect("an error");
    assert!(
        missing.contains("Failed to remove non-existent secret with name 'nope5'"),
        "as DuckDB words it: {missing}"
    );
    assert!(logged("VALUE-5").is_empty(), "no value in the log");
}
