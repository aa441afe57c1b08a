//! MotherDuck's flight functions through coffer's SQL front, on a real SQLite store. Runs go
//! through a test launcher that calls the real `Service::start_run` and ends the run at once
//! without executing anything (the real runner is tested with the binary).

use coffer_core::{Caller, CoreError, Role, RunInfo, RunRequest, Service, Started};
use coffer_crypto::LocalKeyFile;
use coffer_model::flight::FlightKind;
use coffer_sql::{FlightLauncher, Session, SqlError, Table, Value};
use coffer_store::RunEnd;
use coffer_store_sqlite::SqliteStore;
use indexmap::IndexMap;
use std::sync::Mutex;

const PROJECT: &str = "p";

struct Env {
    _dir: tempfile::TempDir,
    service: Service,
}

fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let (keys, _) = LocalKeyFile::open_or_create(&dir.path().join("master.key")).expect("key");
    let service = Service::new(
        Box::new(SqliteStore::open(&dir.path().join("coffer.db")).expect("db")),
        Box::new(keys),
    );
    service.create_project(&caller(), PROJECT).expect("project");
    Env { _dir: dir, service }
}

fn caller() -> Caller {
    Caller {
        name: "test:alice".into(),
        ..Caller::local()
    }
}

/// How the test launcher ends a run.
#[derive(Clone, Copy)]
enum Ending {
    /// Exits with this code.
    Exit(i32),
    /// Still running (never finished here).
    Running,
}

/// One launcher call: caller, project, flight, overrides.
type Call = (String, String, String, IndexMap<String, String>);

/// Records every call, starts the run with the real service and ends it as told.
struct TestLauncher<'a> {
    service: &'a Service,
    calls: Mutex<Vec<Call>>,
    ending: Mutex<Ending>,
}

impl<'a> TestLauncher<'a> {
    fn new(service: &'a Service) -> Self {
        TestLauncher {
            service,
            calls: Mutex::new(Vec::new()),
            ending: Mutex::new(Ending::Exit(0)),
        }
    }

    fn end_with(&self, e: Ending) {
        *self.ending.lock().expect("lock") = e;
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("lock").clone()
    }
}

impl FlightLauncher for TestLauncher<'_> {
    fn run(
        &self,
        caller: &Caller,
        project: &str,
        flight: &str,
        overrides: IndexMap<String, String>,
    ) -> Result<RunInfo, CoreError> {
        self.calls.lock().expect("lock").push((
            caller.name.clone(),
            project.to_string(),
            flight.to_string(),
            overrides.clone(),
        ));
        let req = RunRequest {
            overrides,
            runner: "test:1".into(),
            ..Default::default()
        };
        match self.service.start_run(caller, project, flight, req)? {
            Started::Failed(run) => Ok(*run),
            Started::Launch(launch) => match *self.ending.lock().expect("lock") {
                Ending::Running => Ok(launch.run.clone()),
                Ending::Exit(code) => {
                    let end = RunEnd {
                        status: if code == 0 { "succeeded" } else { "failed" }.into(),
                        exit_code: Some(code),
                        finished_at: launch.run.started_at + 5,
                        message: None,
                    };
                    self.service.finish_run(&launch, &end)
                }
            },
        }
    }
}

fn session<'a>(svc: &'a Service, launcher: Option<&'a TestLauncher<'a>>) -> Session<'a> {
    let s = Session::new(svc, PROJECT, caller());
    match launcher {
        Some(l) => s.with_flights(l),
        None => s,
    }
}

/// Runs one statement.
fn sql(s: &mut Session<'_>, text: &str) -> Result<Table, SqlError> {
    let mut out = s.run_script(text)?;
    assert_eq!(out.len(), 1, "one statement: {text}");
    out.remove(0).result
}

fn ok(s: &mut Session<'_>, text: &str) -> Table {
    sql(s, text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn err(s: &mut Session<'_>, text: &str) -> String {
    match sql(s, text) {
        Ok(t) => panic!("{text}: expected an error, got {t:?}"),
        Err(e) => e.to_string(),
    }
}

/// The value of `column` in `row` of `t`.
fn cell<'t>(t: &'t Table, row: usize, column: &str) -> &'t Value {
    let i = t
        .columns
        .iter()
        .position(|(n, _)| n == column)
        .unwrap_or_else(|| panic!("no column {column} in {:?}", t.columns));
    &t.rows[row][i]
}

fn text<'t>(t: &'t Table, row: usize, column: &str) -> &'t str {
    match cell(t, row, column) {
        Value::Text(s) => s,
        other => panic!("{column} is {other:?}"),
    }
}

