//! The attacks a project member would try against a real `coffer serve`, each of which worked
//! before the isolation work: SQL that reads or destroys the key file and the database, flights
//! that read the server's secrets or other runs, planted loader variables, values on argv.
//!
//! One server per test; members of the lowest role that could try each attack.

mod common;

use base64::Engine as _;
use common::server::{Answer, Server};
use common::Harness;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SECRET: &str = "attack-secret-Zq81vX";
const CANARY: &str = "server-env-canary-7Hd2";

/// A user with a token and a role in project `default`.
fn member(s: &Server, name: &str, role: &str) -> String {
    assert_eq!(s.admin("POST", "/v1/users", Some(&json!({"name": name}))).status, 201);
    let g = s.admin(
        "PUT",
        &format!("/v1/projects/default/members/{name}"),
        Some(&json!({"role": role})),
    );
    assert_eq!(g.status, 200, "{}", g.text);
    let t = s.admin(
        "POST",
        "/v1/tokens",
        Some(&json!({"name": format!("{name}-token"), "owner": name})),
    );
    assert_eq!(t.status, 201, "{}", t.text);
    t.body["token"].as_str().expect("token").to_string()
}

fn server(h: &Harness) -> Server {
    server_with(h, &[])
}

/// [`server`] with more environment.
fn server_with(h: &Harness, extra: &[(&str, &str)]) -> Server {
    let mut env: Vec<(&str, &str)> = extra.to_vec();
    let encoded = base64::engine::general_purpose::STANDARD.encode(CANARY);
    env.extend([
        ("COFFER_SQL_TIMEOUT", "2s"),
        ("COFFER_SQL_MEMORY_LIMIT", "256MB"),
        ("ATTACK_CANARY", CANARY),
        // A Kestra-style secret of the server's own environment: what /proc/<pid>/environ
        // would give away.
        ("SECRET_SERVER_ONLY", encoded.as_str()),
    ]);
    Server::start_with(h, &env)
}

/// The results of `/sql`: one (ok, text) per statement.
fn sql(s: &Server, token: &str, statement: &str) -> Vec<(bool, String)> {
    let a = s.request(
        "POST",
        "/v1/projects/default/sql",
        Some(token),
        Some(&json!({ "sql": statement })),
    );
    assert_eq!(a.status, 200, "{}", a.text);
    a.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| match r.get("error").filter(|e| !e.is_null()) {
            Some(e) => (false, e["message"].as_str().unwrap_or_default().to_string()),
            None => (true, r["table"].to_string()),
        })
        .collect()
}

fn key_bytes(h: &Harness) -> Vec<u8> {
    std::fs::read(h.key_path()).expect("key file")
}

/// Whether `text` shows the key file: any of its key lines' 64-hex-digit keys, or 16 hex digits
/// of one.
fn holds(text: &str, key_file: &[u8]) -> bool {
    String::from_utf8_lossy(key_file)
        .lines()
        .filter_map(|l| l.strip_prefix("key "))
        .filter_map(|l| l.split_whitespace().nth(1))
        .any(|k| k.len() >= 16 && text.contains(&k[..16]))
}

#[test]
fn members_cannot_reach_the_key_file_or_the_database_through_sql() {
    let h = Harness::new();
    let s = server(&h);
    let reader = member(&s, "rita", "read");
    let user = member(&s, "ursula", "use");
    let admin = member(&s, "adam", "admin");
    let create = s.admin(
        "POST",
        "/v1/projects/default/secrets",
        Some(&json!({"name": "s1", "type": "s3", "scope": ["s3://b"],
                     "fields": {"key_id": "AKIAATTACK", "secret": SECRET, "region": "us-east-1"}})),
    );
    assert_eq!(create.status, 201, "{}", create.text);
    let home = h.home();
    let key = home.join("master.key");
    let db = home.join("coffer.db");
    let before = key_bytes(&h);
    let attacks = [
        format!("SELECT content FROM read_text('{}')", key.display()),
        format!("SELECT content FROM read_blob('{}')", db.display()),
        format!("SELECT content FROM read_blob('{}-wal')", db.display()),
        format!("SELECT * FROM glob('{}/*')", home.display()),
        format!("COPY (SELECT 1) TO '{}'", key.display()),
        format!("SELECT * FROM sniff_csv('{}')", key.display()),
        format!("SELECT * FROM read_csv('{}', header=false)", key.display()),
        format!("ATTACH '{}' AS stolen", db.display()),
        "SELECT content FROM read_text('/proc/self/environ')".to_string(),
        format!("SELECT content FROM read_text('/proc/{}/environ')", s.pid()),
        "SELECT getenv('ATTACK_CANARY')".to_string(),
        "SET disabled_filesystems = ''".to_string(),
        "SET lock_configuration = false".to_string(),
        "SET enable_external_access = true".to_string(),
        "RESET ALL".to_string(),
        "PRAGMA enable_external_access".to_string(),
        "LOAD httpfs".to_string(),
        "INSTALL httpfs".to_string(),
        "SELECT * FROM duckdb_secrets(redact := false)".to_string(),
        format!("EXPORT DATABASE '{}/exported'", home.display()),
    ];
    for token in [&reader, &user, &admin, &s.admin_token] {
        for attack in &attacks {
            let results = sql(&s, token, attack);
            assert_eq!(results.len(), 1, "{attack}");
            let (ok, text) = &results[0];
            assert!(!ok, "{attack} succeeded: {text}");
            assert!(!text.contains(SECRET) && !text.contains(CANARY), "{attack}: {text}");
            assert!(!holds(text, &before), "{attack} showed the key file: {text}");
        }
    }
    // A read member keeps coffer's own statements, and is told why DuckDB's are refused.
    let own = sql(&s, &reader, "SELECT name FROM duckdb_secrets(); SELECT 1");
    assert!(own[0].0, "{:?}", own[0]);
    assert!(!own[1].0 && own[1].1.contains("needs role 'use'"), "{:?}", own[1]);
    // A use member runs DuckDB statements, over S3-style secrets that DuckDB holds redacted.
    let fine = sql(
        &s,
        &user,
        "SELECT 40 + 2 AS answer; SELECT secret_string FROM duckdb_secrets()",
    );
    assert!(fine[0].0 && fine[0].1.contains("42"), "{:?}", fine[0]);
    assert!(
        fine[1].0 && fine[1].1.contains("redacted") && !fine[1].1.contains(SECRET),
        "{:?}",
        fine[1]
    );
    // The rule is named.
    let set = sql(&s, &user, "SET threads = 64");
    assert!(set[0].1.contains("rule 'setting'"), "{:?}", set);
    // Nothing was destroyed or created in the home.
    assert_eq!(key_bytes(&h), before, "the key file is untouched");
    assert!(!home.join("exported").exists());
    drop(s);
}

