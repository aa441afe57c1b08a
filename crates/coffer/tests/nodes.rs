//! Several `coffer serve` nodes on one database, with real processes on 127.0.0.1: a secret
//! written on one node is seen by the next request on the other, a schedule fires once per
//! tick across nodes (and eight services claiming the same ticks at once get one winner
//! each), and the runs of a node killed with SIGKILL are marked `failed` by a surviving node. Each test runs on SQLite (two servers over one home) and on PostgreSQL
//! (two homes sharing the key file and a fresh database on `COFFER_TEST_POSTGRES_URL`; skipped
//! with a note when it is unset).

mod common;

use coffer_core::{Caller, Service};
use coffer_crypto::LocalKeyFile;
use common::server::{Answer, Server};
use common::{stderr, Harness};
use std::os::unix::fs::DirBuilderExt;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// Two nodes' worth of homes over one database.
struct Cluster {
    /// One home for SQLite (both servers open its coffer.db); two for PostgreSQL.
    homes: Vec<Harness>,
    /// `COFFER_DATABASE_URL` for PostgreSQL.
    database: Option<String>,
    /// What the backend is called in messages.
    name: &'static str,
}

impl Cluster {
    /// Two servers over one SQLite home.
    fn sqlite() -> Cluster {
        Cluster {
            homes: vec![Harness::new()],
            database: None,
            name: "sqlite",
        }
    }

    /// Two homes over a fresh PostgreSQL database; `None` (with a note) without a test server.
    fn postgres(test: &str) -> Option<Cluster> {
        if coffer_store_postgres_testing::server_url().is_none() {
            eprintln!(
                "note: {test} skipped: set {} to a PostgreSQL server URL (scripts/test.sh and CI do)",
                coffer_store_postgres_testing::ENV
            );
            return None;
        }
        Some(Cluster {
            homes: vec![Harness::new(), Harness::new()],
            database: Some(coffer_store_postgres_testing::fresh_database()),
            name: "postgres",
        })
    }

    /// The environment of every server and local command: the database, and `extra`.
    fn env<'a>(&'a self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut env: Vec<(&str, &str)> = extra.to_vec();
        if let Some(url) = &self.database {
            env.push(("COFFER_DATABASE_URL", url));
        }
        env
    }

    /// Starts node `i` (0 or 1) with `extra` environment. Node 0 must start first: on an
    /// empty store it bootstraps the admin and, on its first use of the home, creates the
    /// key file that node 1 of a PostgreSQL cluster gets a copy of.
    fn start(&self, i: usize, extra: &[(&str, &str)]) -> Server {
        let h = &self.homes[i.min(self.homes.len() - 1)];
        if i > 0 && self.homes.len() > 1 && !h.home().exists() {
            let first = &self.homes[0];
            std::fs::DirBuilder::new()
                .mode(0o700)
                .create(h.home())
                .expect("create the second home");
            // One key for every node: fs::copy keeps the mode (0600).
            for file in ["master.key", "keyring.json"] {
                let from = first.home().join(file);
                if from.exists() {
                    std::fs::copy(&from, h.home().join(file)).expect("copy the key file");
                }
            }
        }
        Server::start_with(h, &self.env(extra))
    }

    /// The store itself, as node 0 opens it.
    fn store(&self) -> Box<dyn coffer_store::Store> {
        let home = self.homes[0].home();
        if !home.exists() {
            std::fs::DirBuilder::new()
                .mode(0o700)
                .create(&home)
                .expect("create the home");
        }
        match &self.database {
            Some(url) => Box::new(coffer_store_postgres::PgStore::connect(url).expect("connect to the database")),
            None => {
                Box::new(coffer_store_sqlite::SqliteStore::open(&self.homes[0].db_path()).expect("open the database"))
            }
        }
    }
}

/// A request to `node` as the bootstrap admin of `first` (only the node that bootstrapped
/// the store printed the token).
fn as_admin(node: &Server, first: &Server, method: &str, path: &str, body: Option<&serde_json::Value>) -> Answer {
    node.request(method, path, Some(&first.admin_token), body)
}