fn int(t: &Table, row: usize, column: &str) -> i64 {
    match cell(t, row, column) {
        Value::Int(i) => *i,
        other => panic!("{column} is {other:?}"),
    }
}

fn list(t: &Table, row: usize, column: &str) -> Vec<String> {
    match cell(t, row, column) {
        Value::List(items) => items
            .iter()
            .map(|v| match v {
                Value::Text(s) => s.clone(),
                other => panic!("{column} holds {other:?}"),
            })
            .collect(),
        other => panic!("{column} is {other:?}"),
    }
}

fn map(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A flight secret and a token to name in flights.
fn refs(svc: &Service, s: &mut Session<'_>) {
    ok(
        s,
        "CREATE SECRET my_api_secret IN MOTHERDUCK (TYPE FLIGHTS, PARAMS MAP {'API_KEY': 'k-1', 'ENDPOINT': 'https://api.example.com'})",
    );
    ok(
        s,
        "CREATE PERSISTENT SECRET warehouse_secret (TYPE flights, PARAMS MAP {'DSN': 'x'})",
    );
    svc.create_user(&caller(), "flights-prod", false).expect("user");
    svc.grant(&caller(), PROJECT, Role::Use, "flights-prod").expect("grant");
    svc.create_token(&caller(), Some("flights-prod"), "flights-prod-ingest", None)
        .expect("token");
}

const CREATE_INGEST: &str = "CALL MD_CREATE_FLIGHT(
    name := 'ingest',
    kind := 'python',
    script := 'import os\nprint(os.environ[''REGION''])',
    config := MAP {'REGION': 'us-east-1', 'BATCH_SIZE': '1000'},
    flight_secret_names := ['my_api_secret'],
    access_token_name := 'flights-prod-ingest',
    schedule := '0 * * * *',
    timezone := 'UTC',
    timeout := 600,
    concurrency := 1
)";

#[test]
fn create_returns_the_flight_and_stores_it() {
    let e = env();
    let mut s = session(&e.service, None);
    refs(&e.service, &mut s);
    let t = ok(&mut s, CREATE_INGEST);
    assert_eq!(t.rows.len(), 1);
    let names: Vec<&str> = t.columns.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "flight_id",
            "flight_name",
            "kind",
            "current_version",
            "config",
            "flight_secret_names",
            "access_token_name",
            "schedule_cron",
            "timezone",
            "next_run_at",
            "timeout",
            "concurrency",
            "command",
            "owner",
            "created_at",
            "updated_at",
            "warnings"
        ]
    );
    let id = text(&t, 0, "flight_id").to_string();
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(text(&t, 0, "flight_name"), "ingest");
    assert_eq!(text(&t, 0, "kind"), "python");
    assert_eq!(int(&t, 0, "current_version"), 1);
    assert_eq!(text(&t, 0, "config"), "{REGION=us-east-1, BATCH_SIZE=1000}");
    assert_eq!(list(&t, 0, "flight_secret_names"), ["my_api_secret"]);
    assert_eq!(text(&t, 0, "access_token_name"), "flights-prod-ingest");
    assert_eq!(text(&t, 0, "schedule_cron"), "0 * * * *");
    assert_eq!(int(&t, 0, "timeout"), 600);
    assert!(matches!(cell(&t, 0, "next_run_at"), Value::Text(_)));
    assert!(list(&t, 0, "warnings").is_empty());

    // As the service reads it back, by name and by id.
    let f = e.service.get_flight(&caller(), PROJECT, "ingest").expect("flight");
    assert_eq!(f.flight_id, id);
    assert_eq!(f.kind, FlightKind::Python.name());
    assert_eq!(f.script.as_deref(), Some("import os\nprint(os.environ['REGION'])"));
    assert_eq!(f.config, map(&[("REGION", "us-east-1"), ("BATCH_SIZE", "1000")]));
    assert_eq!(f.secrets, ["my_api_secret"]);
    assert_eq!(f.token_name.as_deref(), Some("flights-prod-ingest"));
    assert_eq!(f.schedule.as_deref(), Some("0 * * * *"));
    assert_eq!(f.timezone.as_deref(), Some("UTC"));
    assert_eq!((f.timeout_secs, f.concurrency), (Some(600), 1));
    assert_eq!(f.owner, "test:alice");
    assert_eq!(
        e.service.get_flight(&caller(), PROJECT, &id).expect("by id").name,
        "ingest"
    );

    // A command flight; the kind follows from `command`. MotherDuck's spellings and `$$`.
    let t = ok(
        &mut s,
        "call md_create_flight(name := 'hello', command := ['echo', 'hi'])",
    );
    assert_eq!(text(&t, 0, "kind"), "command");
    assert_eq!(list(&t, 0, "command"), ["echo", "hi"]);
    let t = ok(
        &mut s,
        "SELECT flight_name, current_version, kind FROM MD_CREATE_FLIGHT(name := 'md', source_code := $$print('hi')$$, schedule_cron := '*/5 * * * *')",
    );
    assert_eq!(
        t.rows,
        [vec![
            Value::Text("md".into()),
            Value::Int(1),
            Value::Text("python".into())
        ]]
    );
    let md = e.service.get_flight(&caller(), PROJECT, "md").expect("md");
    assert_eq!(md.script.as_deref(), Some("print('hi')"));
    assert_eq!(md.schedule.as_deref(), Some("*/5 * * * *"));

    // The core's own checks come through: a taken name, an unknown secret.
    assert!(err(&mut s, CREATE_INGEST).contains("already exists"));
    let m = err(
        &mut s,
        "CALL MD_CREATE_FLIGHT(name := 'x', script := 'print(1)', flight_secret_names := ['nope'])",
    );
    assert!(m.contains("'nope'"), "{m}");

    // Listing and reading back through SQL.
    let t = ok(
        &mut s,
        "SELECT flight_name, kind FROM MD_LIST_FLIGHTS() ORDER BY flight_name",
    );
    let names: Vec<&str> = (0..t.rows.len()).map(|i| text(&t, i, "flight_name")).collect();
    assert_eq!(names, ["hello", "ingest", "md"]);
    let t = ok(&mut s, "FROM md_flights(\"LIMIT\" := 1, \"OFFSET\" := 1)");
    assert_eq!(text(&t, 0, "flight_name"), "ingest");
    assert!(!t.columns.iter().any(|(n, _)| n == "warnings"));
    let t = ok(&mut s, &format!("FROM MD_GET_FLIGHT(flight_id := '{id}')"));
    assert_eq!(text(&t, 0, "flight_name"), "ingest");
}

