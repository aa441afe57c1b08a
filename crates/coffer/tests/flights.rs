//! Flights end to end with real processes: definitions, the run environment, per-run
//! overrides, dropped secrets, masking, timeouts, cancellation, concurrency, and (through
//! `coffer serve`) run tokens and schedules.

mod common;

use common::server::Server;
use common::{stderr, stdout, Harness};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use std::time::{Duration, Instant};

const API_KEY: &str = "FLT-API-KEY-7f3e9a1c55";
const DB_URL: &str = "postgres://u:FLT-DB-PASSWORD-91@h/db";

fn with_secrets() -> Harness {
    let h = Harness::new();
    h.run_stdin(
        &[
            "secret",
            "create",
            "my_api_secret",
            "--type",
            "flights",
            "--set",
            "params.API_KEY=-",
            "--set",
            "params.ENDPOINT=https://api.example.com",
        ],
        API_KEY,
    )
    .success();
    h.run_stdin(
        &[
            "secret",
            "create",
            "DATABASE_URL",
            "--type",
            "generic",
            "--set",
            "value=-",
        ],
        DB_URL,
    )
    .success();
    h
}

fn run_json(h: &Harness, args: &[&str]) -> serde_json::Value {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--format", "json"]);
    let a = h.run(&all);
    let out = stdout(&a);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{}", stderr(&a)))
}

fn log_of(h: &Harness, flight: &str, run: &str) -> String {
    let a = h.run(&["flight", "logs", flight, run]).success();
    format!("{}{}", stdout(&a), stderr(&a))
}

#[test]
fn a_run_gets_config_secrets_and_project_env_and_nothing_else() {
    let h = with_secrets();
    h.run(&[
        "flight",
        "create",
        "ingest",
        "--config",
        "REGION=us-east-1",
        "--config",
        "BATCH_SIZE=1000",
        "--secret",
        "my_api_secret",
        "--",
        "sh",
        "-c",
        "env | sort",
    ])
    .success()
    .stdout(contains("created flight 'ingest' (version 1"));
    let a = h
        .run_env(
            &["flight", "run", "ingest", "--wait"],
            &[("LEAKY_SERVER_VAR", "do-not-pass")],
        )
        .success();
    let out = stdout(&a);
    for want in [
        "REGION=us-east-1",
        "BATCH_SIZE=1000",
        "MY_API_SECRET_API_KEY=****",
        "MY_API_SECRET_ENDPOINT=****",
        "DATABASE_URL=****",
        "COFFER_FLIGHT=ingest",
        "COFFER_RUN_NUMBER=1",
        "PATH=/usr/local/bin:/usr/bin:/bin",
    ] {
        assert!(out.contains(want), "missing {want} in:\n{out}");
    }
    assert!(
        !out.contains("LEAKY_SERVER_VAR"),
        "the CLI's environment leaked:\n{out}"
    );
    assert!(!out.contains("COFFER_HOME"), "the CLI's environment leaked:\n{out}");
    assert!(!out.contains(API_KEY) && !out.contains("FLT-DB-PASSWORD"), "{out}");
    // The stored log is masked too, and so is the database file.
    let log = log_of(&h, "ingest", "1");
    assert!(log.contains("MY_API_SECRET_API_KEY=****"), "{log}");
    assert!(!log.contains(API_KEY), "{log}");
    let db = std::fs::read(h.db_path()).expect("db");
    assert!(
        !db.windows(API_KEY.len()).any(|w| w == API_KEY.as_bytes()),
        "plaintext in the database"
    );
    // Allow-listed variables pass through.
    let a = h
        .run_env(
            &["flight", "run", "ingest", "--wait"],
            &[
                ("LEAKY_SERVER_VAR", "allowed-now"),
                ("COFFER_FLIGHT_ENV_ALLOW", "LEAKY_SERVER_VAR"),
            ],
        )
        .success();
    assert!(stdout(&a).contains("LEAKY_SERVER_VAR=allowed-now"), "{}", stdout(&a));
}

#[test]
fn runs_list_number_status_version_config_exit_and_duration() {
    let h = Harness::new();
    h.run(&[
        "flight",
        "create",
        "job",
        "--config",
        "REGION=us",
        "--config",
        "N=1",
        "--",
        "sh",
        "-c",
        "echo $REGION; exit 3",
    ])
    .success();
    h.run(&["flight", "run", "job"])
        .code(3)
        .stderr(contains("run 1 of flight 'job' failed (exit code 3)"));
    h.run(&["flight", "run", "job", "--config", "REGION=eu"]).code(3);
    let runs = run_json(&h, &["flight", "runs", "job"]);
    let runs = runs.as_array().expect("array");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["run_number"], 2);
    assert_eq!(runs[0]["status"], "failed");
    assert_eq!(runs[0]["exit_code"], 3);
    assert_eq!(runs[0]["flight_version"], 1);
    assert_eq!(runs[0]["config"]["REGION"], "eu");
    assert_eq!(runs[1]["config"]["REGION"], "us");
    assert!(runs[0]["duration_ms"].as_i64().is_some());
    let table = stdout(&h.run(&["flight", "runs", "job"]).success());
    let header = table.lines().next().unwrap_or_default();
    for col in ["run", "status", "version", "config", "exit", "started", "duration"] {
        assert!(header.contains(col), "{header}");
    }
    assert!(table.contains("REGION=eu N=1"), "{table}");
    assert_eq!(
        log_of(&h, "job", "2").lines().find(|l| !l.starts_with("run ")),
        Some("eu")
    );
}

