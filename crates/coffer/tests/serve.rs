//! `coffer serve` as a user meets it: a real server process on 127.0.0.1 over a real SQLite
//! file, driven over HTTP and through the CLI's remote mode.

mod common;

use common::server::Server;
use common::Harness;

#[test]
fn first_start_bootstraps_an_admin_whose_token_is_only_hashed() {
    let h = Harness::new();
    let s = Server::start(&h);
    assert!(s.admin_token.starts_with("coffer_"), "{}", s.log_text());
    let health = s.request("GET", "/healthz", None, None);
    assert_eq!((health.status, health.body["status"].as_str()), (200, Some("ok")));
    let me = s.admin("GET", "/v1/whoami", None);
    assert_eq!(me.status, 200);
    assert_eq!(me.body["name"], "admin");
    assert_eq!(me.body["superuser"], true);
    assert_eq!(me.body["token_name"], "admin-bootstrap");
    let token = s.admin_token.clone();
    let status = s.stop();
    assert!(status.success(), "SIGTERM stops the server cleanly: {status}");
    // A second start prints no token: the admin exists.
    let s2 = Server::start(&h);
    assert!(s2.admin_token.is_empty(), "{}", s2.log_text());
    drop(s2);
    // The token is nowhere in the home in plaintext.
    for entry in std::fs::read_dir(h.home()).expect("home") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "{} holds the token",
            path.display()
        );
    }
}

fn s3_body(name: &str, secret: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "type": "s3",
        "scope": [format!("s3://{name}")],
        "fields": {"key_id": "AKIAEXAMPLE", "secret": secret, "region": "us-east-1"}
    })
}

/// (actor, token, object, action, result) of every event of `project` after `after_id`.
fn events(s: &Server, project: &str, after_id: i64) -> Vec<(String, String, String, String, String)> {
    let a = s.admin("GET", &format!("/v1/audit?project={project}"), None);
    assert_eq!(a.status, 200, "{}", a.text);
    a.body
        .as_array()
        .expect("an array")
        .iter()
        .filter(|e| e["id"].as_i64().unwrap_or_default() > after_id)
        .map(|e| {
            let f = |k: &str| e[k].as_str().unwrap_or("-").to_string();
            (f("actor"), f("token_name"), f("object"), f("action"), f("result"))
        })
        .collect()
}

fn last_event_id(s: &Server) -> i64 {
    let a = s.admin("GET", "/v1/audit", None);
    a.body
        .as_array()
        .and_then(|v| v.last())
        .and_then(|e| e["id"].as_i64())
        .unwrap_or_default()
}

/// The bootstrap banner's token line (printed once, on purpose).
fn s_admin_token_line(log: &str) -> String {
    log.lines()
        .find(|l| l.trim_start().starts_with("coffer_"))
        .unwrap_or_default()
        .to_string()
}

fn token_for(s: &Server, owner: &str, name: &str, expires: Option<&str>) -> String {
    let mut body = serde_json::json!({"name": name, "owner": owner});
    if let Some(e) = expires {
        body["expires_in"] = e.into();
    }
    let t = s.admin("POST", "/v1/tokens", Some(&body));
    assert_eq!(t.status, 201, "{}", t.text);
    t.body["token"].as_str().expect("token").to_string()
}

#[test]
fn token_lifecycle_create_use_expire_revoke() {
    let h = Harness::new();
    let s = Server::start(&h);
    assert_eq!(
        s.admin("POST", "/v1/users", Some(&serde_json::json!({"name": "alice"})))
            .status,
        201
    );
    assert_eq!(
        s.admin(
            "PUT",
            "/v1/projects/default/members/alice",
            Some(&serde_json::json!({"role": "read"}))
        )
        .status,
        200
    );
    let long = token_for(&s, "alice", "alice-laptop", Some("90d"));
    let short = token_for(&s, "alice", "alice-ci", Some("1s"));
    // Names are unique; the token itself is never listed.
    let dup = s.admin(
        "POST",
        "/v1/tokens",
        Some(&serde_json::json!({"name": "ALICE-LAPTOP", "owner": "alice"})),
    );
    assert_eq!(
        (dup.status, dup.body["code"].as_str()),
        (409, Some("conflict")),
        "{}",
        dup.text
    );
    let list = s.request("GET", "/v1/tokens", Some(&long), None);
    assert_eq!(list.status, 200);
    assert!(!list.text.contains(&long) && !list.text.contains(&short));
    let names: Vec<&str> = list
        .body
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|t| t["token_name"].as_str())
        .collect();
    assert_eq!(names, ["alice-ci", "alice-laptop"], "alice sees her own tokens only");
    let laptop = &list.body.as_array().expect("array")[1];
    assert_eq!(laptop["status"], "active");
    assert!(
        laptop["last_used_at"].as_i64().is_some(),
        "the listing request itself used it"
    );
    assert!(laptop["expires_at"].as_i64().unwrap_or_default() > laptop["created_at"].as_i64().unwrap_or_default());

    // Use.
    assert_eq!(
        s.request("GET", "/v1/projects/default/secrets", Some(&short), None)
            .status,
        200
    );
    // Expire.
    std::thread::sleep(std::time::Duration::from_millis(1300));
    let expired = s.request("GET", "/v1/projects/default/secrets", Some(&short), None);
    assert_eq!(expired.status, 401, "{}", expired.text);
    assert_eq!(expired.body["code"], "unauthorized");
    assert!(expired.body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("'alice-ci' expired"));
    // Revoke: the next request fails.
    assert_eq!(
        s.request("GET", "/v1/projects/default/secrets", Some(&long), None)
            .status,
        200
    );
    let r = s.request("DELETE", "/v1/tokens/alice-laptop", Some(&long), None);
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("revoked")),
        "{}",
        r.text
    );
    let after = s.request("GET", "/v1/projects/default/secrets", Some(&long), None);
    assert_eq!(after.status, 401);
    assert!(after.body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("was revoked"));
    // Bad tokens: unknown, malformed, a right public id with a wrong secret, missing header.
    let mut forged = long.clone();
    forged.pop();
    forged.push(if long.ends_with('0') { '1' } else { '0' });
    for bad in [
        "nope",
        "coffer_",
        "coffer_zz_zz",
        "coffer_0000000000000000_00",
        forged.as_str(),
    ] {
        let a = s.request("GET", "/v1/whoami", Some(bad), None);
        assert_eq!(
            (a.status, a.body["message"].as_str()),
            (401, Some("not authenticated: invalid token")),
            "{bad}"
        );
    }
    let none = s.request("GET", "/v1/whoami", None, None);
    assert_eq!(none.status, 401);
    assert!(none.body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("Authorization: Bearer"));
    // Every token event is audited; the token appears in no file of the home.
    let ev = events(&s, "-", 0);
    let actions: Vec<(&str, &str)> = ev.iter().map(|e| (e.2.as_str(), e.3.as_str())).collect();
    assert!(actions.contains(&("token:alice-laptop", "token.create")));
    assert!(actions.contains(&("token:alice-laptop", "token.revoke")));
    for entry in std::fs::read_dir(h.home()).expect("home") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        for t in [&long, &short] {
            assert!(!bytes.windows(t.len()).any(|w| w == t.as_bytes()));
        }
    }
}