#[test]
fn update_replaces_config_and_bumps_the_version() {
    let e = env();
    let mut s = session(&e.service, None);
    refs(&e.service, &mut s);
    let t = ok(&mut s, CREATE_INGEST);
    let id = text(&t, 0, "flight_id").to_string();

    let t = ok(
        &mut s,
        &format!("CALL MD_UPDATE_FLIGHT(flight_id := '{id}', config := MAP {{'REGION': 'eu-central-1'}})"),
    );
    assert_eq!(int(&t, 0, "current_version"), 2);
    assert_eq!(text(&t, 0, "config"), "{REGION=eu-central-1}");
    let f = e.service.get_flight(&caller(), PROJECT, "ingest").expect("flight");
    assert_eq!(f.version, 2);
    assert_eq!(f.config, map(&[("REGION", "eu-central-1")]), "replaced, not merged");
    // Everything not given is kept.
    assert_eq!(f.secrets, ["my_api_secret"]);
    assert_eq!(f.token_name.as_deref(), Some("flights-prod-ingest"));
    assert_eq!(f.schedule.as_deref(), Some("0 * * * *"));
    assert_eq!(f.timeout_secs, Some(600));

    // By name; the secret list replaces; '' clears the schedule (as MotherDuck's
    // schedule_cron := ''), NULL clears the time zone that only applies to a schedule.
    let t = ok(
        &mut s,
        "CALL MD_UPDATE_FLIGHT(flight_id := 'ingest', flight_secret_names := ['warehouse_secret'], schedule_cron := '', timezone := NULL, source_code := 'print(2)', timeout := 60)",
    );
    assert_eq!(int(&t, 0, "current_version"), 3);
    let f = e.service.get_flight(&caller(), PROJECT, &id).expect("flight");
    assert_eq!(f.secrets, ["warehouse_secret"]);
    assert_eq!((f.schedule, f.timezone), (None, None));
    assert_eq!(f.script.as_deref(), Some("print(2)"));
    assert_eq!(f.timeout_secs, Some(60));
    assert_eq!(f.config, map(&[("REGION", "eu-central-1")]));

    // Clearing the token and the secrets; an empty MAP empties the config.
    ok(
        &mut s,
        "CALL MD_UPDATE_FLIGHT(flight_id := 'ingest', access_token_name := NULL, flight_secret_names := [], config := MAP {})",
    );
    let f = e.service.get_flight(&caller(), PROJECT, "ingest").expect("flight");
    assert_eq!(
        (f.version, f.token_name, f.secrets.len(), f.config.len()),
        (4, None, 0, 0)
    );

    let m = err(&mut s, "CALL MD_UPDATE_FLIGHT(flight_id := 'ingest')");
    assert!(m.contains("changes nothing") && m.contains("config"), "{m}");
    let m = err(&mut s, "CALL MD_UPDATE_FLIGHT(config := MAP {'A': 'b'})");
    assert!(m.contains("needs flight_id"), "{m}");
    let m = err(&mut s, "CALL MD_UPDATE_FLIGHT(flight_id := 'nope', timeout := 5)");
    assert!(m.contains("no flight named 'nope'"), "{m}");
    let m = err(&mut s, "CALL MD_UPDATE_FLIGHT(flight_id := 'ingest', name := 'other')");
    assert!(m.contains("'name'") && m.contains("renamed"), "{m}");
    let m = err(&mut s, "CALL MD_UPDATE_FLIGHT(flight_id := 'ingest', concurrency := 0)");
    assert!(m.contains("'concurrency'"), "{m}");
}