#[test]
fn overrides_only_existing_keys_and_leave_the_flight_alone() {
    let h = Harness::new();
    h.run(&[
        "flight",
        "create",
        "job",
        "--config",
        "REGION=us",
        "--config",
        "BATCH_SIZE=10",
        "--",
        "true",
    ])
    .success();
    h.run(&["flight", "run", "job", "--config", "NEW_KEY=1"])
        .code(2)
        .stderr(contains("NEW_KEY"))
        .stderr(contains("REGION, BATCH_SIZE"));
    assert_eq!(
        run_json(&h, &["flight", "runs", "job"]).as_array().map(Vec::len),
        Some(0),
        "no run recorded"
    );
    h.run(&["flight", "run", "job", "--config", "REGION=ap-south-1"])
        .success();
    let f = run_json(&h, &["flight", "show", "job"]);
    assert_eq!(f["version"], 1);
    assert_eq!(f["config"]["REGION"], "us");
    let runs = run_json(&h, &["flight", "runs", "job"]);
    assert_eq!(runs[0]["config"]["REGION"], "ap-south-1");
    assert_eq!(runs[0]["config"]["BATCH_SIZE"], "10");
}

#[test]
fn update_replaces_config_and_secrets_and_bumps_the_version() {
    let h = with_secrets();
    h.run_stdin(
        &[
            "secret",
            "create",
            "warehouse_secret",
            "--type",
            "flights",
            "--set",
            "params.PASSWORD=-",
        ],
        "wh-pass-123456",
    )
    .success();
    h.run(&[
        "flight",
        "create",
        "job",
        "--config",
        "REGION=us",
        "--config",
        "BATCH_SIZE=1000",
        "--secret",
        "my_api_secret",
        "--",
        "true",
    ])
    .success();
    h.run(&["flight", "update", "job", "--config", "REGION=eu"])
        .success()
        .stdout(contains("version 2"));
    let f = run_json(&h, &["flight", "show", "job"]);
    assert_eq!(f["config"], serde_json::json!({"REGION": "eu"}), "replaced, not merged");
    assert_eq!(f["secrets"], serde_json::json!(["my_api_secret"]));
    h.run(&["flight", "update", "job", "--secret", "warehouse_secret"])
        .success();
    let f = run_json(&h, &["flight", "show", "job"]);
    assert_eq!(f["secrets"], serde_json::json!(["warehouse_secret"]));
    assert_eq!(f["version"], 3);
    h.run(&["flight", "update", "job"])
        .code(2)
        .stderr(contains("nothing to update"));
}

#[test]
fn two_sources_of_one_variable_are_refused_naming_both() {
    let h = with_secrets();
    h.run(&[
        "flight",
        "create",
        "job",
        "--config",
        "MY_API_SECRET_API_KEY=x",
        "--secret",
        "my_api_secret",
        "--",
        "true",
    ])
    .code(2)
    .stderr(contains("MY_API_SECRET_API_KEY"))
    .stderr(contains("config key 'MY_API_SECRET_API_KEY'"))
    .stderr(contains("secret 'my_api_secret' key 'API_KEY'"));
    // A config key and the project's generic secret.
    h.run(&["flight", "create", "job", "--config", "DATABASE_URL=x", "--", "true"])
        .code(2)
        .stderr(contains("project secret 'DATABASE_URL'"));
    // An attached secret whose variable is a generic secret's name.
    h.run_stdin(
        &[
            "secret",
            "create",
            "MY_API_SECRET_ENDPOINT",
            "--type",
            "generic",
            "--set",
            "value=-",
        ],
        "x",
    )
    .success();
    h.run(&["flight", "create", "job", "--secret", "my_api_secret", "--", "true"])
        .code(2)
        .stderr(contains("secret 'my_api_secret' key 'ENDPOINT'"));
    h.run(&["flight", "create", "job", "--secret", "nope", "--", "true"])
        .code(2)
        .stderr(contains("secret 'nope' does not exist"));
}