fn s3_body(secret: &str, scope: &str, replace: bool) -> serde_json::Value {
    serde_json::json!({
        "name": "shared",
        "type": "s3",
        "scope": [scope],
        "on_conflict": if replace { "replace" } else { "error" },
        "fields": {"key_id": "AKIANODES", "secret": secret, "region": "us-east-1"}
    })
}

/// What `node` says about the secret `shared`: the status and version of its metadata, the
/// value of SHARED_SECRET through the "use" endpoint, and which_secret for s3://one/x.
fn seen_by(node: &Server, first: &Server) -> (u16, Option<i64>, Option<String>, Option<String>) {
    let meta = as_admin(node, first, "GET", "/v1/projects/default/secrets/shared", None);
    let env = as_admin(
        node,
        first,
        "POST",
        "/v1/projects/default/env",
        Some(&serde_json::json!({"secrets": ["shared"]})),
    );
    let which = as_admin(
        node,
        first,
        "GET",
        "/v1/projects/default/which?path=s3://one/x&type=s3",
        None,
    );
    assert_eq!(which.status, 200, "{}", which.text);
    let value = env.body["env"]["SHARED_SECRET"].as_str().map(str::to_string);
    assert_eq!(env.status == 200, value.is_some(), "{}", env.text);
    (
        meta.status,
        meta.body["version"].as_i64(),
        value,
        which.body["secret"]["name"].as_str().map(str::to_string),
    )
}

fn secrets_written_on_one_node_are_seen_by_the_next_request_on_the_other(c: &Cluster) {
    let a = c.start(0, &[]);
    let b = c.start(1, &[]);
    assert!(!a.admin_token.is_empty(), "node A bootstraps: {}", a.log_text());
    assert!(
        b.admin_token.is_empty(),
        "node B finds a store in use: {}",
        b.log_text()
    );
    // B answers before the secret exists (its caches hold the absence).
    assert_eq!(seen_by(&b, &a), (404, None, None, None));

    let created = as_admin(
        &a,
        &a,
        "POST",
        "/v1/projects/default/secrets",
        Some(&s3_body("NODE-V1", "s3://one", false)),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        seen_by(&b, &a),
        (200, Some(1), Some("NODE-V1".into()), Some("shared".into())),
        "{}: a create on A is seen by B's next request",
        c.name
    );

    let replaced = as_admin(
        &a,
        &a,
        "POST",
        "/v1/projects/default/secrets",
        Some(&s3_body("NODE-V2", "s3://two", true)),
    );
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    assert_eq!(
        seen_by(&b, &a),
        (200, Some(2), Some("NODE-V2".into()), None),
        "{}: a replace on A (new value, new scope) is seen by B's next request",
        c.name
    );

    let dropped = as_admin(&a, &a, "DELETE", "/v1/projects/default/secrets/shared", None);
    assert_eq!(dropped.status, 200, "{}", dropped.text);
    assert_eq!(
        seen_by(&b, &a),
        (404, None, None, None),
        "{}: a drop on A is seen by B's next request",
        c.name
    );
    // And the other way round.
    let back = as_admin(
        &b,
        &a,
        "POST",
        "/v1/projects/default/secrets",
        Some(&s3_body("NODE-V3", "s3://one", false)),
    );
    assert_eq!(back.status, 201, "{}", back.text);
    assert_eq!(
        seen_by(&a, &a),
        (200, Some(1), Some("NODE-V3".into()), Some("shared".into()))
    );
    a.stop();
    b.stop();
}

#[test]
fn sqlite_secrets_written_on_one_node_are_seen_by_the_next_request_on_the_other() {
    secrets_written_on_one_node_are_seen_by_the_next_request_on_the_other(&Cluster::sqlite());
}