#[test]
fn requirements_txt_is_stored_changed_and_cleared() {
    let e = env();
    let mut s = session(&e.service, None);
    ok(
        &mut s,
        "CALL MD_CREATE_FLIGHT(name := 'py', source_code := 'import six', requirements_txt := $$six==1.16.0
# pinned
$$)",
    );
    let f = e.service.get_flight(&caller(), PROJECT, "py").expect("flight");
    assert_eq!(f.requirements.as_deref(), Some("six==1.16.0\n# pinned\n"));
    assert!(!f.source_builds);
    let t = ok(
        &mut s,
        "CALL MD_UPDATE_FLIGHT(flight_id := 'py', requirements_txt := 'six==1.15.0', source_builds := TRUE)",
    );
    assert_eq!(int(&t, 0, "current_version"), 2);
    let f = e.service.get_flight(&caller(), PROJECT, "py").expect("flight");
    assert_eq!(
        (f.requirements.as_deref(), f.source_builds),
        (Some("six==1.15.0"), true)
    );
    // '' (or NULL) removes them, and source_builds with them.
    ok(
        &mut s,
        "CALL MD_UPDATE_FLIGHT(flight_id := 'py', requirements_txt := '')",
    );
    let f = e.service.get_flight(&caller(), PROJECT, "py").expect("flight");
    assert_eq!((f.version, f.requirements, f.source_builds), (3, None, false));
    let m = err(&mut s, "CALL MD_UPDATE_FLIGHT(flight_id := 'py')");
    assert!(m.contains("requirements_txt") && m.contains("source_builds"), "{m}");
}

#[test]
fn run_goes_through_the_launcher_with_the_overrides() {
    let e = env();
    let launcher = TestLauncher::new(&e.service);
    let mut s = session(&e.service, Some(&launcher));
    refs(&e.service, &mut s);
    let id = text(&ok(&mut s, CREATE_INGEST), 0, "flight_id").to_string();

    let t = ok(
        &mut s,
        &format!("CALL MD_RUN_FLIGHT(flight_id := '{id}', config := MAP {{'REGION': 'ap-south-1'}})"),
    );
    assert_eq!(
        launcher.calls(),
        [(
            "test:alice".to_string(),
            PROJECT.to_string(),
            id.clone(),
            map(&[("REGION", "ap-south-1")])
        )]
    );
    assert_eq!(int(&t, 0, "run_number"), 1);
    assert_eq!(
        text(&t, 0, "status"),
        "RUN_STATUS_SUCCEEDED",
        "{:?}",
        cell(&t, 0, "message")
    );
    assert_eq!(text(&t, 0, "started_by"), "test:alice");
    assert_eq!(int(&t, 0, "flight_version"), 1);
    assert_eq!(text(&t, 0, "config"), "{REGION=ap-south-1, BATCH_SIZE=1000}");
    assert_eq!(int(&t, 0, "exit_code"), 0);
    assert_eq!(text(&t, 0, "trigger"), "manual");
    assert_eq!(cell(&t, 0, "is_scheduled"), &Value::Bool(false));
    assert_eq!(text(&t, 0, "flight_name"), "ingest");
    assert_eq!(int(&t, 0, "duration_ms"), 5);
    // The override is for that run only.
    let f = e.service.get_flight(&caller(), PROJECT, "ingest").expect("flight");
    assert_eq!((f.version, f.config["REGION"].as_str()), (1, "us-east-1"));

    // Lower case, by name, no overrides, as a table function.
    let t = ok(
        &mut s,
        "select run_number, config from md_run_flight(flight_id := 'ingest')",
    );
    assert_eq!(
        t.rows,
        [vec![
            Value::Int(2),
            Value::Text("{REGION=us-east-1, BATCH_SIZE=1000}".into())
        ]]
    );
    assert!(launcher.calls()[1].3.is_empty());

    // A key the flight does not have: the core's error, which lists the allowed keys; no
    // run is recorded.
    let m = err(
        &mut s,
        "CALL MD_RUN_FLIGHT(flight_id := 'ingest', config := MAP {'NEW_KEY': 'x'})",
    );
    assert!(m.contains("'NEW_KEY'") && m.contains("REGION, BATCH_SIZE"), "{m}");
    assert_eq!(
        e.service
            .list_runs(&caller(), PROJECT, "ingest", 10)
            .expect("runs")
            .len(),
        2
    );

    // A typo in the SELECT is caught before anything starts.
    let before = launcher.calls().len();
    let m = err(
        &mut s,
        "SELECT no_such_column FROM MD_RUN_FLIGHT(flight_id := 'ingest')",
    );
    assert!(m.contains("no_such_column"), "{m}");
    assert_eq!(launcher.calls().len(), before);
    let m = err(
        &mut s,
        "SELECT * FROM MD_CREATE_FLIGHT(name := 'z', script := 'x') WHERE nope = 1",
    );
    assert!(m.contains("nope"), "{m}");
    let m = err(
        &mut s,
        "SELECT nope FROM MD_CREATE_FLIGHT(name := 'z', script := 'x') WHERE flight_name = 'z'",
    );
    assert!(m.contains("nope"), "{m}");
    assert!(e.service.get_flight(&caller(), PROJECT, "z").is_err());
}