#[test]
fn a_runaway_statement_is_interrupted_and_the_server_keeps_serving() {
    let h = Harness::new();
    let s = server(&h);
    let user = member(&s, "ursula", "use");
    let start = Instant::now();
    let r = sql(&s, &user, "SELECT count(*) FROM range(10000000000000::BIGINT)");
    assert!(!r[0].0 && r[0].1.contains("SQL timeout of 2s"), "{:?}", r);
    assert!(start.elapsed() < Duration::from_secs(60));
    // The same engine (or its replacement) answers the next statement.
    let next = sql(&s, &user, "SELECT 7 AS seven");
    assert!(next[0].0 && next[0].1.contains('7'), "{:?}", next);
    // A huge allocation is capped by the engine's memory limit (256MB here), not the machine's.
    let big = sql(
        &s,
        &user,
        "SELECT len(l) FROM (SELECT list(range) AS l FROM range(300000000::BIGINT))",
    );
    assert!(!big[0].0 && big[0].1.contains("Out of Memory"), "{:?}", big);
    let after = sql(&s, &user, "SELECT 8 AS eight");
    assert!(after[0].0, "{:?}", after);
    // An engine that dies is replaced: the statement it was running fails, the next works.
    let engines = engines_of(s.pid());
    assert_eq!(engines.len(), 1, "one engine for this project and caller: {engines:?}");
    let victim = engines[0];
    let _ = std::process::Command::new("kill")
        .args(["-9", &victim.to_string()])
        .status();
    std::thread::sleep(Duration::from_millis(200));
    let died = sql(&s, &user, "SELECT 9 AS nine");
    assert!(!died[0].0 && died[0].1.contains("engine stopped"), "{:?}", died);
    let again = sql(&s, &user, "SELECT 10 AS ten");
    assert!(again[0].0 && again[0].1.contains("10"), "{:?}", again);
    assert!(!engines_of(s.pid()).contains(&victim));
    assert_eq!(s.request("GET", "/healthz", None, None).status, 200);
}

/// The `coffer-engine` processes whose parent is `pid`.
fn engines_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("proc").flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map(|(_, c)| c).unwrap_or_default();
        let ppid = rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok());
        if comm == "coffer-engine" && ppid == Some(pid) {
            if let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() {
                out.push(p);
            }
        }
    }
    out
}

/// Creates a flight in `project` as `token` and starts a run of it; its run number.
fn start_flight(s: &Server, token: &str, project: &str, body: &Value) -> i64 {
    let name = body["name"].as_str().expect("name");
    let c = s.request(
        "POST",
        &format!("/v1/projects/{project}/flights"),
        Some(token),
        Some(body),
    );
    assert_eq!(c.status, 201, "{}", c.text);
    let r = s.request(
        "POST",
        &format!("/v1/projects/{project}/flights/{name}/runs"),
        Some(token),
        Some(&json!({})),
    );
    assert!(r.status == 201 || r.status == 200, "{}", r.text);
    r.body["run_number"].as_i64().expect("run number")
}

/// Creates a flight as `token` and runs it to its end; (status, log text).
fn run_flight(s: &Server, token: &str, body: Value) -> (String, String) {
    let n = start_flight(s, token, "default", &body);
    wait_run_in(s, token, "default", body["name"].as_str().expect("name"), n)
}

fn wait_run(s: &Server, token: &str, name: &str, n: i64) -> (String, String) {
    wait_run_in(s, token, "default", name, n)
}

