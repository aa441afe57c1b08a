//! CREATE SECRET through the SQL front with DuckDB 1.5.5's extension rules: DuckDB's words
//! for the credential chain checks, and option values that are constant expressions evaluated
//! through [`Passthrough::evaluate`] (not `run`, whose data-plane checks see `'s3://'` as a path).

use coffer_core::{Caller, Service};
use coffer_crypto::LocalKeyFile;
use coffer_sql::{Passthrough, Session, SqlError, Table};
use coffer_store_sqlite::SqliteStore;
use std::sync::Mutex;

const PROJECT: &str = "p";

fn service(dir: &tempfile::TempDir) -> Service {
    let (keys, _) = LocalKeyFile::open_or_create(&dir.path().join("master.key")).expect("key");
    let service = Service::new(
        Box::new(SqliteStore::open(&dir.path().join("coffer.db")).expect("db")),
        Box::new(keys),
    );
    service.create_project(&Caller::local(), PROJECT).expect("project");
    service
}

fn one(s: &mut Session<'_>, sql: &str) -> Result<Table, SqlError> {
    let mut out = s.run_script(sql).expect("splits");
    assert_eq!(out.len(), 1, "{sql}");
    out.remove(0).result
}

/// A data plane whose `run` refuses every statement naming an s3:// path (as coffer's does
/// while DuckDB holds no s3 secret, httpfs missing offline) and whose `evaluate` answers.
#[derive(Default)]
struct RefusingPaths {
    evaluated: Mutex<Vec<String>>,
}

impl Passthrough for RefusingPaths {
    fn run(&self, sql: &str) -> Result<Table, String> {
        if sql.contains("'s3://") {
            return Err("coffer's s3 secret 'a' is not in DuckDB: DuckDB refused it".into());
        }
        Ok(Table::success())
    }

    fn evaluate(&self, sql: &str) -> Result<Table, String> {
        self.evaluated.lock().expect("lock").push(sql.to_string());
        assert_eq!(sql, "SELECT CAST(('s3://' || 'b') AS VARCHAR)");
        Ok(Table {
            columns: vec![("v".into(), coffer_sql::ColType::Varchar)],
            rows: vec![vec![coffer_sql::Value::Text("s3://b".into())]],
        })
    }
}

#[test]
fn a_constant_expression_is_evaluated_not_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(&dir);
    let duck = RefusingPaths::default();
    let mut s = Session::new(&svc, PROJECT, Caller::local()).with_passthrough(&duck);
    one(&mut s, "CREATE SECRET w (TYPE s3, SCOPE 's3://' || 'b')").expect("created");
    assert_eq!(duck.evaluated.lock().expect("lock").len(), 1);
    let t = one(&mut s, "SELECT scope FROM duckdb_secrets()").expect("listed");
    assert_eq!(
        format!("{:?}", t.rows),
        format!(
            "{:?}",
            vec![vec![coffer_sql::Value::List(vec![coffer_sql::Value::Text(
                "s3://b".into()
            )])]]
        )
    );
}

#[test]
fn credential_chain_checks_speak_duckdbs_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(&dir);
    let mut s = Session::new(&svc, PROJECT, Caller::local());
    let msg = |s: &mut Session<'_>, sql: &str| one(s, sql).expect_err("refused").to_string();
    let m = msg(
        &mut s,
        "CREATE SECRET bad (TYPE s3, PROVIDER credential_chain, CHAIN 'no_such_chain')",
    );
    assert!(
        m.starts_with(
            "Invalid Input Error: Unknown provider found while parsing AWS credential chain string: 'no_such_chain'; "
        ),
        "{m}"
    );
    assert!(
        m.contains("field 'chain'") && m.contains("config, sts, sso, env, instance, process, web_identity"),
        "{m}"
    );
    let m = msg(
        &mut s,
        "CREATE SECRET bad (TYPE gcs, PROVIDER credential_chain, ASSUME_ROLE_ARN 'arn')",
    );
    assert!(
        m.starts_with("Must pass CHAIN value when passing ASSUME_ROLE_ARN; "),
        "{m}"
    );
    // Sensitive values given with them are never repeated.
    let m = msg(
        &mut s,
        "CREATE SECRET bad (TYPE s3, PROVIDER credential_chain, SECRET 'hunter2', VALIDATION 'x')",
    );
    assert!(
        m.starts_with("Invalid Input Error: Unknown AWS validation mode: `x`; "),
        "{m}"
    );
    assert!(!m.contains("hunter2"), "{m}");
    // Options DuckDB's aws extension does not take with credential_chain are unknown there.
    let m = msg(
        &mut s,
        "CREATE SECRET bad (TYPE s3, PROVIDER credential_chain, VERIFY_SSL false)",
    );
    assert!(
        m.starts_with(
            "Binder Error: Unknown parameter 'verify_ssl' for secret type 's3' with provider 'credential_chain'"
        ),
        "{m}"
    );
    one(
        &mut s,
        "CREATE SECRET ok (TYPE s3, PROVIDER credential_chain, KEY_ID 'AKIA', SECRET 'hunter2', CHAIN 'env;config')",
    )
    .expect("created");
    let t = one(&mut s, "SELECT secret_string FROM duckdb_secrets()").expect("listed");
    let listed = format!("{:?}", t.rows);
    assert!(
        listed.contains("endpoint=s3.amazonaws.com") && listed.contains("secret=redacted"),
        "{listed}"
    );
    assert!(!listed.contains("hunter2"), "{listed}");
}

/// A data plane whose `evaluate` fails as `message` says.
struct Failing(&'static str);

impl Passthrough for Failing {
    fn run(&self, _sql: &str) -> Result<Table, String> {
        Ok(Table::success())
    }

    fn evaluate(&self, _sql: &str) -> Result<Table, String> {
        Err(self.0.to_string())
    }
}

#[test]
fn a_failed_evaluation_says_whose_failure_it_was_without_the_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(&dir);
    let sql = "CREATE SECRET w (TYPE s3, SECRET 'hunter' || x)";
    let duck = Failing("Binder Error: Referenced column \"x\" not found; 'hunter' || x");
    let mut s = Session::new(&svc, PROJECT, Caller::local()).with_passthrough(&duck);
    let m = one(&mut s, sql).expect_err("refused").to_string();
    assert!(
        m.contains("option 'SECRET': DuckDB could not evaluate its value as a constant expression (Binder Error;"),
        "{m}"
    );
    assert!(!m.contains("hunter"), "{m}");
    let duck = Failing("the engine exited; 'hunter' || x");
    let mut s = Session::new(&svc, PROJECT, Caller::local()).with_passthrough(&duck);
    let m = one(&mut s, sql).expect_err("refused").to_string();
    assert!(m.contains("the engine failed, not the expression"), "{m}");
    assert!(!m.contains("hunter"), "{m}");
}