#[test]
fn run_without_a_launcher_says_what_runs_need() {
    let e = env();
    let mut s = session(&e.service, None);
    ok(&mut s, "CALL MD_CREATE_FLIGHT(name := 'f', command := ['true'])");
    let m = err(&mut s, "CALL MD_RUN_FLIGHT(flight_id := 'f')");
    assert!(m.contains("coffer CLI") && m.contains("server"), "{m}");
    assert!(e
        .service
        .list_runs(&caller(), PROJECT, "f", 10)
        .expect("runs")
        .is_empty());
}

#[test]
fn list_runs_filters_and_orders() {
    let e = env();
    let launcher = TestLauncher::new(&e.service);
    let mut s = session(&e.service, Some(&launcher));
    refs(&e.service, &mut s);
    let id = text(&ok(&mut s, CREATE_INGEST), 0, "flight_id").to_string();
    ok(&mut s, "CALL MD_RUN_FLIGHT(flight_id := 'ingest')");
    launcher.end_with(Ending::Exit(3));
    ok(
        &mut s,
        "CALL MD_RUN_FLIGHT(flight_id := 'ingest', config := MAP {'REGION': 'ap-south-1'})",
    );
    launcher.end_with(Ending::Exit(0));
    ok(&mut s, "CALL MD_UPDATE_FLIGHT(flight_id := 'ingest', timeout := 30)");
    ok(&mut s, "CALL MD_RUN_FLIGHT(flight_id := 'ingest')");

    let t = ok(&mut s, &format!("FROM MD_LIST_FLIGHT_RUNS(flight_id := '{id}')"));
    let names: Vec<&str> = t.columns.iter().take(11).map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "run_number",
            "status",
            "flight_version",
            "config",
            "exit_code",
            "trigger",
            "started_by",
            "started_at",
            "finished_at",
            "duration_ms",
            "message"
        ]
    );
    assert_eq!(t.rows.len(), 3);

    let t = ok(
        &mut s,
        &format!(
            "SELECT run_number, status, config FROM MD_LIST_FLIGHT_RUNS(flight_id := '{id}') ORDER BY run_number DESC"
        ),
    );
    assert_eq!(
        t.rows,
        [
            vec![
                Value::Int(3),
                Value::Text("RUN_STATUS_SUCCEEDED".into()),
                Value::Text("{REGION=us-east-1, BATCH_SIZE=1000}".into())
            ],
            vec![
                Value::Int(2),
                Value::Text("RUN_STATUS_FAILED".into()),
                Value::Text("{REGION=ap-south-1, BATCH_SIZE=1000}".into())
            ],
            vec![
                Value::Int(1),
                Value::Text("RUN_STATUS_SUCCEEDED".into()),
                Value::Text("{REGION=us-east-1, BATCH_SIZE=1000}".into())
            ],
        ]
    );
    let t = ok(
        &mut s,
        "SELECT run_number, exit_code FROM md_list_flight_runs(flight_id := 'ingest') WHERE status = 'RUN_STATUS_FAILED'",
    );
    assert_eq!(t.rows, [vec![Value::Int(2), Value::Int(3)]]);
    let t = ok(
        &mut s,
        "SELECT run_number FROM MD_FLIGHT_RUNS(flight_id := 'ingest') WHERE flight_version = 2 OR config LIKE '%ap-south%' ORDER BY run_number",
    );
    assert_eq!(t.rows, [vec![Value::Int(2)], vec![Value::Int(3)]]);
    // MotherDuck's "LIMIT"/"OFFSET" parameters, newest first, and SQL's LIMIT.
    let t = ok(
        &mut s,
        "SELECT run_number FROM MD_LIST_FLIGHT_RUNS(flight_id := 'ingest', \"LIMIT\" := 1, \"OFFSET\" := 1)",
    );
    assert_eq!(t.rows, [vec![Value::Int(2)]]);
    let t = ok(
        &mut s,
        "SELECT run_number FROM MD_LIST_FLIGHT_RUNS(flight_id := 'ingest') ORDER BY run_number LIMIT 1",
    );
    assert_eq!(t.rows, [vec![Value::Int(1)]]);
    let m = err(&mut s, "FROM MD_LIST_FLIGHT_RUNS(flight_id := 'nope')");
    assert!(m.contains("no flight named 'nope'"), "{m}");
    let m = err(&mut s, "FROM MD_LIST_FLIGHT_RUNS()");
    assert!(m.contains("needs flight_id"), "{m}");
}