#[test]
fn a_dropped_secret_fails_the_run_before_it_starts_and_a_new_value_needs_no_redeploy() {
    let h = with_secrets();
    // The run's sandbox lets it write only its own directory: it says it started on stdout.
    let script = "echo started >&2; echo key=$MY_API_SECRET_API_KEY | base64; printf %s \"$MY_API_SECRET_API_KEY\" | sha256sum | cut -c1-16".to_string();
    h.run(&[
        "flight",
        "create",
        "job",
        "--secret",
        "my_api_secret",
        "--",
        "sh",
        "-c",
        &script,
    ])
    .success();
    h.run(&["secret", "drop", "my_api_secret"]).success();
    h.run(&["flight", "run", "job"])
        .code(1)
        .stderr(contains("failed"))
        .stderr(contains("'my_api_secret'"));
    assert!(
        !log_of(&h, "job", "1").contains("started"),
        "the command ran although its secret is gone"
    );
    let runs = run_json(&h, &["flight", "runs", "job"]);
    assert_eq!(runs[0]["status"], "failed");
    assert!(runs[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("my_api_secret"));
    h.run_stdin(
        &[
            "secret",
            "create",
            "my_api_secret",
            "--type",
            "flights",
            "--set",
            "params.API_KEY=-",
        ],
        "SECOND-VALUE-abcdef",
    )
    .success();
    let a = h.run(&["flight", "run", "job", "--wait"]).success();
    assert!(stderr(&a).contains("started"), "{}", stderr(&a));
    // The base64 of "key=VALUE\n" holds the value's base64 at an offset: masked. The run's
    // hash of the value shows it read the new value with no flight update.
    let out = stdout(&a);
    assert!(out.contains("****") && !out.contains("SECOND-VALUE"), "{out}");
    assert!(out.contains(&sha256_prefix("SECOND-VALUE-abcdef")), "{out}");
}

/// The first 16 hex digits of the SHA-256 of `value`, as `sha256sum | cut -c1-16` prints them.
fn sha256_prefix(value: &str) -> String {
    use std::io::Write as _;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(value.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)[..16].to_string()
}

#[test]
fn values_split_across_writes_and_their_base64_are_masked() {
    let h = with_secrets();
    let script = "v=$MY_API_SECRET_API_KEY; printf '%s' \"$(printf '%s' \"$v\" | cut -c1-7)\"; sleep 0.4; \
                  printf '%s\\n' \"$(printf '%s' \"$v\" | cut -c8-)\"; printf '%s' \"$v\" | base64 >&2; echo done";
    h.run(&[
        "flight",
        "create",
        "split",
        "--secret",
        "my_api_secret",
        "--",
        "sh",
        "-c",
        script,
    ])
    .success();
    let a = h.run(&["flight", "run", "split", "--wait"]).success();
    let all = format!("{}{}", stdout(&a), stderr(&a));
    assert!(!all.contains(API_KEY) && !all.contains("FLT-API"), "{all}");
    assert!(stdout(&a).starts_with("****\n"), "{all}");
    let log = log_of(&h, "split", "1");
    assert!(!log.contains("FLT-API"), "{log}");
    assert!(log.matches("****").count() >= 2, "{log}");
}

#[test]
fn a_timeout_kills_the_whole_process_group() {
    let h = Harness::new();
    // The run may write only its own directory: it prints the background pid instead.
    let script = "sleep 60 & echo bg=$!; wait";
    h.run(&["flight", "create", "slow", "--timeout", "1s", "--", "sh", "-c", script])
        .success();
    h.run(&["flight", "run", "slow"])
        .code(124)
        .stderr(contains("timed_out"));
    let log = log_of(&h, "slow", "1");
    let pid: i32 = log
        .lines()
        .find_map(|l| l.trim().strip_prefix("bg="))
        .expect("pid in the log")
        .trim()
        .parse()
        .expect("pid");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        // A zombie is dead too.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat.contains(") Z ") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the background sleep {pid} survived the timeout"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let runs = run_json(&h, &["flight", "runs", "slow"]);
    assert_eq!(runs[0]["status"], "timed_out");
}

#[test]
fn cancel_from_another_process_and_concurrency() {
    let h = Harness::new();
    h.run(&["flight", "create", "long", "--", "sleep", "30"]).success();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("coffer"));
    cmd.args(["flight", "run", "long"])
        .env("COFFER_HOME", h.home())
        .env("HOME", h.user_home())
        .env("USER", "coffer-test")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("start a run");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let runs = run_json(&h, &["flight", "runs", "long"]);
        if runs[0]["status"] == "running" {
            break;
        }
        assert!(Instant::now() < deadline, "the run did not start: {runs}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // One at a time unless --concurrency says otherwise.
    h.run(&["flight", "run", "long"])
        .code(1)
        .stderr(contains("already has 1 running run"));
    h.run(&["flight", "cancel", "long", "1"]).success();
    let out = child.wait_with_output().expect("the run ends");
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    let runs = run_json(&h, &["flight", "runs", "long"]);
    assert_eq!(runs[0]["status"], "cancelled");
    h.run(&["flight", "cancel", "long", "1"])
        .code(1)
        .stderr(contains("not running"));
    h.run(&["flight", "delete", "long"]).success();
    h.run(&["flight", "show", "long"]).code(1);
}

#[test]
fn config_that_looks_like_a_credential_warns_without_echoing_it() {
    let h = Harness::new();
    let a = h
        .run(&[
            "flight",
            "create",
            "job",
            "--config",
            "AWS_KEY=AKIAIOSFODNN7EXAMPLE",
            "--config",
            "REGION=us",
            "--",
            "true",
        ])
        .success();
    let err = stderr(&a);
    assert!(err.contains("warning") && err.contains("'AWS_KEY'"), "{err}");
    assert!(
        !err.contains("AKIAIOSFODNN7EXAMPLE") && !stdout(&a).contains("AKIAIOSFODNN7EXAMPLE"),
        "{err}"
    );
    assert!(!err.contains("'REGION'"), "{err}");
}

#[test]
fn bad_definitions_get_clear_errors() {
    let h = Harness::new();
    h.run(&["flight", "create", "x"]).code(2).stderr(contains("--kind"));
    h.run(&["flight", "create", "x", "--kind", "rust", "--", "true"])
        .code(2)
        .stderr(contains("command, python or sql"));
    h.run(&["flight", "create", "x", "--kind", "python"])
        .code(2)
        .stderr(contains("--file"));
    h.run(&["flight", "create", "x", "--config", "NOEQUALS", "--", "true"])
        .code(2)
        .stderr(contains("KEY=VALUE"));
    h.run(&["flight", "create", "x", "--config", "COFFER_TOKEN=1", "--", "true"])
        .code(2)
        .stderr(contains("COFFER_"));
    h.run(&["flight", "create", "x", "--schedule", "61 * * * *", "--", "true"])
        .code(2)
        .stderr(contains("schedule"));
    h.run(&[
        "flight",
        "create",
        "x",
        "--schedule",
        "0 * * * *",
        "--timezone",
        "Mars/Base",
        "--",
        "true",
    ])
    .code(2)
    .stderr(contains("time zone"));
    h.run(&["flight", "create", "x", "--timeout", "soon", "--", "true"])
        .code(2)
        .stderr(contains("--timeout"));
    h.run(&["flight", "create", "x", "--token", "nope", "--", "true"])
        .code(2)
        .stderr(contains("no token named 'nope'"));
    h.run(&["flight", "create", "bad/name", "--", "true"]).code(2);
    h.run(&["flight", "run", "missing"])
        .code(1)
        .stderr(contains("no flight named 'missing'"));
    h.run(&["flight", "create", "x", "--", "no-such-program-xyz"]).success();
    h.run(&["flight", "run", "x"])
        .code(1)
        .stderr(contains("cannot start 'no-such-program-xyz'"));
}

#[test]
fn through_a_server_runs_act_as_the_named_token_with_a_run_token() {
    let h = with_secrets();
    // The run calls the coffer binary, which (in tests) loads libduckdb.so from
    // LD_LIBRARY_PATH: allow that one variable through.
    let server = Server::start_with(&h, &[("COFFER_FLIGHT_ENV_ALLOW", "LD_LIBRARY_PATH")]);
    let admin = [
        ("COFFER_URL", server.url.as_str()),
        ("COFFER_TOKEN", server.admin_token.as_str()),
    ];
    h.run_env(&["service-account", "create", "flights-prod"], &admin)
        .success();
    h.run_env(&["grant", "use", "flights-prod"], &admin).success();
    h.run_env(
        &[
            "token",
            "create",
            "--name",
            "flights-prod-ingest",
            "--for",
            "flights-prod",
        ],
        &admin,
    )
    .success();
    let coffer = assert_cmd::cargo::cargo_bin("coffer");
    let coffer = coffer.to_string_lossy();
    let script = format!("{coffer} whoami; {coffer} secret list");
    h.run_env(
        &[
            "flight",
            "create",
            "whoami",
            "--token",
            "flights-prod-ingest",
            "--secret",
            "my_api_secret",
            "--",
            "sh",
            "-c",
            &script,
        ],
        &admin,
    )
    .success();
    let a = h.run_env(&["flight", "run", "whoami", "--wait"], &admin).success();
    let out = stdout(&a);
    assert!(
        out.contains("flights-prod"),
        "the run did not act as the token's identity:\n{out}\n{}",
        stderr(&a)
    );
    assert!(out.contains("my_api_secret"), "{out}");
    // The run's own token was revoked when the run ended.
    let tokens = stdout(&h.run_env(&["token", "list", "--format", "json"], &admin).success());
    let tokens: serde_json::Value = serde_json::from_str(&tokens).expect("json");
    let run_tokens: Vec<&serde_json::Value> = tokens
        .as_array()
        .expect("array")
        .iter()
        .filter(|t| t["token_name"].as_str().unwrap_or_default().starts_with("run."))
        .collect();
    assert_eq!(run_tokens.len(), 1, "{tokens}");
    assert_eq!(run_tokens[0]["status"], "revoked");
    assert_eq!(run_tokens[0]["owner"], "flights-prod");
    // Remote runs, runs and logs agree with local mode.
    let runs = stdout(
        &h.run_env(&["flight", "runs", "whoami", "--format", "json"], &admin)
            .success(),
    );
    assert!(runs.contains("\"succeeded\""), "{runs}");
    let log = stdout(&h.run_env(&["flight", "logs", "whoami", "1"], &admin).success());
    assert!(log.contains("flights-prod"), "{log}");
    assert!(!server.log_text().contains(API_KEY));
    // With no token named, runs act as the flight's owner (here the bootstrap admin).
    let whoami = format!("{coffer} whoami");
    h.run_env(&["flight", "create", "mine", "--", "sh", "-c", &whoami], &admin)
        .success();
    let a = h.run_env(&["flight", "run", "mine", "--wait"], &admin).success();
    assert!(stdout(&a).contains("admin"), "{}\n{}", stdout(&a), stderr(&a));
    server.stop();
}

#[test]
fn a_server_runs_schedules() {
    let h = Harness::new();
    let server = Server::start(&h);
    let admin = [
        ("COFFER_URL", server.url.as_str()),
        ("COFFER_TOKEN", server.admin_token.as_str()),
    ];
    h.run_env(
        &[
            "flight",
            "create",
            "tick",
            "--schedule",
            "*/1 * * * * *",
            "--",
            "sh",
            "-c",
            "echo tick",
        ],
        &admin,
    )
    .success();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let runs = stdout(
            &h.run_env(&["flight", "runs", "tick", "--format", "json"], &admin)
                .success(),
        );
        let runs: serde_json::Value = serde_json::from_str(&runs).expect("json");
        let done = runs
            .as_array()
            .expect("array")
            .iter()
            .filter(|r| r["trigger"] == "schedule" && r["status"] == "succeeded")
            .count();
        if done >= 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no scheduled runs: {runs}\n{}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    h.run_env(&["flight", "update", "tick", "--no-schedule"], &admin)
        .success();
    server.stop();
}

/// A Python flight and a SQL flight read an S3 object through DuckDB with no credential code:
/// the project's s3 secret reaches their DuckDB (s3s-fs checks the signature).
#[test]
fn python_and_sql_flights_read_s3_through_duckdb_with_no_credential_code() {
    const S3_SECRET: &str = "flight-e2e-s3-secret-6c1d0e";
    let ext = common::s3::env_path("COFFER_TEST_EXTENSION_DIR", "a directory with httpfs installed");
    let python = common::s3::env_path("COFFER_TEST_PYTHON", "a python3 with duckdb 1.5.5");
    let ext = ext.to_string_lossy().into_owned();
    let python = python.to_string_lossy().into_owned();
    let env = [
        ("COFFER_EXTENSION_DIR", ext.as_str()),
        ("COFFER_PYTHON", python.as_str()),
    ];
    let h = Harness::new();
    let root = h.root().join("s3");
    std::fs::create_dir_all(root.join("lake")).expect("bucket");
    let s3 = common::s3::S3Server::start(&root, "AKIAFLIGHTE2E0000001", S3_SECRET);
    let parquet = root.join("lake/events.parquet");
    h.run_env(
        &[
            "sql",
            "-c",
            &format!(
                "COPY (SELECT range AS id FROM range(17)) TO '{}' (FORMAT parquet)",
                parquet.display()
            ),
        ],
        &env,
    )
    .success();
    let endpoint = format!("endpoint=127.0.0.1:{}", s3.port);
    let create_lake = |secret: &str| {
        h.run_stdin(
            &[
                "secret",
                "create",
                "lake_s3",
                "--type",
                "s3",
                "--set",
                "key_id=AKIAFLIGHTE2E0000001",
                "--set",
                "secret=-",
                "--set",
                "region=us-east-1",
                "--set",
                &endpoint,
                "--set",
                "url_style=path",
                "--set",
                "use_ssl=false",
                "--scope",
                "s3://lake",
                "--or-replace",
            ],
            secret,
        )
        .success();
    };
    create_lake(S3_SECRET);
    let script = h.input_file(
        "job.py",
        "import duckdb, os\n\
         con = duckdb.connect()\n\
         n = con.sql(\"select count(*) from read_parquet('s3://lake/events.parquet')\").fetchone()[0]\n\
         print('rows', n, os.environ['REGION'])\n",
    );
    h.run_env(
        &[
            "flight",
            "create",
            "py",
            "--kind",
            "python",
            "--file",
            &script.to_string_lossy(),
            "--config",
            "REGION=eu",
        ],
        &env,
    )
    .success();
    let a = h.run_env(&["flight", "run", "py", "--wait"], &env).success();
    assert_eq!(stdout(&a), "rows 17 eu\n", "{}", stderr(&a));
    let sql = h.input_file(
        "job.sql",
        "SELECT count(*) AS n FROM read_parquet('s3://lake/events.parquet');\n",
    );
    h.run_env(
        &[
            "flight",
            "create",
            "q",
            "--kind",
            "sql",
            "--file",
            &sql.to_string_lossy(),
        ],
        &env,
    )
    .success();
    let a = h.run_env(&["flight", "run", "q", "--wait"], &env).success();
    assert!(stdout(&a).contains("17"), "{}\n{}", stdout(&a), stderr(&a));
    // A wrong key is refused by the server: the flight really signs with the stored secret.
    create_lake("not-the-right-secret-at-all");
    let a = h.run_env(&["flight", "run", "q", "--wait"], &env).code(1);
    assert!(
        stderr(&a).contains("403") || stderr(&a).to_ascii_lowercase().contains("forbidden"),
        "{}",
        stderr(&a)
    );
    for out in h.seen().iter() {
        let all = format!("{}{}", out.stdout_text(), out.stderr_text());
        assert!(!all.contains(S3_SECRET), "a value leaked: {all}");
    }
    for log in [log_of(&h, "py", "1"), log_of(&h, "q", "1"), log_of(&h, "q", "2")] {
        assert!(
            !log.contains(S3_SECRET) && !log.contains("not-the-right-secret"),
            "{log}"
        );
    }
}

#[test]
fn sql_creates_runs_and_lists_flights() {
    let h = with_secrets();
    let script = "CALL MD_CREATE_FLIGHT(name := 'ingest', kind := 'command', command := ['sh', '-c', 'echo region=$REGION'], \
                  config := MAP {'REGION': 'us-east-1', 'BATCH_SIZE': '1000'}, flight_secret_names := ['my_api_secret']);\n\
                  CALL MD_UPDATE_FLIGHT(flight_id := 'ingest', config := MAP {'REGION': 'eu-central-1', 'BATCH_SIZE': '5000'});\n\
                  CALL MD_RUN_FLIGHT(flight_id := 'ingest', config := MAP {'REGION': 'ap-south-1'});\n\
                  SELECT run_number, status, config FROM MD_LIST_FLIGHT_RUNS(flight_id := 'ingest') ORDER BY run_number DESC;\n";
    let file = h.input_file("flights.sql", script);
    let a = h
        .run(&["sql", "--format", "csv", "-f", &file.to_string_lossy()])
        .success();
    let out = stdout(&a);
    assert!(
        out.contains("1,RUN_STATUS_SUCCEEDED,\"{REGION=ap-south-1, BATCH_SIZE=5000}\""),
        "{out}\n{}",
        stderr(&a)
    );
    assert_eq!(log_of(&h, "ingest", "1").lines().next(), Some("region=ap-south-1"));
    let f = run_json(&h, &["flight", "show", "ingest"]);
    assert_eq!(f["version"], 2);
    assert_eq!(f["config"]["REGION"], "eu-central-1");
    h.run(&[
        "sql",
        "-c",
        "CALL MD_RUN_FLIGHT(flight_id := 'ingest', config := MAP {'NOPE': 'x'})",
    ])
    .code(2)
    .stderr(contains("REGION, BATCH_SIZE"));
}

#[test]
fn logs_follow_a_run_from_another_process_until_it_ends() {
    let h = Harness::new();
    h.run(&[
        "flight",
        "create",
        "slowprint",
        "--",
        "sh",
        "-c",
        "echo first; sleep 1; echo second; exit 4",
    ])
    .success();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("coffer"));
    cmd.args(["flight", "run", "slowprint"])
        .env("COFFER_HOME", h.home())
        .env("HOME", h.user_home())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("start a run");
    let deadline = Instant::now() + Duration::from_secs(20);
    while run_json(&h, &["flight", "runs", "slowprint"])
        .as_array()
        .map_or(0, Vec::len)
        == 0
    {
        assert!(Instant::now() < deadline, "the run did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let a = h.run(&["flight", "logs", "slowprint", "1", "--follow"]).code(4);
    assert_eq!(stdout(&a), "first\nsecond\n");
    assert!(stderr(&a).contains("run 1 failed, exit code 4"), "{}", stderr(&a));
    assert_eq!(child.wait().expect("the run ends").code(), Some(4));
}

#[test]
fn kestra_templates_resolve_at_run_start_in_memory_and_are_masked() {
    let h = with_secrets();
    h.run(&[
        "flight",
        "create",
        "tpl",
        "--config",
        "PG_URL={{ secret('DATABASE_URL') }}",
        "--config",
        "PLAIN=x",
        "--",
        "sh",
        "-c",
        "k={{secret(\"my_api_secret\", 'API_KEY')}}; echo url=$PG_URL; echo key=$k; printf 'key=%s\\n' \"$k\" | base64; printf %s \"$k\" | sha256sum | cut -c1-16",
    ])
    .success();
    // In a shell line the template became a variable reference; as a plain argument (where
    // /proc/PID/cmdline would show the value) it is refused.
    h.run(&[
        "flight",
        "create",
        "tplargv",
        "--",
        "sh",
        "-c",
        "echo $1",
        "sh",
        "{{secret(\"my_api_secret\", 'API_KEY')}}",
    ])
    .code(2)
    .stderr(contains("cmdline"));
    let a = h.run(&["flight", "run", "tpl", "--wait"]).success();
    let out = stdout(&a);
    assert!(out.contains("url=****\n") && out.contains("key=****\n"), "{out}");
    // The base64 of "key=VALUE\n" holds the value's base64 at an offset: masked too; the
    // value's hash shows the template resolved to it.
    let b64 = out.lines().nth(2).unwrap_or_default();
    assert!(b64.contains("****"), "{out}");
    assert!(out.contains(&sha256_prefix(API_KEY)), "{out}");
    // The definition keeps the templates; the run records them, not the values.
    let f = run_json(&h, &["flight", "show", "tpl"]);
    assert_eq!(f["config"]["PG_URL"], "{{ secret('DATABASE_URL') }}");
    let runs = run_json(&h, &["flight", "runs", "tpl"]);
    assert_eq!(runs[0]["config"]["PG_URL"], "{{ secret('DATABASE_URL') }}");

    // A SQL script with a template goes to its process on stdin, resolved.
    let sql = h.input_file("t.sql", "SELECT length('{{ secret(\"DATABASE_URL\") }}') AS n;\n");
    h.run(&[
        "flight",
        "create",
        "tplsql",
        "--kind",
        "sql",
        "--file",
        &sql.to_string_lossy(),
    ])
    .success();
    let a = h.run(&["flight", "run", "tplsql", "--wait"]).success();
    assert!(
        stdout(&a).contains(&DB_URL.len().to_string()),
        "{}\n{}",
        stdout(&a),
        stderr(&a)
    );

    // Unknown names fail the run before it starts, naming the template's place.
    h.run(&[
        "flight",
        "create",
        "tplbad",
        "--config",
        "A=pre {{ secret('NOPE') }}",
        "--",
        "true",
    ])
    .success();
    h.run(&["flight", "run", "tplbad"])
        .code(1)
        .stderr(contains("config value of 'A' at line 1, column 5"))
        .stderr(contains("secret 'NOPE' does not exist"));
    // A flights secret with several params needs a key.
    h.run_stdin(
        &[
            "secret",
            "create",
            "two",
            "--type",
            "flights",
            "--set",
            "params.A=-",
            "--set",
            "params.B=b",
        ],
        "a-value",
    )
    .success();
    h.run(&[
        "flight",
        "create",
        "tpltwo",
        "--",
        "sh",
        "-c",
        "echo {{ secret('two') }}",
    ])
    .success();
    h.run(&["flight", "run", "tpltwo"])
        .code(1)
        .stderr(contains("has several values (A, B)"));
    // Malformed calls are refused when the flight is defined; other {{ }} are left alone.
    h.run(&["flight", "create", "tplsyntax", "--", "echo", "{{ secret('X' }}"])
        .code(2)
        .stderr(contains("line 1, column 1"));
    h.run(&["flight", "create", "tplother", "--", "echo", "{{ outputs.fetch.uri }}"])
        .success();
    let a = h.run(&["flight", "run", "tplother", "--wait"]).success();
    assert_eq!(stdout(&a), "{{ outputs.fetch.uri }}\n");
    let log = log_of(&h, "tpl", "1");
    assert!(!log.contains(API_KEY) && !log.contains("FLT-DB-PASSWORD"), "{log}");
}

/// Seed 004's four steps with coffer in Kestra's place: a `.env`, its `SECRET_`/base64 form
/// made by the seed's own script, the variables in coffer's environment, and the
/// postgres_to_s3 flow whose tasks receive the resolved values.
#[test]
fn the_kestra_seed_flow_runs_as_steps_with_resolved_secrets() {
    let h = Harness::new();
    let dotenv = h.input_file(
        ".env",
        "POSTGRES_PASSWORD=actual_postgres_password\nOPENAI_KEY=actual_openai_key\nAWS_ACCESS_KEY=actual_aws_access_key\nAWS_SECRET_KEY=actual_aws_secret_key\n",
    );
    let encoded = std::process::Command::new("bash")
        .arg("-c")
        .arg("while IFS='=' read -r key value; do\n    echo \"SECRET_$key=$(echo -n \"$value\" | base64)\";\ndone < \"$1\"")
        .arg("bash")
        .arg(&dotenv)
        .output()
        .expect("the seed's script");
    let encoded = String::from_utf8(encoded.stdout).expect("text");
    let vars: Vec<(String, String)> = encoded
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(vars.len(), 4, "{encoded}");
    let mut env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // The server's SECRET_* variables are offered in the projects it names (default: only
    // `default`): the flow's namespace is one of them here.
    env.push(("COFFER_ENV_PROJECT", "default,company.team"));
    h.run_env(&["project", "create", "company.team"], &env).success();
    let flow = h.input_file(
        "flow.yaml",
        r#"id: postgres_to_s3
namespace: company.team

tasks:
  - id: fetch
    type: command
    command: [sh, -c, 'printf "%s|%s|%s\\n" "$USERNAME" "$PASSWORD" "$SQL" | rev']
    url: jdbc:postgresql://127.0.0.1:56982/
    username: pg_user
    password: "{{ secret('POSTGRES_PASSWORD') }}"
    sql: select id, first_name, last_name, city from users
    fetchType: STORE

  - id: write_to_s3
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - printf "%s|%s|%s|%s\\n" "$ACCESS_KEY_ID" "$SECRET_KEY_ID" "$FROM" "$BUCKET" | rev
      - echo plain=$SECRET_KEY_ID
    accessKeyId: "{{ secret('AWS_ACCESS_KEY') }}"
    secretKeyId: "{{ secret('AWS_SECRET_KEY') }}"
    region: "eu-central-1"
    from: "{{ outputs.fetch.uri }}"
    bucket: "kestra-bucket"
    key: "data/users.csv"
"#,
    );
    h.run_env(&["flight", "create", "--from", &flow.to_string_lossy()], &env)
        .success()
        .stdout(contains("created flight 'postgres_to_s3'"));
    let a = h
        .run_env(
            &["--project", "company.team", "flight", "run", "postgres_to_s3", "--wait"],
            &env,
        )
        .success();
    let out = stdout(&a);
    // Reversed, the values show through the masking: proof they were resolved.
    let decode = |line: &str| line.chars().rev().collect::<String>();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        decode(lines[0]),
        "pg_user|actual_postgres_password|select id, first_name, last_name, city from users",
        "{out}"
    );
    assert_eq!(
        decode(lines[1]),
        "actual_aws_access_key|actual_aws_secret_key|{{ outputs.fetch.uri }}|kestra-bucket",
        "{out}"
    );
    assert_eq!(lines[2], "plain=****", "{out}");
    assert!(
        stderr(&a).contains("step 'write_to_s3' (command) starting"),
        "{}",
        stderr(&a)
    );
    // The stored flow keeps its templates.
    let show = stdout(
        &h.run_env(&["--project", "company.team", "flight", "show", "postgres_to_s3"], &env)
            .success(),
    );
    assert!(show.contains("PASSWORD={{ secret('POSTGRES_PASSWORD') }}"), "{show}");
    assert!(!show.contains("actual_"), "{show}");
    // A failed step stops the run: the next step does not start (steps may write only the
    // run's own directory, so the second one says it ran in the log).
    let failing = h.input_file(
        "failing.yaml",
        "id: two_steps\ntasks:\n  - id: first\n    type: command\n    command: [sh, -c, 'exit 7']\n  - id: second\n    type: command\n    command: [echo, second-step-ran]\n",
    );
    h.run_env(&["flight", "create", "--from", &failing.to_string_lossy()], &env)
        .success();
    h.run_env(&["flight", "run", "two_steps"], &env)
        .code(7)
        .stderr(contains("step 'first': exited with code 7"));
    let ran = |n: &str| {
        let a = h.run_env(&["flight", "logs", "two_steps", n], &env).success();
        stdout(&a).contains("second-step-ran")
    };
    assert!(!ran("1"), "the second step ran after the first failed");
    // Redeploying from a fixed file replaces the definition; the version goes up.
    let fixed = h.input_file(
        "fixed.yaml",
        "id: two_steps\ntasks:\n  - id: first\n    type: command\n    command: [\"true\"]\n  - id: second\n    type: command\n    command: [echo, second-step-ran]\n",
    );
    h.run_env(
        &["flight", "update", "two_steps", "--from", &fixed.to_string_lossy()],
        &env,
    )
    .success()
    .stdout(contains("version 2"));
    h.run_env(&["flight", "run", "two_steps"], &env).success();
    assert!(ran("2"), "the redeployed flow did not run its second step");
    h.run_env(
        &["flight", "update", "two_steps", "--from", &flow.to_string_lossy()],
        &env,
    )
    .code(2)
    .stderr(contains("namespace is 'company.team'"));
    // Kestra plugins coffer cannot run are named.
    let plugin = h.input_file(
        "plugin.yaml",
        "id: up\ntasks:\n  - id: write_to_s3\n    type: io.kestra.plugin.aws.s3.Upload\n    bucket: b\n",
    );
    h.run_env(&["flight", "create", "--from", &plugin.to_string_lossy()], &env)
        .code(2)
        .stderr(contains("task 1 ('write_to_s3')"));
}

#[test]
fn versions_are_listed_and_shown_locally_and_through_a_server() {
    let h = Harness::new();
    h.run(&["flight", "create", "job", "--config", "REGION=us", "--", "echo", "one"])
        .success();
    h.run(&["flight", "update", "job", "--config", "REGION=eu"])
        .success()
        .stdout(contains("version 2"));
    // The same definition again: no version.
    h.run(&["flight", "update", "job", "--config", "REGION=eu"])
        .success()
        .stdout(contains("unchanged").and(contains("version 2")));
    let a = h.run(&["flight", "versions", "job"]).success();
    let table = stdout(&a);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    for col in ["version", "created at", "by", "changes"] {
        assert!(lines[0].contains(col), "{table}");
    }
    assert!(
        lines[1].trim_start().starts_with('2') && lines[1].contains("config"),
        "{table}"
    );
    assert!(
        lines[2].trim_start().starts_with('1') && lines[2].contains("created"),
        "{table}"
    );
    let v = run_json(&h, &["flight", "versions", "job"]);
    assert_eq!(v.as_array().map(Vec::len), Some(2), "{v}");
    assert_eq!(v[0]["changes"], serde_json::json!(["config"]));
    assert_eq!(v[1]["changes"], serde_json::json!(["created"]));
    let old = run_json(&h, &["flight", "show", "job", "--version", "1"]);
    assert_eq!(
        (old["version"].clone(), old["config"]["REGION"].clone()),
        (1.into(), "us".into())
    );
    h.run(&["flight", "show", "job", "--version", "1"])
        .success()
        .stdout(contains("version     1").and(contains("REGION=us")));
    h.run(&["flight", "show", "job", "--version", "5"])
        .code(1)
        .stderr(contains("no version 5").and(contains("latest version is 2")));
    h.run(&["flight", "show", "job", "--version", "0"]).code(2);
    h.run(&["flight", "versions", "ghost"])
        .code(1)
        .stderr(contains("no flight named 'ghost'"));

    // The same through a server.
    let server = Server::start(&h);
    let admin = [
        ("COFFER_URL", server.url.as_str()),
        ("COFFER_TOKEN", server.admin_token.as_str()),
    ];
    h.run_env(&["flight", "update", "job", "--", "echo", "two"], &admin)
        .success()
        .stdout(contains("version 3"));
    let a = h
        .run_env(&["flight", "versions", "job", "--format", "json"], &admin)
        .success();
    let v: serde_json::Value = serde_json::from_str(&stdout(&a)).expect("JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(3), "{v}");
    assert_eq!(v[0]["changes"], serde_json::json!(["command"]));
    let a = h
        .run_env(&["flight", "show", "job", "--version", "2", "--format", "json"], &admin)
        .success();
    let f: serde_json::Value = serde_json::from_str(&stdout(&a)).expect("JSON");
    assert_eq!(
        (f["version"].clone(), f["command"].clone()),
        (2.into(), serde_json::json!(["echo", "one"]))
    );
    h.run_env(&["flight", "show", "job", "--version", "9"], &admin)
        .code(1)
        .stderr(contains("no version 9").and(contains("latest version is 3")));
    h.run_env(&["flight", "versions", "job"], &admin)
        .success()
        .stdout(contains("command"));
    server.stop();
}