#[test]
fn audit_has_exactly_one_event_per_action() {
    let h = Harness::new();
    // Every log line the server can write, so the leak check below sees them all.
    let s = Server::start_with(&h, &[("COFFER_LOG", "trace")]);
    assert_eq!(
        s.admin(
            "POST",
            "/v1/projects/default/service-accounts",
            Some(&serde_json::json!({"name": "runner"}))
        )
        .status,
        201
    );
    let runner = token_for(&s, "runner", "runner-token", None);
    let start = last_event_id(&s);
    let admin = |m: &str, p: &str, b: Option<&serde_json::Value>| s.admin(m, p, b);
    assert_eq!(
        admin("POST", "/v1/projects/default/secrets", Some(&s3_body("a", "AUDIT-V1"))).status,
        201
    );
    let mut replace = s3_body("a", "AUDIT-V2");
    replace["on_conflict"] = "replace".into();
    assert_eq!(
        admin("POST", "/v1/projects/default/secrets", Some(&replace)).status,
        200
    );
    let mut keep = s3_body("a", "AUDIT-V3");
    keep["on_conflict"] = "ignore".into();
    assert_eq!(
        admin("POST", "/v1/projects/default/secrets", Some(&keep)).status,
        200,
        "kept: no event"
    );
    // Metadata reads write no event.
    assert_eq!(admin("GET", "/v1/projects/default/secrets/a", None).status, 200);
    assert_eq!(admin("GET", "/v1/projects/default/secrets", None).status, 200);
    // Denied: the runner has no role yet.
    let denied = s.request(
        "POST",
        "/v1/projects/default/env",
        Some(&runner),
        Some(&serde_json::json!({"secrets": ["a"]})),
    );
    assert_eq!(
        (denied.status, denied.body["role_needed"].as_str()),
        (403, Some("use")),
        "{}",
        denied.text
    );
    assert!(!denied.text.contains("AUDIT-V"));
    assert_eq!(
        admin(
            "PUT",
            "/v1/projects/default/members/runner",
            Some(&serde_json::json!({"role": "use"}))
        )
        .status,
        200
    );
    let used = s.request(
        "POST",
        "/v1/projects/default/env",
        Some(&runner),
        Some(&serde_json::json!({"secrets": ["a"]})),
    );
    assert_eq!(used.status, 200, "{}", used.text);
    assert_eq!(used.body["env"]["A_SECRET"], "AUDIT-V2");
    assert_eq!(used.body["env"]["A_KEY_ID"], "AKIAEXAMPLE");
    assert_eq!(used.body["sensitive"], serde_json::json!(["A_SECRET"]));
    let write_denied = s.request("DELETE", "/v1/projects/default/secrets/a", Some(&runner), None);
    assert_eq!(write_denied.status, 403);
    assert_eq!(admin("DELETE", "/v1/projects/default/secrets/a", None).status, 200);
    let got = events(&s, "default", start);
    let want: Vec<(String, String, String, String, String)> = [
        ("admin", "admin-bootstrap", "secret:a", "create", "ok"),
        ("admin", "admin-bootstrap", "secret:a", "replace", "ok"),
        ("runner", "runner-token", "secret:a", "use", "denied"),
        ("admin", "admin-bootstrap", "grant:runner", "grant", "ok"),
        ("runner", "runner-token", "secret:a", "use", "ok"),
        ("runner", "runner-token", "secret:a", "drop", "denied"),
        ("admin", "admin-bootstrap", "secret:a", "drop", "ok"),
    ]
    .iter()
    .map(|(a, b, c, d, e)| {
        (
            a.to_string(),
            b.to_string(),
            c.to_string(),
            d.to_string(),
            e.to_string(),
        )
    })
    .collect();
    assert_eq!(got, want);
    // Each event names the client address.
    let all = s.admin("GET", "/v1/audit?project=default&secret=a", None);
    assert!(all
        .body
        .as_array()
        .expect("array")
        .iter()
        .all(|e| e["client"] == "127.0.0.1"));
    // The CLI reads the same log, filtered.
    h.run_env(
        &["audit", "--secret", "a", "--actor", "runner", "--format", "json"],
        &[("COFFER_URL", &s.url), ("COFFER_TOKEN", &s.admin_token)],
    )
    .success()
    .stdout(predicates::function::function(|out: &str| {
        let v: serde_json::Value = serde_json::from_str(out).unwrap_or_default();
        v.as_array().map(|a| a.len()) == Some(3)
    }));
    // No value in the log, the database or its WAL.
    let log = s.log_text();
    let admin_token = s.admin_token.clone();
    s.stop();
    let log = log.replacen(&s_admin_token_line(&log), "", 1);
    assert!(
        !log.contains(&admin_token),
        "the admin token is printed once, in its banner"
    );
    assert!(
        log.contains("TRACE") || log.contains("DEBUG") || log.contains("INFO"),
        "{log}"
    );
    assert!(!log.contains(&runner), "the runner's token is not logged");
    for v in ["AUDIT-V1", "AUDIT-V2", "AUDIT-V3"] {
        assert!(!log.contains(v));
        for entry in std::fs::read_dir(h.home()).expect("home") {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
            assert!(!bytes.windows(v.len()).any(|w| w == v.as_bytes()), "{v} in the home");
        }
    }
}