#[test]
fn cancel_and_delete() {
    let e = env();
    let launcher = TestLauncher::new(&e.service);
    let mut s = session(&e.service, Some(&launcher));
    ok(
        &mut s,
        "CALL MD_CREATE_FLIGHT(name := 'slow', command := ['sleep', '100'])",
    );
    launcher.end_with(Ending::Running);
    let t = ok(&mut s, "CALL MD_RUN_FLIGHT(flight_id := 'slow')");
    assert_eq!(text(&t, 0, "status"), "RUN_STATUS_RUNNING");
    // Its concurrency (1) is taken.
    let m = err(&mut s, "CALL MD_RUN_FLIGHT(flight_id := 'slow')");
    assert!(m.contains("concurrency"), "{m}");
    let m = err(&mut s, "CALL MD_DELETE_FLIGHT(flight_id := 'slow')");
    assert!(m.contains("running"), "{m}");
    let t = ok(
        &mut s,
        "CALL MD_CANCEL_FLIGHT_RUN(flight_id := 'slow', run_number := 1)",
    );
    assert_eq!(int(&t, 0, "run_number"), 1);
    assert!(e.service.cancel_requested(text(&t, 0, "flight_id"), 1).expect("cancel"));
    let m = err(
        &mut s,
        "CALL MD_CANCEL_FLIGHT_RUN(flight_id := 'slow', run_number := 7)",
    );
    assert!(m.contains("no run 7"), "{m}");
    let m = err(&mut s, "CALL MD_CANCEL_FLIGHT_RUN(flight_id := 'slow')");
    assert!(m.contains("run_number"), "{m}");
    let m = err(
        &mut s,
        "CALL MD_CANCEL_FLIGHT_RUN(flight_id := 'slow', run_number := 'one')",
    );
    assert!(m.contains("'run_number'"), "{m}");

    ok(&mut s, "CALL MD_CREATE_FLIGHT(name := 'quick', command := ['true'])");
    let t = ok(&mut s, "CALL md_delete_flight(flight_id := 'quick')");
    assert_eq!(t, Table::success());
    assert!(e.service.get_flight(&caller(), PROJECT, "quick").is_err());
    let m = err(&mut s, "CALL MD_DELETE_FLIGHT(flight_id := 'quick')");
    assert!(m.contains("no flight named 'quick'"), "{m}");
}