/// Waits for the end of run `n` of `name` in `project`, read as `token`; (status, log text).
fn wait_run_in(s: &Server, token: &str, project: &str, name: &str, n: i64) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let l: Answer = s.request(
            "GET",
            &format!("/v1/projects/{project}/flights/{name}/runs/{n}/logs"),
            Some(token),
            None,
        );
        assert_eq!(l.status, 200, "{}", l.text);
        let status = l.body["run"]["status"].as_str().unwrap_or_default().to_string();
        if status != "running" {
            return (status, log_text(&l.body));
        }
        assert!(Instant::now() < deadline, "run {name}#{n} did not end");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The text of a logs answer's chunks.
fn log_text(body: &Value) -> String {
    body["chunks"]
        .as_array()
        .expect("chunks")
        .iter()
        .map(|c| {
            let b = base64::engine::general_purpose::STANDARD
                .decode(c["data"].as_str().unwrap_or_default())
                .unwrap_or_default();
            String::from_utf8_lossy(&b).into_owned()
        })
        .collect()
}

fn sh(name: &str, line: &str) -> Value {
    json!({"name": name, "kind": "command", "command": ["sh", "-c", line], "timeout_secs": 30})
}

#[test]
fn a_writers_flight_cannot_read_the_home_the_server_or_other_runs() {
    let h = Harness::new();
    let s = server(&h);
    let writer = member(&s, "walter", "write");
    let home = h.home();
    let before = key_bytes(&h);
    let pid = s.pid();
    // The key file, the database and its WAL, the home itself.
    for (i, target) in ["master.key", "coffer.db", "coffer.db-wal", ""].iter().enumerate() {
        let path = home.join(target);
        let (_, log) = run_flight(
            &s,
            &writer,
            sh(
                &format!("read{i}"),
                &format!("cat '{0}' || ls -la '{0}'; od -c '{0}' | head", path.display()),
            ),
        );
        assert!(log.contains("Permission denied"), "{log}");
        assert!(
            !log.contains("coffer-keyfile") && !log.contains("SQLite format"),
            "{log}"
        );
        assert!(!holds(&log, &before), "{log}");
    }
    // The server's environment, memory and descriptors.
    let (status, log) = run_flight(
        &s,
        &writer,
        sh(
            "proc",
            &format!(
                "cat /proc/{pid}/environ; cat /proc/{pid}/cmdline; ls /proc/{pid}/fd; head -c 64 /proc/{pid}/mem; exit 0"
            ),
        ),
    );
    assert_eq!(status, "succeeded", "{log}");
    assert!(!log.contains(CANARY), "{log}");
    assert!(log.contains("Permission denied"), "{log}");
    // Writing into the home, signalling the server.
    let (_, log) = run_flight(
        &s,
        &writer,
        sh(
            "write",
            &format!(
                "echo x > '{}/pwned'; echo y >> '{}'; kill -TERM {pid}; kill -0 {pid} && echo ALIVE-SIGNALLABLE; id -u",
                home.display(),
                home.join("master.key").display()
            ),
        ),
    );
    assert!(!home.join("pwned").exists(), "{log}");
    assert_eq!(key_bytes(&h), before);
    assert!(!log.contains("ALIVE-SIGNALLABLE"), "{log}");
    assert_eq!(s.request("GET", "/healthz", None, None).status, 200, "the server lives");
    if coffer_sandbox::is_root() {
        assert!(!log.lines().any(|l| l.trim() == "0"), "a run ran as root: {log}");
    }
    // Another run's environment: one run holds a secret while another looks for it.
    let c = s.admin(
        "POST",
        "/v1/projects/default/secrets",
        Some(&json!({"name": "held", "type": "generic", "fields": {"value": SECRET}})),
    );
    assert_eq!(c.status, 201, "{}", c.text);
    let n = start_flight(&s, &writer, "default", &sh("holder", "sleep 4"));
    std::thread::sleep(Duration::from_millis(500));
    let (_, log) = run_flight(
        &s,
        &writer,
        sh(
            "snoop",
            "for d in /proc/[0-9]*; do if tr '\\0' ' ' < $d/cmdline 2>/dev/null | grep -q '^sleep 4'; then if cat $d/environ > /dev/null 2>&1; then echo READABLE; else echo DENIED; fi; fi; done",
        ),
    );
    assert!(log.contains("DENIED") && !log.contains("READABLE"), "{log}");
    assert!(!log.contains(SECRET), "{log}");
    let (status, _) = wait_run(&s, &writer, "holder", n);
    assert_eq!(status, "succeeded");
}