#[test]
fn a_request_whose_audit_event_cannot_be_written_fails_and_changes_nothing() {
    let h = Harness::new();
    let s = Server::start(&h);
    assert_eq!(
        s.admin("POST", "/v1/projects/default/secrets", Some(&s3_body("kept", "FC-OLD")))
            .status,
        201
    );
    // Break the audit log under the running server: every insert into it now fails.
    let db = rusqlite::Connection::open(h.db_path()).expect("db");
    db.execute_batch(
        "CREATE TRIGGER audit_broken BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit disk full'); END;",
    )
    .expect("trigger");
    let create = s.admin("POST", "/v1/projects/default/secrets", Some(&s3_body("new", "FC-NEW")));
    assert_eq!(
        (create.status, create.body["code"].as_str()),
        (503, Some("audit_unavailable")),
        "{}",
        create.text
    );
    let mut replace = s3_body("kept", "FC-REPLACED");
    replace["on_conflict"] = "replace".into();
    assert_eq!(
        s.admin("POST", "/v1/projects/default/secrets", Some(&replace)).status,
        503
    );
    assert_eq!(s.admin("DELETE", "/v1/projects/default/secrets/kept", None).status, 503);
    let env = s.admin(
        "POST",
        "/v1/projects/default/env",
        Some(&serde_json::json!({"secrets": ["kept"]})),
    );
    assert_eq!(env.status, 503);
    assert!(
        !env.text.contains("FC-OLD"),
        "no value is handed out without its audit event"
    );
    assert_eq!(
        s.admin("POST", "/v1/users", Some(&serde_json::json!({"name": "bob"})))
            .status,
        503
    );
    // Nothing changed.
    db.execute_batch("DROP TRIGGER audit_broken").expect("drop trigger");
    assert_eq!(s.admin("GET", "/v1/projects/default/secrets/new", None).status, 404);
    let kept = s.admin("GET", "/v1/projects/default/secrets/kept", None);
    assert_eq!(kept.body["version"], 1, "{}", kept.text);
    assert_eq!(
        s.admin("POST", "/v1/users", Some(&serde_json::json!({"name": "bob"})))
            .status,
        201
    );
    let env = s.admin(
        "POST",
        "/v1/projects/default/env",
        Some(&serde_json::json!({"secrets": ["kept"]})),
    );
    assert_eq!(env.body["env"]["KEPT_SECRET"], "FC-OLD");
}