#[test]
fn parameters_are_checked_by_name_and_type() {
    let e = env();
    let mut s = session(&e.service, None);
    let cases: &[(&str, &[&str])] = &[
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', script := 'x', colour := 'red')",
            &[
                "MD_CREATE_FLIGHT has no parameter 'colour'",
                "flight_secret_names",
                "access_token_name",
                "timeout",
            ],
        ),
        (
            "CALL MD_RUN_FLIGHT(flight_id := 'f', overrides := MAP {'A': 'b'})",
            &[
                "MD_RUN_FLIGHT has no parameter 'overrides'",
                "valid parameters: flight_id, config",
            ],
        ),
        (
            "FROM MD_LIST_FLIGHTS(flight_id := 'f')",
            &["MD_LIST_FLIGHTS has no parameter 'flight_id'"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', script := 'x', timeout := '600')",
            &["'timeout'", "whole number of seconds", "a string"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', script := 'x', timeout := 1.5)",
            &["'timeout'"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', script := 'x', timeout := -1)",
            &["'timeout'"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', script := 'x', config := MAP {'BATCH_SIZE': 5000})",
            &["'config'", "MAP of strings", "'BATCH_SIZE'", "quote it"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', script := 'x', config := 'REGION=us')",
            &["'config'", "a string"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', script := 'x', config := ['a'])",
            &["'config'", "a list"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', script := 'x', config := MAP {'A': 'b', 'A': 'c'})",
            &["'config'", "twice"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', script := 'x', flight_secret_names := 'my_api_secret')",
            &["'flight_secret_names'", "list"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', command := 'echo hi')",
            &["'command'", "['echo', 'hi']"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', script := 'x', kind := 'ruby')",
            &["'ruby'", "command, python or sql"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', script := 'x', source_code := 'y')",
            &["'script' or 'source_code'"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', name := 'g')",
            &["'name' is given twice"],
        ),
        ("CALL MD_CREATE_FLIGHT('f')", &["arguments are named"]),
        ("CALL MD_CREATE_FLIGHT(script := 'x')", &["needs name"]),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', script := upper('x'))",
            &["'script'", "literal"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', source_code := 'x', requirements_txt := 'six\n-r /etc/passwd')",
            &["requirements line 2", "'-r'", "another file"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', source_code := 'x', requirements_txt := '--index-url https://evil.example/simple')",
            &["requirements line 1", "where packages come from"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', source_code := 'x', requirements_txt := 'six', source_builds := 'yes')",
            &["'source_builds'", "TRUE or FALSE"],
        ),
        (
            "CALL MD_CREATE_FLIGHT(name := 'f', kind := 'command', command := ['true'], requirements_txt := 'six')",
            &["only python flights"],
        ),
        ("CALL MD_CREATE_FLIGHT(name := 'f', kind := 'python')", &["script"]),
        (
            "CALL MD_FLY_AWAY()",
            &["MD_FLY_AWAY", "MD_CREATE_FLIGHT", "MD_CANCEL_FLIGHT_RUN"],
        ),
    ];
    for (sql_text, wanted) in cases {
        let m = err(&mut s, sql_text);
        for w in *wanted {
            assert!(m.contains(w), "{sql_text}: {m:?} lacks {w:?}");
        }
    }
    assert!(e.service.list_flights(&caller(), PROJECT).expect("flights").is_empty());
}

#[test]
fn credential_warnings_reach_the_result() {
    let e = env();
    let mut s = session(&e.service, None);
    let t = ok(
        &mut s,
        "CALL MD_CREATE_FLIGHT(name := 'leaky', command := ['true'], config := MAP {'REGION': 'us-east-1', 'AWS_ID': 'AKIAIOSFODNN7EXAMPLE'})",
    );
    let w = list(&t, 0, "warnings");
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("'AWS_ID'") && w[0].contains("AWS access key id"), "{w:?}");
    assert!(
        !w[0].contains("AKIAIOSFODNN7EXAMPLE"),
        "a warning never shows the value"
    );
    // Created all the same (a warning, not an error).
    assert_eq!(
        e.service
            .get_flight(&caller(), PROJECT, "leaky")
            .expect("flight")
            .version,
        1
    );

    let t = ok(
        &mut s,
        "CALL MD_UPDATE_FLIGHT(flight_id := 'leaky', config := MAP {'DB_PASSWORD': 'hunter2hunter2'})",
    );
    let w = list(&t, 0, "warnings");
    assert!(w.len() == 1 && w[0].contains("'DB_PASSWORD'"), "{w:?}");
    let t = ok(
        &mut s,
        "SELECT warnings FROM MD_UPDATE_FLIGHT(flight_id := 'leaky', config := MAP {'REGION': 'eu'})",
    );
    assert_eq!(t.rows, [vec![Value::List(vec![])]]);
}

#[test]
fn a_run_that_cannot_start_is_a_failed_row_with_its_reason() {
    let e = env();
    let launcher = TestLauncher::new(&e.service);
    let mut s = session(&e.service, Some(&launcher));
    refs(&e.service, &mut s);
    e.service.create_user(&caller(), "outsider", false).expect("user");
    e.service
        .create_token(&caller(), Some("outsider"), "outsider-token", None)
        .expect("token");
    ok(
        &mut s,
        "CALL MD_CREATE_FLIGHT(name := 'f', command := ['true'], flight_secret_names := ['my_api_secret'], access_token_name := 'outsider-token')",
    );
    let t = ok(&mut s, "CALL MD_RUN_FLIGHT(flight_id := 'f')");
    assert_eq!(text(&t, 0, "status"), "RUN_STATUS_FAILED");
    assert_eq!(cell(&t, 0, "exit_code"), &Value::Null);
    let m = text(&t, 0, "message");
    assert!(m.contains("'outsider'") && m.contains("use"), "{m}");
    let t = ok(
        &mut s,
        "SELECT message FROM MD_LIST_FLIGHT_RUNS(flight_id := 'f') WHERE message IS NOT NULL",
    );
    assert_eq!(t.rows.len(), 1);
}

#[test]
fn versions_are_listed_and_read_as_they_were() {
    let e = env();
    let mut s = session(&e.service, None);
    refs(&e.service, &mut s);
    let id = text(&ok(&mut s, CREATE_INGEST), 0, "flight_id").to_string();
    ok(
        &mut s,
        "CALL MD_UPDATE_FLIGHT(flight_id := 'ingest', source_code := 'print(2)', config := MAP {'REGION': 'eu'})",
    );
    ok(&mut s, "CALL MD_UPDATE_FLIGHT(flight_id := 'ingest', timeout := 60)");
    // The same value again changes nothing: no version.
    let t = ok(&mut s, "CALL MD_UPDATE_FLIGHT(flight_id := 'ingest', timeout := 60)");
    assert_eq!(int(&t, 0, "current_version"), 3);

    let t = ok(&mut s, &format!("FROM MD_LIST_FLIGHT_VERSIONS(flight_id := '{id}')"));
    let names: Vec<&str> = t.columns.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "flight_id",
            "flight_name",
            "version",
            "created_at",
            "created_by",
            "changes"
        ]
    );
    assert_eq!(t.rows.len(), 3);
    assert_eq!(
        (int(&t, 0, "version"), list(&t, 0, "changes")),
        (3, vec!["timeout_secs".to_string()])
    );
    assert_eq!(list(&t, 1, "changes"), ["script", "config"]);
    assert_eq!(list(&t, 2, "changes"), ["created"]);
    assert_eq!(
        (text(&t, 2, "flight_name"), text(&t, 2, "created_by")),
        ("ingest", "test:alice")
    );
    let t = ok(
        &mut s,
        "SELECT version FROM MD_FLIGHT_VERSIONS(flight_id := 'ingest', \"LIMIT\" := 1, \"OFFSET\" := 1)",
    );
    assert_eq!(t.rows, [vec![Value::Int(2)]]);

    let t = ok(
        &mut s,
        "FROM MD_GET_FLIGHT_VERSION(flight_id := 'ingest', version := 1)",
    );
    let get = ok(&mut s, "FROM MD_GET_FLIGHT(flight_id := 'ingest')");
    let names: Vec<&str> = t.columns.iter().map(|(n, _)| n.as_str()).collect();
    let get_names: Vec<&str> = get.columns.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[..get_names.len()], get_names[..], "MD_GET_FLIGHT's columns first");
    assert_eq!((int(&t, 0, "version"), int(&t, 0, "current_version")), (1, 3));
    assert_eq!(text(&t, 0, "config"), "{REGION=us-east-1, BATCH_SIZE=1000}");
    assert_eq!(text(&t, 0, "source_code"), "import os\nprint(os.environ['REGION'])");
    assert_eq!(int(&t, 0, "timeout"), 600);
    let t = ok(
        &mut s,
        &format!("SELECT source_code, timeout FROM MD_GET_FLIGHT_VERSION(flight_id := '{id}', version := 3)"),
    );
    assert_eq!(t.rows, [vec![Value::Text("print(2)".into()), Value::Int(60)]]);

    let m = err(
        &mut s,
        "FROM MD_GET_FLIGHT_VERSION(flight_id := 'ingest', version := 9)",
    );
    assert!(
        m.contains("'ingest'") && m.contains("no version 9") && m.contains("latest version is 3"),
        "{m}"
    );
    let m = err(&mut s, "FROM MD_GET_FLIGHT_VERSION(flight_id := 'ingest')");
    assert!(m.contains("needs version := N"), "{m}");
    let m = err(
        &mut s,
        "FROM MD_GET_FLIGHT_VERSION(flight_id := 'ingest', version := 0)",
    );
    assert!(m.contains("'version'"), "{m}");
    let m = err(&mut s, "FROM MD_LIST_FLIGHT_VERSIONS(flight_id := 'nope')");
    assert!(m.contains("no flight named 'nope'"), "{m}");

    // No role in the project: nothing.
    e.service.create_user(&caller(), "outsider", false).expect("user");
    let t = e
        .service
        .create_token(&caller(), Some("outsider"), "outsider-t", None)
        .expect("token");
    let outsider = e.service.authenticate(t.token.expose_secret(), "test").expect("login");
    let mut theirs = Session::new(&e.service, PROJECT, outsider);
    for q in [
        "FROM MD_LIST_FLIGHT_VERSIONS(flight_id := 'ingest')",
        "FROM MD_GET_FLIGHT_VERSION(flight_id := 'ingest', version := 1)",
    ] {
        let m = err(&mut theirs, q);
        assert!(m.contains("permission denied") && !m.contains("REGION"), "{m}");
    }
}