#[test]
fn planted_loader_variables_are_refused_and_left_out() {
    let h = Harness::new();
    // LD_PRELOAD as a secret of the server's own environment (stored before the rule).
    let s = Server::start_with(
        &h,
        &[(
            "SECRET_LD_PRELOAD",
            &base64::engine::general_purpose::STANDARD.encode("/tmp/evil.so"),
        )],
    );
    let writer = member(&s, "walter", "write");
    for name in [
        "LD_PRELOAD",
        "PATH",
        "BASH_ENV",
        "PYTHONWARNINGS",
        "BROWSER",
        "PERL5OPT",
        "NODE_OPTIONS",
    ] {
        let c = s.request(
            "POST",
            "/v1/projects/default/secrets",
            Some(&writer),
            Some(&json!({"name": name, "type": "generic", "fields": {"value": "x"}})),
        );
        assert_eq!(c.status, 400, "{name}: {}", c.text);
        assert!(c.text.contains(name) && c.text.contains("rule"), "{}", c.text);
    }
    let c = s.request(
        "POST",
        "/v1/projects/default/flights",
        Some(&writer),
        Some(&json!({"name": "cfg", "kind": "command", "command": ["true"], "config": {"NODE_OPTIONS": "--require /tmp/x.js"}})),
    );
    assert_eq!(c.status, 400, "{}", c.text);
    // The one already stored is left out of runs, with a warning in the log.
    let (status, log) = run_flight(&s, &writer, sh("env", "env | grep -c '^LD_PRELOAD=' || true"));
    assert_eq!(status, "succeeded", "{log}");
    assert!(log.contains("warning") && log.contains("LD_PRELOAD"), "{log}");
    assert!(log.lines().any(|l| l.trim() == "0"), "{log}");
}