#[test]
fn postgres_secrets_written_on_one_node_are_seen_by_the_next_request_on_the_other() {
    if let Some(c) = Cluster::postgres("postgres_secrets_written_on_one_node_are_seen_by_the_next_request_on_the_other")
    {
        secrets_written_on_one_node_are_seen_by_the_next_request_on_the_other(&c);
    }
}

fn a_schedule_fires_once_per_tick_across_nodes(c: &Cluster) {
    let a = c.start(0, &[]);
    let b = c.start(1, &[]);
    let body = serde_json::json!({
        "name": "tick",
        "kind": "command",
        "command": ["true"],
        "schedule": "*/1 * * * * *",
        "concurrency": 10
    });
    let created = as_admin(&a, &a, "POST", "/v1/projects/default/flights", Some(&body));
    assert_eq!(created.status, 201, "{}", created.text);
    // Both schedulers tick every second; let them compete for about five ticks.
    let started = Instant::now();
    let deadline = started + Duration::from_secs(30);
    loop {
        let runs = as_admin(&b, &a, "GET", "/v1/projects/default/flights/tick/runs", None);
        assert_eq!(runs.status, 200, "{}", runs.text);
        let n = runs.body.as_array().map_or(0, Vec::len);
        if n >= 5 && started.elapsed() >= Duration::from_secs(5) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{}: only {n} scheduled run(s) in 30 s\nA: {}\nB: {}",
            c.name,
            a.log_text(),
            b.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Stop both, so no tick is claimed while the runs are read.
    let (pid_a, pid_b) = (a.pid(), b.pid());
    a.stop();
    b.stop();
    // Read from the store: the runs with the node that ran each.
    let store = c.store();
    let flight = store
        .get_flight("default", "tick")
        .expect("read the flight")
        .expect("the flight");
    let runs = store.list_runs(&flight.id, 1000).expect("read the runs");
    let mut ticks: Vec<i64> = runs
        .iter()
        .map(|r| {
            assert_eq!(r.trigger, "schedule", "{r:?}");
            r.scheduled_for.unwrap_or_else(|| panic!("no tick: {r:?}"))
        })
        .collect();
    let n = ticks.len();
    ticks.sort_unstable();
    ticks.dedup();
    assert_eq!(ticks.len(), n, "{}: a tick ran twice: {runs:?}", c.name);
    assert!(n >= 3, "{}: {n} runs", c.name);
    let on = |pid: u32| {
        runs.iter()
            .filter(|r| r.runner.as_deref().is_some_and(|x| x.ends_with(&format!(":{pid}"))))
            .count()
    };
    let (on_a, on_b) = (on(pid_a), on(pid_b));
    assert_eq!(
        on_a + on_b,
        n,
        "every run was started by one of the two nodes: {runs:?}"
    );
    eprintln!(
        "{}: {n} scheduled runs, one per tick, {on_a} started by node A and {on_b} by node B",
        c.name
    );
}

#[test]
fn sqlite_a_schedule_fires_once_per_tick_across_nodes() {
    a_schedule_fires_once_per_tick_across_nodes(&Cluster::sqlite());
}

#[test]
fn postgres_a_schedule_fires_once_per_tick_across_nodes() {
    if let Some(c) = Cluster::postgres("postgres_a_schedule_fires_once_per_tick_across_nodes") {
        a_schedule_fires_once_per_tick_across_nodes(&c);
    }
}

/// Eight services on one database, each with its own connections as eight nodes have, claim
/// the same ticks at the same moment (a barrier before each): every tick has exactly one
/// winner, whichever the backend.
fn concurrent_claims_of_a_tick_have_one_winner(c: &Cluster) {
    const NODES: usize = 8;
    const ROUNDS: i64 = 20;
    let key = c.homes[0].root().join("inputs").join("claims.key");
    let services: Vec<Arc<Service>> = (0..NODES)
        .map(|_| {
            let (keyring, _) = LocalKeyFile::open_or_create(&key).expect("key");
            Arc::new(Service::new(c.store(), Box::new(keyring)))
        })
        .collect();
    let caller = Caller::local();
    // A fresh store may already have the default project.
    let _ = services[0].create_project(&caller, "default");
    let spec = serde_json::from_value(serde_json::json!({
        "kind": "command", "command": ["true"], "schedule": "*/1 * * * * *"
    }))
    .expect("spec");
    let created = services[0]
        .create_flight(&caller, "default", "tick", spec)
        .expect("flight")
        .info
        .created_at;
    let barrier = Arc::new(Barrier::new(NODES));
    let threads: Vec<_> = services
        .into_iter()
        .map(|s| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                (1..=ROUNDS)
                    .map(|k| {
                        barrier.wait();
                        let claimed = s.claim_due_ticks(created + 1000 * k + 500).expect("claim");
                        claimed.into_iter().map(|(_, _, tick)| tick).collect::<Vec<i64>>()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let per_node: Vec<Vec<Vec<i64>>> = threads.into_iter().map(|t| t.join().expect("a node")).collect();
    for k in 0..ROUNDS as usize {
        let winners: Vec<i64> = per_node.iter().flat_map(|rounds| rounds[k].iter().copied()).collect();
        assert_eq!(winners.len(), 1, "{}: round {k}: {winners:?}", c.name);
    }
    let spread: Vec<usize> = per_node
        .iter()
        .map(|rounds| rounds.iter().map(Vec::len).sum())
        .collect();
    eprintln!(
        "{}: {ROUNDS} ticks claimed at once by {NODES} nodes: one winner each (wins per node {spread:?})",
        c.name
    );
}

#[test]
fn sqlite_concurrent_claims_of_a_tick_have_one_winner() {
    concurrent_claims_of_a_tick_have_one_winner(&Cluster::sqlite());
}

#[test]
fn postgres_concurrent_claims_of_a_tick_have_one_winner() {
    if let Some(c) = Cluster::postgres("postgres_concurrent_claims_of_a_tick_have_one_winner") {
        concurrent_claims_of_a_tick_have_one_winner(&c);
    }
}

/// Kills the process `pid` with SIGKILL.
fn kill9(pid: &str) {
    let status = std::process::Command::new("kill")
        .args(["-9", pid])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -9 {pid}: {status}");
}

fn the_runs_of_a_killed_node_are_failed_by_a_survivor(c: &Cluster) {
    let fast = [("COFFER_HEARTBEAT_INTERVAL", "500ms"), ("COFFER_NODE_TIMEOUT", "3s")];
    let a = c.start(0, &fast);
    let b = c.start(1, &fast);
    // The run prints its pid (sh execs sleep in place) so the test can clean it up; it may
    // write only its own directory. The masker holds back as many bytes as its longest value
    // (the run's token) could still complete: a line of padding pushes the pid out.
    let script = "echo pid=$$; printf '%0256d\\n' 0; exec sleep 30";
    let body = serde_json::json!({"name": "long", "kind": "command", "command": ["sh", "-c", script]});
    let created = as_admin(&a, &a, "POST", "/v1/projects/default/flights", Some(&body));
    assert_eq!(created.status, 201, "{}", created.text);
    let run = as_admin(&a, &a, "POST", "/v1/projects/default/flights/long/runs", None);
    assert_eq!(
        (run.status, run.body["status"].as_str()),
        (201, Some("running")),
        "{}",
        run.text
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let run_pid = loop {
        let logs = as_admin(&a, &a, "GET", "/v1/projects/default/flights/long/runs/1/logs", None);
        let text: String = logs.body["chunks"]
            .as_array()
            .map(|chunks| {
                chunks
                    .iter()
                    .filter_map(|c| c["data"].as_str())
                    .filter_map(|d| {
                        use base64::Engine as _;
                        base64::engine::general_purpose::STANDARD.decode(d).ok()
                    })
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(pid) = text.lines().find_map(|l| l.trim().strip_prefix("pid=")) {
            break pid.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the run did not start: {}\nlog: {text}\n{}",
            a.log_text(),
            logs.text
        );
        std::thread::sleep(Duration::from_millis(20));
    };

    let node_a = a.pid().to_string();
    kill9(&node_a);
    let killed = Instant::now();
    let deadline = killed + Duration::from_secs(20);
    let failed = loop {
        let r = as_admin(&b, &a, "GET", "/v1/projects/default/flights/long/runs/1", None);
        assert_eq!(r.status, 200, "{}", r.text);
        if r.body["status"] != "running" {
            break r.body;
        }
        assert!(
            Instant::now() < deadline,
            "{}: the run of the killed node is still running after 20 s\nB: {}",
            c.name,
            b.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = killed.elapsed();
    // The run's process outlived its node: stop it now.
    let _ = std::process::Command::new("kill").args(["-9", &run_pid]).status();
    assert_eq!(failed["status"], "failed", "{failed}");
    let message = failed["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("node lost: ")
            && message.contains(&format!(":{node_a} stopped sending heartbeats at "))
            && message.ends_with("the run's process may still be running on that host"),
        "{message}"
    );
    // The survivor says so once its sweep is done (a moment after the run's row changed).
    let said = format!(":{node_a} lost: marked 1 run(s) failed");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.log_text().contains(&said) {
        assert!(Instant::now() < deadline, "{}", b.log_text());
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!(
        "{}: the run of the killed node was marked failed by the survivor {:.1} s after SIGKILL (timeout 3 s, heartbeat 500 ms)",
        c.name,
        took.as_secs_f64()
    );
    b.stop();
}

#[test]
fn sqlite_the_runs_of_a_killed_node_are_failed_by_a_survivor() {
    the_runs_of_a_killed_node_are_failed_by_a_survivor(&Cluster::sqlite());
}

#[test]
fn postgres_the_runs_of_a_killed_node_are_failed_by_a_survivor() {
    if let Some(c) = Cluster::postgres("postgres_the_runs_of_a_killed_node_are_failed_by_a_survivor") {
        the_runs_of_a_killed_node_are_failed_by_a_survivor(&c);
    }
}

#[test]
fn a_node_timeout_not_above_twice_the_heartbeat_is_refused() {
    let h = Harness::new();
    let a = h
        .run(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--heartbeat-interval",
            "2s",
            "--node-timeout",
            "4s",
        ])
        .code(2);
    let err = stderr(&a);
    assert!(
        err.contains("--node-timeout (4s) must be more than twice --heartbeat-interval (2s)"),
        "{err}"
    );
    let a = h
        .run(&["serve", "--listen", "127.0.0.1:0", "--heartbeat-interval", "soon"])
        .code(2);
    assert!(
        stderr(&a).contains("invalid --heartbeat-interval 'soon'"),
        "{}",
        stderr(&a)
    );
    // Nothing was created: the flags are checked before the store is opened.
    assert!(!h.home().exists());
}

#[test]
fn a_clean_stop_removes_the_node_row() {
    let c = Cluster::sqlite();
    let a = c.start(0, &[]);
    let b = c.start(1, &[]);
    let nodes = |h: &Harness| -> Vec<String> {
        let conn = rusqlite::Connection::open(h.db_path()).expect("open the database");
        let mut stmt = conn.prepare("SELECT id FROM nodes ORDER BY id").expect("prepare");
        stmt.query_map([], |r| r.get::<_, String>(0))
            .expect("query")
            .map(|r| r.expect("row"))
            .collect()
    };
    let ids = nodes(&c.homes[0]);
    assert_eq!(ids.len(), 2, "{ids:?}");
    for s in [&a, &b] {
        assert!(ids.iter().any(|id| id.ends_with(&format!(":{}", s.pid()))), "{ids:?}");
    }
    let pid_b = b.pid();
    b.stop();
    let ids = nodes(&c.homes[0]);
    assert_eq!(ids.len(), 1, "a clean stop removes the node: {ids:?}");
    assert!(!ids[0].ends_with(&format!(":{pid_b}")));
    a.stop();
    assert!(nodes(&c.homes[0]).is_empty());
}