#[test]
fn bad_input_gets_a_4xx_json_error_naming_the_problem() {
    let h = Harness::new();
    let s = Server::start(&h);
    let t = s.admin_token.clone();
    let post = |path: &str, body: &str| s.raw("POST", path, &t, "application/json", body.as_bytes());
    let check = |a: &common::server::Answer, status: u16, code: &str, field: Option<&str>, says: &str| {
        assert_eq!(a.status, status, "{}", a.text);
        assert_eq!(a.body["code"], code, "{}", a.text);
        assert_eq!(a.body["field"].as_str(), field, "{}", a.text);
        assert!(
            a.body["message"].as_str().unwrap_or_default().contains(says),
            "{}",
            a.text
        );
    };
    let secrets = "/v1/projects/default/secrets";
    check(
        &post(secrets, "{\"type\": \"s3\""),
        400,
        "bad_request",
        None,
        "malformed JSON",
    );
    check(
        &post(secrets, "{\"type\":\"s3\",\"nme\":\"x\"}"),
        400,
        "bad_request",
        Some("nme"),
        "unknown field `nme`",
    );
    check(
        &post(secrets, "{\"type\":\"s3\",\"name\":5}"),
        400,
        "bad_request",
        Some("name"),
        "invalid type",
    );
    // A wrong type never echoes the value: it could be a secret.
    let echo = post(secrets, "{\"type\":\"s3\",\"fields\":\"hunter2-value\"}");
    check(&echo, 400, "bad_request", Some("fields"), "invalid type");
    assert!(!echo.text.contains("hunter2-value"));
    check(
        &post(secrets, "{\"type\":\"s4\"}"),
        400,
        "invalid",
        Some("type"),
        "unknown secret type 's4'",
    );
    check(
        &post(
            secrets,
            "{\"type\":\"s3\",\"name\":\"a b\",\"fields\":{\"key_id\":\"a\",\"secret\":\"b\",\"region\":\"c\"}}",
        ),
        400,
        "invalid",
        Some("name"),
        "invalid secret name 'a b'",
    );
    check(
        &post(secrets, "{\"type\":\"s3\",\"fields\":{\"key_idd\":\"a\"}}"),
        400,
        "invalid",
        Some("fields.key_idd"),
        "unknown field 'key_idd'",
    );
    check(
        &post(
            secrets,
            "{\"type\":\"s3\",\"fields\":{\"key_id\":\"a\",\"secret\":\"b\",\"region\":\"c\",\"use_ssl\":\"maybe\"}}",
        ),
        400,
        "invalid",
        Some("fields.use_ssl"),
        "expected a boolean",
    );
    check(
        &post("/v1/projects/a%20b/secrets", "{\"type\":\"s3\"}"),
        400,
        "invalid",
        Some("project"),
        "invalid project name",
    );
    check(
        &post(
            "/v1/projects/nope/secrets",
            "{\"type\":\"s3\",\"fields\":{\"key_id\":\"a\",\"secret\":\"b\",\"region\":\"c\"}}",
        ),
        404,
        "not_found",
        None,
        "project 'nope' does not exist",
    );
    let big = format!("{{\"type\":\"s3\",\"name\":\"{}\"}}", "x".repeat(1024 * 1024 + 10));
    check(
        &post(secrets, &big),
        413,
        "payload_too_large",
        None,
        "larger than the limit",
    );
    let text = s.raw("POST", secrets, &t, "text/plain", b"{}");
    check(
        &text,
        415,
        "unsupported_media_type",
        None,
        "Content-Type: application/json",
    );
    let q = s.admin("GET", "/v1/projects/default/which?path=s3://x", None);
    check(&q, 400, "bad_request", None, "invalid query string");
    let st = s.admin("GET", "/v1/projects/default/secrets/x?storage=disk", None);
    check(&st, 400, "invalid", Some("storage"), "unknown storage 'disk'");
    let grant = s.admin(
        "PUT",
        "/v1/projects/default/members/admin",
        Some(&serde_json::json!({"role": "owner"})),
    );
    check(&grant, 400, "bad_request", Some("role"), "unknown role 'owner'");
    let exp = s.admin(
        "POST",
        "/v1/tokens",
        Some(&serde_json::json!({"name": "t", "expires_in": "soon"})),
    );
    check(&exp, 400, "invalid", Some("expires_in"), "invalid duration 'soon'");
    let missing = s.admin("GET", "/v1/nothing-here", None);
    check(&missing, 404, "not_found", None, "no such endpoint");
    let method = s.admin("PATCH", "/v1/projects", None);
    check(&method, 405, "method_not_allowed", None, "does not take that method");
    // The server logged no 5xx and still answers.
    assert_eq!(s.request("GET", "/healthz", None, None).status, 200);
    assert!(!s.log_text().contains("hunter2-value"));
}