#[test]
fn no_secret_value_ever_reaches_a_process_argv() {
    let h = Harness::new();
    let s = server(&h);
    let writer = member(&s, "walter", "write");
    let c = s.admin(
        "POST",
        "/v1/projects/default/secrets",
        Some(&json!({"name": "tok", "type": "generic", "fields": {"value": SECRET}})),
    );
    assert_eq!(c.status, 201, "{}", c.text);
    // An exec argument with a template is refused, with the way to do it.
    let bad = s.request(
        "POST",
        "/v1/projects/default/flights",
        Some(&writer),
        Some(&json!({"name": "argv", "kind": "command", "command": ["echo", "{{ secret('tok') }}"]})),
    );
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(
        bad.text.contains("cmdline") && bad.text.contains("variable"),
        "{}",
        bad.text
    );
    // A shell line reads it from a variable: it works, and no process shows it on argv.
    let flight = sh(
        "shell",
        "test \"{{ secret('tok') }}\" = \"$(printenv COFFER_TEMPLATE_1)\" && echo same; sleep 3; echo done",
    );
    let n = start_flight(&s, &writer, "default", &flight);
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut scanned = 0;
    while Instant::now() < deadline {
        for entry in std::fs::read_dir("/proc").expect("proc").flatten() {
            if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
                scanned += 1;
                assert!(
                    !cmdline.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
                    "{} has the value on its argv",
                    entry.path().display()
                );
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(scanned > 0);
    let (status, log) = wait_run(&s, &writer, "shell", n);
    assert_eq!(status, "succeeded", "{log}");
    assert!(log.contains("same") && log.contains("done"), "{log}");
    assert!(!log.contains(SECRET), "{log}");
}

#[test]
fn a_writer_cannot_hijack_a_flight_that_runs_as_someone_else() {
    let h = Harness::new();
    let s = server(&h);
    let admin = member(&s, "adam", "admin");
    let writer = member(&s, "walter", "write");
    // Adam's flight runs as Adam (no token named).
    let c = s.request(
        "POST",
        "/v1/projects/default/flights",
        Some(&admin),
        Some(&sh("nightly", "echo nightly")),
    );
    assert_eq!(c.status, 201, "{}", c.text);
    assert_eq!(c.body["flight"]["runs_as"], "adam", "{}", c.text);
    assert_eq!(c.body["flight"]["runs_as_since"], 1);
    // Walter tries to change what it runs, to clear its token, to swap its secrets or config:
    // each is acting as Adam.
    for patch in [
        json!({"command": ["sh", "-c", "curl -X POST $COFFER_URL/v1/tokens -H \"Authorization: Bearer $COFFER_TOKEN\""]}),
        json!({"token_name": null}),
        json!({"config": {"X": "y"}}),
        json!({"secrets": []}),
        json!({"kind": "python", "script": "print(1)"}),
    ] {
        let p = s.request(
            "PATCH",
            "/v1/projects/default/flights/nightly",
            Some(&writer),
            Some(&patch),
        );
        assert_eq!(p.status, 403, "{patch}: {}", p.text);
        assert!(p.text.contains("may not act as 'adam'"), "{}", p.text);
    }
    // When it runs, its schedule and limits are everyone's with `write`.
    let p = s.request(
        "PATCH",
        "/v1/projects/default/flights/nightly",
        Some(&writer),
        Some(&json!({"timeout_secs": 60})),
    );
    assert_eq!(p.status, 200, "{}", p.text);
    // The definition is Adam's still, and the refusals are audited.
    let show = s.request("GET", "/v1/projects/default/flights/nightly", Some(&writer), None);
    assert_eq!(
        show.body["command"],
        json!(["sh", "-c", "echo nightly"]),
        "{}",
        show.text
    );
    let audit = s.admin("GET", "/v1/audit?project=default", None);
    let denied = audit
        .body
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["action"] == "flight.update" && e["result"] == "denied" && e["actor"] == "walter")
        .count();
    assert_eq!(denied, 5, "{}", audit.text);
    // Adam may change his own flight; Walter's own flights are his to change.
    let p = s.request(
        "PATCH",
        "/v1/projects/default/flights/nightly",
        Some(&admin),
        Some(&json!({"command": ["true"]})),
    );
    assert_eq!(p.status, 200, "{}", p.text);
    let c = s.request(
        "POST",
        "/v1/projects/default/flights",
        Some(&writer),
        Some(&sh("mine", "echo mine")),
    );
    assert_eq!(c.status, 201, "{}", c.text);
    let p = s.request(
        "PATCH",
        "/v1/projects/default/flights/mine",
        Some(&writer),
        Some(&json!({"command": ["true"]})),
    );
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(p.body["flight"]["runs_as"], "walter", "{}", p.text);
}

#[test]
fn the_servers_own_secret_variables_stay_in_their_project() {
    let h = Harness::new();
    let s = server(&h);
    assert_eq!(
        s.admin("POST", "/v1/projects", Some(&json!({"name": "other"}))).status,
        201
    );
    assert_eq!(s.admin("POST", "/v1/users", Some(&json!({"name": "olga"}))).status, 201);
    let g = s.admin(
        "PUT",
        "/v1/projects/other/members/olga",
        Some(&json!({"role": "write"})),
    );
    assert_eq!(g.status, 200, "{}", g.text);
    let t = s.admin(
        "POST",
        "/v1/tokens",
        Some(&json!({"name": "olga-token", "owner": "olga"})),
    );
    let olga = t.body["token"].as_str().expect("token").to_string();
    // SECRET_SERVER_ONLY is offered in `default` (COFFER_ENV_PROJECT unset) ...
    let listed = s.admin("GET", "/v1/projects/default/secrets", None);
    assert!(listed.text.contains("SERVER_ONLY"), "{}", listed.text);
    // ... and neither listed in nor injected into another project's runs.
    let listed = s.request("GET", "/v1/projects/other/secrets", Some(&olga), None);
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert!(!listed.text.contains("SERVER_ONLY"), "{}", listed.text);
    let n = start_flight(&s, &olga, "other", &sh("envs", "env | grep -c SERVER_ONLY || true"));
    let (_, log) = wait_run_in(&s, &olga, "other", "envs", n);
    // The run saw no SERVER_ONLY variable.
    assert!(log.lines().any(|l| l.trim() == "0"), "{log}");
    assert!(!log.contains(CANARY), "{log}");
}

#[test]
fn header_values_are_secrets_read_members_never_see() {
    let h = Harness::new();
    let s = server(&h);
    let reader = member(&s, "rita", "read");
    let writer = member(&s, "walter", "write");
    const BEARER: &str = "Bearer hdr-token-9Qx2";
    let c = s.admin(
        "POST",
        "/v1/projects/default/secrets",
        Some(&json!({"name": "hdr", "type": "s3", "scope": ["s3://h"],
                     "fields": {"key_id": "AKIAH", "secret": SECRET, "region": "us-east-1",
                                "extra_http_headers": {"Authorization": BEARER}}})),
    );
    assert_eq!(c.status, 201, "{}", c.text);
    for path in ["/v1/projects/default/secrets", "/v1/projects/default/secrets/hdr"] {
        let a = s.request("GET", path, Some(&reader), None);
        assert_eq!(a.status, 200, "{}", a.text);
        assert!(
            !a.text.contains("hdr-token") && a.text.contains("Authorization=redacted"),
            "{}",
            a.text
        );
    }
    let q = sql(&s, &reader, "SELECT secret_string FROM duckdb_secrets()");
    assert!(q[0].0 && !q[0].1.contains("hdr-token"), "{:?}", q);
    // Injected into a run, the value is masked in its log like any secret.
    let mut flight = sh("hdr", "env | grep -i authorization");
    flight["secrets"] = json!(["hdr"]);
    let (_, log) = run_flight(&s, &writer, flight);
    assert!(log.contains("****") && !log.contains("hdr-token"), "{log}");
}

#[test]
fn a_huge_run_log_is_read_in_pages_of_at_most_a_mebibyte() {
    let h = Harness::new();
    let s = server(&h);
    let writer = member(&s, "walter", "write");
    let (status, _) = run_flight(
        &s,
        &writer,
        sh("loud", "head -c 3000000 /dev/zero | tr '\\000' x; echo"),
    );
    assert_eq!(status, "succeeded");
    let mut after = 0;
    let mut total = 0usize;
    let mut pages = 0;
    loop {
        let l = s.request(
            "GET",
            &format!("/v1/projects/default/flights/loud/runs/1/logs?after={after}"),
            Some(&writer),
            None,
        );
        assert_eq!(l.status, 200);
        let chunks = l.body["chunks"].as_array().expect("chunks").clone();
        if chunks.is_empty() {
            break;
        }
        let bytes: usize = chunks
            .iter()
            .map(|c| {
                base64::engine::general_purpose::STANDARD
                    .decode(c["data"].as_str().unwrap_or_default())
                    .map(|b| b.len())
                    .unwrap_or_default()
            })
            .sum();
        assert!(bytes <= 1 << 20, "a page of {bytes} bytes");
        total += bytes;
        pages += 1;
        after = chunks.last().and_then(|c| c["seq"].as_i64()).expect("seq");
    }
    assert!(total >= 3_000_000 && pages >= 3, "{total} bytes in {pages} pages");
}

#[test]
fn a_run_cannot_print_a_value_in_an_encoded_form_to_read_members() {
    let h = Harness::new();
    let s = server(&h);
    let writer = member(&s, "walter", "write");
    let reader = member(&s, "rita", "read");
    const VALUE: &str = "p@ss \"w0rd\"/é+x=y&z<\\n>";
    let c = s.admin(
        "POST",
        "/v1/projects/default/secrets",
        Some(&json!({"name": "TOK", "type": "generic", "fields": {"value": VALUE}})),
    );
    assert_eq!(c.status, 201, "{}", c.text);
    let script = "import json, os, urllib.parse, base64, binascii\n\
v = os.environ['TOK']\n\
print(json.dumps(v))\n\
print(json.dumps(v, ensure_ascii=False))\n\
print(repr(v))\n\
print(urllib.parse.quote(v, safe=''))\n\
print(urllib.parse.quote_plus(v))\n\
print(binascii.hexlify(v.encode()).decode())\n\
print(binascii.hexlify(v.encode()).decode().upper())\n\
print('Authorization: Basic ' + base64.b64encode(('user:' + v).encode()).decode())\n\
print(base64.urlsafe_b64encode(('xy' + v).encode()).decode())\n";
    let flight = json!({"name": "enc", "kind": "command",
                        "command": ["/usr/bin/python3", "-c", script], "timeout_secs": 30});
    let (status, _) = run_flight(&s, &writer, flight);
    assert_eq!(status, "succeeded");
    // What a read member reads of the log holds no form of the value.
    let l = s.request(
        "GET",
        "/v1/projects/default/flights/enc/runs/1/logs",
        Some(&reader),
        None,
    );
    assert_eq!(l.status, 200, "{}", l.text);
    let text = log_text(&l.body);
    assert!(text.matches("****").count() >= 9, "{text}");
    for leak in ["p@ss", "w0rd", "p%40ss", "7040737320", "70407373", "cEBzcy"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
}

#[test]
fn a_runs_token_cannot_mint_a_token_that_outlives_the_run() {
    let h = Harness::new();
    let s = server(&h);
    let writer = member(&s, "walter", "write");
    let script = r#"import json, os, urllib.request, urllib.error
req = urllib.request.Request(os.environ['COFFER_URL'] + '/v1/tokens', method='POST',
    data=json.dumps({'name': 'forever'}).encode(),
    headers={'Authorization': 'Bearer ' + os.environ['COFFER_TOKEN'], 'Content-Type': 'application/json'})
try:
    urllib.request.urlopen(req)
    print('MINTED')
except urllib.error.HTTPError as e:
    print('status', e.code)
"#;
    let flight = json!({"name": "mint", "kind": "command",
                        "command": ["/usr/bin/python3", "-c", script], "timeout_secs": 30});
    let (status, log) = run_flight(&s, &writer, flight);
    assert_eq!(status, "succeeded", "{log}");
    assert!(log.contains("status 403") && !log.contains("MINTED"), "{log}");
    let tokens = s.admin("GET", "/v1/tokens", None);
    assert!(!tokens.text.contains("\"forever\""), "{}", tokens.text);
}

/// Issue 16, point 8: what a member's SQL or flight could fetch from the server's machine:
/// coffer's own API on loopback (in every spelling, and with the address built at run time)
/// and the cloud metadata service. Engines reach neither, runs not the metadata service;
/// secrets that point there are refused when they are created.
#[test]
fn members_cannot_reach_the_metadata_service_or_coffers_own_api() {
    let h = Harness::new();
    // httpfs in the engines: without it no URL is read at all, whatever the network rule.
    let ext = common::s3::env_path("COFFER_TEST_EXTENSION_DIR", "a directory with httpfs installed");
    let ext = ext.to_string_lossy().into_owned();
    let s = server_with(&h, &[("COFFER_EXTENSION_DIR", ext.as_str())]);
    // `use` is the lowest role whose statements reach DuckDB.
    let user = member(&s, "uma", "use");
    let writer = member(&s, "wes", "write");
    let port = s.url.rsplit(':').next().expect("port").to_string();
    let reads = [
        format!("SELECT content FROM read_text('http://127.0.0.1:{port}/openapi.json')"),
        format!("SELECT content FROM read_text('http://localhost:{port}/openapi.json')"),
        format!("SELECT content FROM read_text('http://[::ffff:127.0.0.1]:{port}/openapi.json')"),
        format!("SELECT content FROM read_text('http://0.0.0.0:{port}/openapi.json')"),
        format!("SELECT content FROM read_text(concat('http://127.0.0.', '1:{port}/openapi.json'))"),
        "SELECT content FROM read_text('http://169.254.169.254/latest/meta-data/iam/security-credentials/')"
            .to_string(),
    ];
    for token in [&user, &s.admin_token] {
        for read in &reads {
            let results = sql(&s, token, read);
            let (ok, text) = &results[0];
            assert!(!ok, "{read} succeeded: {text}");
            assert!(!text.contains("\"paths\""), "{read}: {text}");
            // A literal URL is refused before the engine with the reason; one built at run
            // time is refused by the engine's connection supervisor.
            if !read.contains("concat") {
                assert!(
                    text.contains("sandbox rule 'network'") && text.contains("--allow-network"),
                    "{read}: {text}"
                );
            }
        }
    }
    // Secrets that point there: refused at creation, through the API and through SQL.
    for (field, value) in [
        ("endpoint", "169.254.169.254".to_string()),
        ("endpoint", format!("127.0.0.1:{port}")),
        ("http_proxy", "http://[fd00:ec2::254]:80".to_string()),
    ] {
        let a = s.request(
            "POST",
            "/v1/projects/default/secrets",
            Some(&writer),
            Some(&json!({"name": "imds", "type": "s3",
                         "fields": {"key_id": "AKIA", "secret": SECRET, "region": "us-east-1", field: value}})),
        );
        assert_eq!(a.status, 400, "{field}={value}: {}", a.text);
        assert!(
            a.text.contains(field) && a.text.contains("--allow-network"),
            "{}",
            a.text
        );
        assert!(!a.text.contains(SECRET), "{}", a.text);
    }
    let results = sql(
        &s,
        &writer,
        "CREATE SECRET imds (TYPE s3, KEY_ID 'AKIA', SECRET 'x', REGION 'us-east-1', ENDPOINT '169.254.169.254')",
    );
    assert!(!results[0].0, "{}", results[0].1);
    assert!(results[0].1.contains("169.254.0.0/16"), "{}", results[0].1);
    // A writer's flight: the metadata address is refused at once and the log says why; coffer's
    // API stays reachable (a run is given its URL and a run token), and answers only to tokens.
    let script = format!(
        "import socket, urllib.request, urllib.error\ntry:\n    socket.create_connection(('169.254.169.254', 80), timeout=5)\n    print('REACHED')\nexcept OSError as e:\n    print('refused', e.errno)\ntry:\n    urllib.request.urlopen('http://127.0.0.1:{port}/v1/projects')\nexcept urllib.error.HTTPError as e:\n    print('api', e.code)\n"
    );
    let (status, log) = run_flight(
        &s,
        &writer,
        json!({"name": "reach", "kind": "command", "command": ["python3", "-c", script], "timeout_secs": 30}),
    );
    assert_eq!(status, "succeeded", "{log}");
    assert!(!log.contains("REACHED"), "{log}");
    assert!(log.contains("refused 13") && log.contains("cloud metadata"), "{log}");
    assert!(log.contains("api 401"), "{log}");
}

/// `--allow-network` (here `COFFER_ALLOW_NETWORK`): the machine's owner allows a range, and a
/// secret pointing there is taken; the rest of the metadata range stays refused.
#[test]
fn the_owner_can_allow_an_address_range() {
    let h = Harness::new();
    let s = server_with(&h, &[("COFFER_ALLOW_NETWORK", "169.254.170.2/32")]);
    let create = |name: &str, endpoint: &str| {
        s.admin(
            "POST",
            "/v1/projects/default/secrets",
            Some(&json!({"name": name, "type": "s3",
                         "fields": {"key_id": "AKIA", "secret": SECRET, "region": "us-east-1", "endpoint": endpoint}})),
        )
    };
    let allowed = create("ecs", "169.254.170.2");
    assert_eq!(allowed.status, 201, "{}", allowed.text);
    let refused = create("imds", "169.254.169.254");
    assert_eq!(refused.status, 400, "{}", refused.text);
}

/// A `credential_chain` secret takes the credentials of the environment it is resolved in: in
/// a member's engine, the server's own AWS identity. A member with `use` creates one and reads
/// a bucket only the server's identity may read: refused, until the machine's owner allows
/// it for the project (`--server-credentials-for`).
#[test]
fn a_members_credential_chain_secret_never_takes_the_servers_identity() {
    use common::s3::{env_path, S3Server};
    let h = Harness::new();
    let ext = env_path(
        "COFFER_TEST_EXTENSION_DIR",
        "a directory with httpfs and aws installed (scripts/test.sh installs them)",
    );
    assert!(
        ext.join("v1.5.5/linux_amd64/aws.duckdb_extension").is_file(),
        "COFFER_TEST_EXTENSION_DIR has no aws extension: scripts/test.sh installs it (coffer extension install aws)"
    );
    let ext = ext.to_string_lossy().into_owned();
    let root = h.home().join("s3");
    std::fs::create_dir_all(root.join("private")).expect("bucket");
    std::fs::write(root.join("private/data.csv"), "id\n1\n2\n3\n").expect("csv");
    let s3 = S3Server::start(&root, "AKIASERVERIDENTITY", "server-identity-secret");
    let identity = [
        ("COFFER_EXTENSION_DIR", ext.as_str()),
        ("AWS_ACCESS_KEY_ID", "AKIASERVERIDENTITY"),
        ("AWS_SECRET_ACCESS_KEY", "server-identity-secret"),
    ];
    let create = format!(
        "CREATE PERSISTENT SECRET chain (TYPE s3, PROVIDER credential_chain, CHAIN 'env', REGION 'us-east-1', \
         ENDPOINT '127.0.0.1:{}', URL_STYLE 'path', USE_SSL false, SCOPE 's3://private')",
        s3.port
    );
    let read = "SELECT count(*) AS n FROM read_csv('s3://private/data.csv')";

    let s = server_with(&h, &identity);
    let writer = member(&s, "wanda", "write");
    let user = member(&s, "ulf", "use");
    let created = sql(&s, &writer, &create);
    assert!(created[0].0, "{}", created[0].1);
    for token in [&user, &writer] {
        let results = sql(&s, token, read);
        assert!(
            !results[0].0,
            "a member read with the server's identity: {}",
            results[0].1
        );
    }
    drop(s);

    // The owner allows it for this project: the same secret now resolves from the server's
    // environment.
    let mut allowed = identity.to_vec();
    allowed.push(("COFFER_SERVER_CREDENTIALS_FOR", "default"));
    let s = server_with(&h, &allowed);
    let results = sql(&s, &user, read);
    assert!(results[0].0, "{}\n{}", results[0].1, s.log_text());
    assert!(results[0].1.contains('3'), "{}", results[0].1);
    drop(s3);
}

/// Data sources are attached by coffer's side of a member's engine, past the SQL guard: so the
/// guard's rules on `ATTACH` are applied to them there. A writer cannot define sources pointing
/// at the server's own database file or at a local PostgreSQL socket; defined by a superuser, a
/// `use` member naming them gets refusals and nothing of the files. A real PostgreSQL source works for `use`, while `use`
/// cannot define one and `read` cannot attach one.
#[test]
fn members_cannot_attach_the_servers_files_through_a_data_source() {
    let h = Harness::new();
    let ext = common::s3::env_path("COFFER_TEST_EXTENSION_DIR", "a DuckDB extension directory");
    let ext = ext.to_string_lossy().into_owned();
    let s = server_with(&h, &[("COFFER_EXTENSION_DIR", ext.as_str())]);
    let writer = member(&s, "wren", "write");
    let user = member(&s, "uli", "use");
    let reader = member(&s, "rae", "read");
    // A real database for a source that works.
    let url = coffer_store_postgres_testing::fresh_database();
    coffer_store_postgres_testing::execute(
        &url,
        "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2);",
    );
    let (userinfo, rest) = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split_once('@'))
        .expect("user:password@host in COFFER_TEST_POSTGRES_URL");
    let (pg_user, pg_password) = userinfo.split_once(':').expect("user:password");
    let (authority, db) = rest.split_once('/').expect("a database");
    let db = db.split('?').next().unwrap_or_default();
    let (host, port) = authority.rsplit_once(':').expect("host:port");
    let secret = s.request(
        "POST",
        "/v1/projects/default/secrets",
        Some(&writer),
        Some(&json!({"name": "pg_app", "type": "postgres",
                     "fields": {"host": host, "port": port, "database": db, "user": pg_user, "password": pg_password}})),
    );
    assert_eq!(secret.status, 201, "{}", secret.text);
    let home_db = h.home().join("coffer.db").to_string_lossy().into_owned();
    let local = [
        format!("CREATE SOURCE leak (TYPE sqlite, PATH '{home_db}')"),
        "CREATE SOURCE sock (TYPE postgres, SECRET pg_app, PATH 'host=/var/run/postgresql dbname=postgres')"
            .to_string(),
    ];
    // The member cannot even define them: a file or a socket of the server is the owner's.
    for statement in &local {
        let results = sql(&s, &writer, statement);
        assert!(
            !results[0].0 && results[0].1.contains("only the machine's owner"),
            "{statement}: {}",
            results[0].1
        );
    }
    // Defined by a superuser, a member's engine still never attaches them.
    for statement in &local {
        let results = sql(&s, &s.admin_token, statement);
        assert!(results[0].0, "{statement}: {}", results[0].1);
    }
    let results = sql(&s, &writer, "CREATE SOURCE shop (TYPE postgres, SECRET pg_app)");
    assert!(results[0].0, "{}", results[0].1);
    let key = key_bytes(&h);
    for (read, why) in [
        (
            "SELECT * FROM leak.sqlite_master",
            "sqlite source is a file on the server",
        ),
        ("SELECT * FROM sock.public.x", "local file or socket"),
    ] {
        let results = sql(&s, &user, read);
        assert!(!results[0].0, "{read}: {}", results[0].1);
        assert!(results[0].1.contains(why), "{read}: {}", results[0].1);
        assert!(!holds(&results[0].1, &key), "{read}");
    }
    let results = sql(&s, &user, "SELECT count(*) AS n FROM shop.public.orders");
    assert!(results[0].0 && results[0].1.contains('2'), "{}", results[0].1);
    // `use` cannot define a source; `read` cannot attach one.
    let results = sql(&s, &user, "CREATE SOURCE mine (TYPE postgres, SECRET pg_app)");
    assert!(!results[0].0 && results[0].1.contains("write"), "{}", results[0].1);
    let results = sql(&s, &reader, "SELECT count(*) FROM shop.public.orders");
    assert!(!results[0].0 && results[0].1.contains("'use'"), "{}", results[0].1);
    assert!(!s.log_text().contains(pg_password));
}