/// Replaces what differs by nature between two homes: times and the actor's name.
fn normalize(text: &str, actors: &[&str]) -> String {
    let mut out = String::new();
    for word in text.split_inclusive(|c: char| c.is_whitespace() || c == '"' || c == ',') {
        let trimmed = word.trim_end_matches(|c: char| c.is_whitespace() || c == '"' || c == ',');
        let tail = &word[trimmed.len()..];
        if common::is_timestamp(trimmed) {
            out.push_str("<time>");
        } else if trimmed.len() == 13 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str("<ms>");
        } else if actors.contains(&trimmed) {
            out.push_str("<actor>");
        } else {
            out.push_str(trimmed);
        }
        out.push_str(tail);
    }
    // Column widths follow the actor's name in tables.
    out.split('\n')
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn remote_mode_prints_what_local_mode_prints() {
    let local = Harness::new();
    let served = Harness::new();
    let s = Server::start(&served);
    let remote = Harness::with_env(&[("COFFER_URL", &s.url), ("COFFER_TOKEN", &s.admin_token)]);
    let script: Vec<(Vec<&str>, Option<&str>)> = vec![
        (vec!["project", "create", "analytics"], None),
        (vec!["project", "create", "bad name"], None),
        (
            vec![
                "--project",
                "analytics",
                "secret",
                "create",
                "lake",
                "--type",
                "s3",
                "--set",
                "key_id=AKIA1",
                "--set",
                "secret=-",
                "--set",
                "region=eu-west-1",
                "--scope",
                "s3://lake/",
            ],
            Some("PARITY-SECRET-1"),
        ),
        (
            vec![
                "--project",
                "analytics",
                "secret",
                "create",
                "lake",
                "--type",
                "s3",
                "--set",
                "key_id=AKIA2",
                "--set",
                "secret=-",
                "--set",
                "region=eu-west-1",
            ],
            Some("PARITY-SECRET-2"),
        ),
        (
            vec![
                "--project",
                "analytics",
                "secret",
                "create",
                "lake",
                "--type",
                "s3",
                "--or-replace",
                "--set",
                "key_id=AKIA2",
                "--set",
                "secret=-",
                "--set",
                "region=eu-west-1",
                "--scope",
                "s3://lake/",
            ],
            Some("PARITY-SECRET-3"),
        ),
        (vec!["--project", "analytics", "secret", "create", "--type", "s4"], None),
        (
            vec![
                "--project",
                "analytics",
                "secret",
                "create",
                "api",
                "--type",
                "flights",
                "--set",
                "params.API_KEY=-",
            ],
            Some("PARITY-SECRET-4"),
        ),
        (vec!["--project", "analytics", "secret", "list"], None),
        (
            vec!["--project", "analytics", "secret", "list", "--format", "json"],
            None,
        ),
        (vec!["--project", "analytics", "secret", "show", "lake"], None),
        (vec!["--project", "analytics", "secret", "show", "nope"], None),
        (
            vec!["--project", "analytics", "which", "s3://lake/x.parquet", "--type", "s3"],
            None,
        ),
        (
            vec![
                "--project",
                "analytics",
                "which",
                "s3://other/x.parquet",
                "--type",
                "s3",
            ],
            None,
        ),
        (
            vec!["--project", "analytics", "service-account", "create", "flights-prod"],
            None,
        ),
        (vec!["--project", "analytics", "grant", "use", "flights-prod"], None),
        (vec!["--project", "analytics", "grant", "owner", "flights-prod"], None),
        (vec!["--project", "analytics", "members"], None),
        (vec!["--project", "analytics", "secret", "drop", "api"], None),
        (vec!["--project", "analytics", "secret", "drop", "api"], None),
        (
            vec!["--project", "analytics", "secret", "drop", "api", "--if-exists"],
            None,
        ),
        (vec!["--project", "nope", "secret", "list"], None),
        (vec!["--project", "analytics", "revoke", "flights-prod"], None),
        (vec!["project", "delete", "analytics"], None),
        (vec!["project", "delete", "analytics", "--force"], None),
        (vec!["project", "list"], None),
    ];
    let actors = ["local:coffer-test", "admin", "coffer"];
    for (args, stdin) in &script {
        let run = |h: &Harness| match stdin {
            Some(v) => h.run_stdin(args, v),
            None => h.run(args),
        };
        let (l, r) = (run(&local), run(&remote));
        let (lo, ro) = (l.get_output(), r.get_output());
        assert_eq!(
            lo.status.code(),
            ro.status.code(),
            "exit code of {args:?}\nlocal: {lo:?}\nremote: {ro:?}"
        );
        assert_eq!(
            normalize(&String::from_utf8_lossy(&lo.stdout), &actors),
            normalize(&String::from_utf8_lossy(&ro.stdout), &actors),
            "stdout of {args:?}"
        );
        let strip = |e: &[u8]| {
            String::from_utf8_lossy(e)
                .lines()
                .filter(|l| {
                    !l.starts_with("coffer: created a new store")
                        && !l.starts_with("  database:")
                        && !l.starts_with("  key file:")
                        && !l.starts_with("warning: ")
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            normalize(&strip(&lo.stderr), &actors),
            normalize(&strip(&ro.stderr), &actors),
            "stderr of {args:?}"
        );
    }
    // Permission errors exit 3 in remote mode; remote mode without a token is a usage error.
    token_for(&s, "admin", "reader", None);
    assert_eq!(
        s.admin("POST", "/v1/users", Some(&serde_json::json!({"name": "eve"})))
            .status,
        201
    );
    let eve = token_for(&s, "eve", "eve-token", None);
    remote
        .run_env(&["secret", "list"], &[("COFFER_TOKEN", &eve)])
        .code(3)
        .stderr(predicates::str::contains("needs the role 'read' in project 'default'"));
    remote
        .run_env(&["secret", "list"], &[("COFFER_TOKEN", "")])
        .code(2)
        .stderr(predicates::str::contains("remote mode needs a token"));
    remote
        .run_env(&["secret", "list"], &[("COFFER_TOKEN", "coffer_00_00")])
        .code(3)
        .stderr("error: not authenticated: invalid token\n");
    remote
        .run(&["init"])
        .code(2)
        .stderr(predicates::str::contains("works on the embedded store only"));
    // md_access_tokens() in local mode lists the tokens by name, never the tokens.
    s.stop();
    served
        .run(&[
            "sql",
            "--format",
            "csv",
            "-c",
            "SELECT token_name, owner, status FROM md_access_tokens() ORDER BY token_name",
        ])
        .success()
        .stdout("token_name,owner,status\nadmin-bootstrap,admin,active\neve-token,eve,active\nreader,admin,active\n");
    // Nothing printed anywhere holds a value.
    for h in [&local, &remote] {
        let all: String = h.seen().iter().map(|s| s.stdout_text() + &s.stderr_text()).collect();
        for v in [
            "PARITY-SECRET-1",
            "PARITY-SECRET-2",
            "PARITY-SECRET-3",
            "PARITY-SECRET-4",
        ] {
            assert!(!all.contains(v), "{v} printed");
        }
    }
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    use std::io::{Read, Write};
    let h = Harness::new();
    let s = Server::start(&h);
    let body = s3_body("late", "SHUTDOWN-SECRET").to_string();
    let addr = s.url.trim_start_matches("http://").to_string();
    let mut conn = std::net::TcpStream::connect(&addr).expect("connect");
    conn.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    let head = format!(
        "POST /v1/projects/default/secrets HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        s.admin_token,
        body.len()
    );
    conn.write_all(head.as_bytes()).expect("head");
    conn.write_all(&body.as_bytes()[..10]).expect("part of the body");
    conn.flush().expect("flush");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &s.pid().to_string()])
        .status();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // New connections are refused once it is shutting down...
    conn.write_all(&body.as_bytes()[10..]).expect("rest of the body");
    let mut answer = String::new();
    conn.read_to_string(&mut answer).expect("answer");
    // ...but the request in flight got its whole answer and its write is complete.
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let status = s.stop();
    assert!(status.success(), "{status}");
    h.run(&["secret", "show", "late", "--format", "json"]).success();
}

#[test]
fn coffer_sql_runs_on_the_server_in_remote_mode() {
    let local = Harness::new();
    let served = Harness::new();
    let s = Server::start(&served);
    let remote = Harness::with_env(&[("COFFER_URL", &s.url), ("COFFER_TOKEN", &s.admin_token)]);
    let script = "CREATE PERSISTENT SECRET lake (TYPE s3, KEY_ID 'AKIA1', SECRET 'SQL-REMOTE-SECRET', REGION 'eu', SCOPE 's3://lake');\n\
                  CREATE TEMPORARY SECRET tmp (TYPE s3, KEY_ID 'AKIA2', SECRET 'SQL-REMOTE-TMP', REGION 'eu');\n\
                  SELECT name, type, persistent, storage, scope, secret_string FROM duckdb_secrets() ORDER BY name;\n\
                  SELECT * FROM which_secret('s3://lake/x.parquet', 's3');\n\
                  SELECT 40 + 2 AS answer;\n\
                  SELECT name FROM duckdb_secrets() WHERE name = 'lake' AND secret_string LIKE '%redacted%';\n\
                  CREATE SECRET broken (TYPE s3, KEY_ID 'x', SECRET 'SQL-REMOTE-BAD', REGION 'eu', BOGUS 1);\n\
                  SELEC 1;\n\
                  DROP SECRET tmp;\n";
    for format in ["box", "csv", "jsonl"] {
        let l = local.run_stdin(&["sql", "--format", format], script);
        let r = remote.run_stdin(&["sql", "--format", format], script);
        let (lo, ro) = (l.get_output(), r.get_output());
        assert_eq!(lo.status.code(), Some(2), "{lo:?}");
        assert_eq!(lo.status.code(), ro.status.code());
        assert_eq!(
            String::from_utf8_lossy(&lo.stdout),
            String::from_utf8_lossy(&ro.stdout),
            "{format}"
        );
        let err = |o: &std::process::Output| {
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .filter(|l| {
                    !l.starts_with("coffer: created") && !l.starts_with("  database:") && !l.starts_with("  key file:")
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(err(lo), err(ro));
        // Reset both sides for the next format.
        local.run(&["sql", "-c", "DROP SECRET lake"]).success();
        remote.run(&["sql", "-c", "DROP SECRET lake"]).success();
    }
    // A reader may list but not write, and its DuckDB holds no values (it lacks `use`).
    assert_eq!(
        s.admin("POST", "/v1/users", Some(&serde_json::json!({"name": "reader"})))
            .status,
        201
    );
    assert_eq!(
        s.admin(
            "PUT",
            "/v1/projects/default/members/reader",
            Some(&serde_json::json!({"role": "read"}))
        )
        .status,
        200
    );
    let reader = token_for(&s, "reader", "reader-token", None);
    remote
        .run_env(
            &["sql", "-c", "SELECT count(*) AS n FROM duckdb_secrets()"],
            &[("COFFER_TOKEN", &reader)],
        )
        .success();
    remote
        .run_env(
            &[
                "sql",
                "-c",
                "CREATE SECRET nope (TYPE s3, KEY_ID 'a', SECRET 'SQL-REMOTE-NOPE', REGION 'eu')",
            ],
            &[("COFFER_TOKEN", &reader)],
        )
        .code(3)
        .stderr(predicates::str::contains("needs the role 'write'"));
    // ... it may not pass statements to DuckDB (that needs `use`), and nothing is audited as
    // used.
    remote
        .run(&[
            "secret",
            "create",
            "kept",
            "--type",
            "generic",
            "--set",
            "value=SQL-REMOTE-KEPT",
        ])
        .success();
    let before = s
        .admin("GET", "/v1/audit?project=default", None)
        .body
        .as_array()
        .map(Vec::len);
    remote
        .run_env(
            &["sql", "--format", "csv", "-c", "SELECT 1 AS one"],
            &[("COFFER_TOKEN", &reader)],
        )
        .code(3)
        .stderr(predicates::str::contains("needs role 'use'"));
    let after = s
        .admin("GET", "/v1/audit?project=default", None)
        .body
        .as_array()
        .map(Vec::len);
    assert_eq!(before, after);
    let log = s.log_text();
    for v in [
        "SQL-REMOTE-SECRET",
        "SQL-REMOTE-TMP",
        "SQL-REMOTE-BAD",
        "SQL-REMOTE-NOPE",
        "SQL-REMOTE-KEPT",
    ] {
        assert!(!log.contains(v));
        let printed: String = remote
            .seen()
            .iter()
            .map(|x| x.stdout_text() + &x.stderr_text())
            .collect();
        assert!(!printed.contains(v), "{v} printed");
    }
}

#[test]
fn the_server_sees_what_a_local_cli_writes_beside_it() {
    let h = Harness::new();
    let s = Server::start(&h);
    let which = |path: &str| s.admin("GET", &format!("/v1/projects/default/which?path={path}&type=s3"), None);
    assert_eq!(which("s3://side/x").body["secret"], serde_json::Value::Null);
    // The CLI in local mode writes to the same store while the server runs.
    h.create_s3("side", &["s3://side"], "SIDE-SECRET").success();
    assert_eq!(which("s3://side/x").body["secret"]["name"], "side");
    h.run(&["secret", "drop", "side"]).success();
    assert_eq!(which("s3://side/x").body["secret"], serde_json::Value::Null);
}

#[test]
fn secret_versions_history_and_rollback() {
    let h = Harness::new();
    let s = Server::start_with(&h, &[("COFFER_KEEP_VERSIONS", "3")]);
    let remote = Harness::with_env(&[("COFFER_URL", &s.url), ("COFFER_TOKEN", &s.admin_token)]);
    for (i, v) in ["VERSION-VALUE-1", "VERSION-VALUE-2", "VERSION-VALUE-3"]
        .iter()
        .enumerate()
    {
        let mut body = s3_body("lake", v);
        body["on_conflict"] = "replace".into();
        body["fields"]["region"] = format!("region-{}", i + 1).into();
        assert!(s.admin("POST", "/v1/projects/default/secrets", Some(&body)).status < 300);
    }
    // CREATE OR REPLACE SECRET in SQL makes a version too.
    remote
        .run_stdin(
            &["sql"],
            "CREATE OR REPLACE PERSISTENT SECRET lake (TYPE s3, KEY_ID 'AKIAEXAMPLE', SECRET 'VERSION-VALUE-4', REGION 'region-4', SCOPE 's3://lake');",
        )
        .success();
    let history = remote.json(&["secret", "history", "lake", "--format", "json"]);
    let versions: Vec<(i64, bool, String)> = history
        .as_array()
        .expect("array")
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap_or_default(),
                v["current"].as_bool().unwrap_or_default(),
                v["fields"]["region"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            (1, false, "region-1".to_string()),
            (2, false, "region-2".to_string()),
            (3, false, "region-3".to_string()),
            (4, true, "region-4".to_string())
        ],
        "COFFER_KEEP_VERSIONS=3 keeps three earlier versions"
    );
    assert!(
        !history.to_string().contains("VERSION-VALUE"),
        "history is metadata only"
    );
    remote
        .run(&["secret", "rollback", "lake", "--version", "2"])
        .success()
        .stdout("rolled secret 'lake' back to version 2: it is now version 5\n");
    let env = s.admin(
        "POST",
        "/v1/projects/default/env",
        Some(&serde_json::json!({"secrets": ["lake"]})),
    );
    assert_eq!(
        env.body["env"]["LAKE_SECRET"], "VERSION-VALUE-2",
        "runs use the rolled-back values"
    );
    assert_eq!(env.body["env"]["LAKE_REGION"], "region-2");
    // Only three earlier versions are kept: 1 is gone now.
    let kept: Vec<i64> = remote
        .json(&["secret", "history", "lake", "--format", "json"])
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|v| v["version"].as_i64())
        .collect();
    assert_eq!(kept, [2, 3, 4, 5]);
    remote
        .run(&["secret", "rollback", "lake", "--version", "1"])
        .code(1)
        .stderr("error: secret 'lake' has no version 1 (kept: 2, 3, 4, 5)\n");
    remote
        .run(&["secret", "rollback", "lake", "--version", "5"])
        .code(1)
        .stderr("error: version 5 is already the current version of secret 'lake'\n");
    // Local mode reads the same history; a reader sees it, but may not roll back.
    h.run(&["secret", "history", "lake"])
        .success()
        .stdout(predicates::str::contains("version  current"));
    assert_eq!(
        s.admin("POST", "/v1/users", Some(&serde_json::json!({"name": "reader"})))
            .status,
        201
    );
    assert_eq!(
        s.admin(
            "PUT",
            "/v1/projects/default/members/reader",
            Some(&serde_json::json!({"role": "read"}))
        )
        .status,
        200
    );
    let reader = token_for(&s, "reader", "reader-token", None);
    assert_eq!(
        s.request("GET", "/v1/projects/default/secrets/lake/versions", Some(&reader), None)
            .status,
        200
    );
    let denied = s.request(
        "POST",
        "/v1/projects/default/secrets/lake/rollback",
        Some(&reader),
        Some(&serde_json::json!({"version": 3})),
    );
    assert_eq!(
        (denied.status, denied.body["role_needed"].as_str()),
        (403, Some("write"))
    );
    // The rollback is audited as such.
    let ev = events(&s, "default", 0);
    assert!(
        ev.iter()
            .any(|e| e.2 == "secret:lake" && e.3 == "rollback" && e.4 == "ok"),
        "{ev:?}"
    );
    // Dropping the secret forgets its versions.
    remote.run(&["secret", "drop", "lake"]).success();
    remote
        .run(&["secret", "history", "lake"])
        .code(1)
        .stderr("error: secret 'lake' does not exist in storage 'coffer'\n");
}

fn key_counts(db: &std::path::Path) -> std::collections::BTreeMap<String, i64> {
    let conn = rusqlite::Connection::open(db).expect("db");
    let mut stmt = conn
        .prepare(
            "SELECT key_id, count(*) FROM (SELECT key_id FROM secrets UNION ALL SELECT key_id FROM secret_versions) GROUP BY key_id",
        )
        .expect("prepare");
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .expect("query");
    rows.map(|r| r.expect("row")).collect()
}

#[test]
fn key_rotation_runs_while_serving_and_finishes_after_kill_9() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let h = Harness::new();
    let s = Server::start(&h);
    let n = 400;
    for i in 0..n {
        let a = s.admin(
            "POST",
            "/v1/projects/default/secrets",
            Some(&s3_body(&format!("k{i}"), &format!("ROT-{i}"))),
        );
        assert_eq!(a.status, 201, "{}", a.text);
    }
    let mut replace = s3_body("k0", "ROT-0-v2");
    replace["on_conflict"] = "replace".into();
    assert_eq!(
        s.admin("POST", "/v1/projects/default/secrets", Some(&replace)).status,
        200
    );
    assert_eq!(key_counts(&h.db_path()).get("local:1"), Some(&(n + 1)));

    // Reads, uses and writes go on during the rotation, and every one succeeds.
    let stop = AtomicBool::new(false);
    let served = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let k = i % n;
                let env = s.admin(
                    "POST",
                    "/v1/projects/default/env",
                    Some(&serde_json::json!({"secrets": [format!("k{k}")]})),
                );
                assert_eq!(env.status, 200, "{}", env.text);
                let want = if k == 0 {
                    "ROT-0-v2".to_string()
                } else {
                    format!("ROT-{k}")
                };
                assert_eq!(env.body["env"][format!("K{k}_SECRET")], want.as_str());
                let mut w = s3_body("live", &format!("LIVE-{i}"));
                w["on_conflict"] = "replace".into();
                assert!(s.admin("POST", "/v1/projects/default/secrets", Some(&w)).status < 300);
                served.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        });
        h.run(&["key", "rotate"])
            .success()
            .stdout(predicates::str::starts_with("new key-encryption key local:2\n"));
        stop.store(true, Ordering::Relaxed);
    });
    assert!(served.load(Ordering::Relaxed) > 0);
    let counts = key_counts(&h.db_path());
    assert_eq!(counts.keys().collect::<Vec<_>>(), ["local:2"], "{counts:?}");
    h.run(&["key", "status"])
        .success()
        .stdout(predicates::str::contains("local:2"));

    // Rotate again and kill -9 the rotation halfway.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("coffer"))
        .args(["key", "rotate"])
        .env("COFFER_HOME", h.home())
        .env("HOME", h.user_home())
        .env("USER", common::TEST_USER)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("rotate");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut partial = false;
    loop {
        let c = key_counts(&h.db_path());
        if c.get("local:3").is_some_and(|&v| v > 0) && c.get("local:2").is_some_and(|&v| v > 0) {
            let _ = child.kill();
            partial = true;
            break;
        }
        if child.try_wait().expect("wait").is_some() || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let _ = child.wait();
    if partial {
        let c = key_counts(&h.db_path());
        eprintln!("killed the rotation halfway: {c:?}");
        // Every secret still opens, half of them under each key.
        for k in [1, n / 2, n - 1] {
            let env = s.admin(
                "POST",
                "/v1/projects/default/env",
                Some(&serde_json::json!({"secrets": [format!("k{k}")]})),
            );
            assert_eq!(env.body["env"][format!("K{k}_SECRET")], format!("ROT-{k}").as_str());
        }
        h.run(&["key", "rotate"]).success().stdout(predicates::str::starts_with(
            "finished an interrupted rotation to local:3\n",
        ));
    } else {
        eprintln!("the rotation finished before it could be killed; the resume path was not exercised");
    }
    assert_eq!(key_counts(&h.db_path()).keys().collect::<Vec<_>>(), ["local:3"]);
    let all: Vec<String> = (0..n).map(|k| format!("k{k}")).collect();
    let env = s.admin(
        "POST",
        "/v1/projects/default/env",
        Some(&serde_json::json!({"secrets": all})),
    );
    assert_eq!(env.status, 200, "{}", env.text);
    assert_eq!(env.body["env"]["K399_SECRET"], "ROT-399");
    // Only superusers rotate.
    assert_eq!(
        s.admin("POST", "/v1/users", Some(&serde_json::json!({"name": "eve"})))
            .status,
        201
    );
    let eve = token_for(&s, "eve", "eve-token", None);
    assert_eq!(
        s.request("POST", "/v1/keys/rotate", Some(&eve), Some(&serde_json::json!({})))
            .status,
        403
    );
    assert_eq!(s.admin("GET", "/v1/keys", None).status, 200);
}
