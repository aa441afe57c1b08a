//! What reaches the embedded DuckDB: the role `use` in every session, and the sandbox's rules
//! in a sandboxed one. A recording passthrough stands in for DuckDB, on a real SQLite store.

use coffer_api::ToExitCode;
use coffer_core::{Caller, Role, Service};
use coffer_crypto::LocalKeyFile;
use coffer_sql::{Passthrough, Session, SqlError, Table};
use coffer_store_sqlite::SqliteStore;
use std::sync::Mutex;

const PROJECT: &str = "p";

struct Env {
    _dir: tempfile::TempDir,
    service: Service,
}

fn admin() -> Caller {
    Caller {
        name: "test:admin".into(),
        ..Caller::local()
    }
}

fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let (keys, _) = LocalKeyFile::open_or_create(&dir.path().join("master.key")).expect("key");
    let service = Service::new(
        Box::new(SqliteStore::open(&dir.path().join("coffer.db")).expect("db")),
        Box::new(keys),
    );
    service.create_project(&admin(), PROJECT).expect("project");
    Env { _dir: dir, service }
}

/// A member of the project with `role` (or none), authenticated with a token of its own.
fn member(svc: &Service, name: &str, role: Option<Role>) -> Caller {
    svc.create_user(&admin(), name, false).expect("user");
    if let Some(role) = role {
        svc.grant(&admin(), PROJECT, role, name).expect("grant");
    }
    let token = svc
        .create_token(&admin(), Some(name), &format!("{name}-t"), None)
        .expect("token");
    svc.authenticate(token.token.expose_secret(), "test")
        .expect("authenticate")
}

/// Records every statement it is given and answers an empty success.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Recorder {
    fn seen(&self) -> Vec<String> {
        self.0.lock().expect("lock").clone()
    }
}

impl Passthrough for Recorder {
    fn run(&self, sql: &str) -> Result<Table, String> {
        self.0.lock().expect("lock").push(sql.to_string());
        Ok(Table::success())
    }
}

fn one(s: &mut Session<'_>, sql: &str) -> Result<Table, SqlError> {
    let mut out = s.run_script(sql).expect("splits");
    assert_eq!(out.len(), 1, "{sql}");
    out.remove(0).result
}

#[test]
fn passing_to_duckdb_needs_use() {
    let e = env();
    let duck = Recorder::default();
    let reader = member(&e.service, "alice", Some(Role::Read));
    let mut s = Session::new(&e.service, PROJECT, reader).with_passthrough(&duck);
    let err = one(&mut s, "SELECT 1").expect_err("refused");
    assert!(matches!(err, SqlError::Forbidden(_)), "{err:?}");
    assert_eq!(err.exit_code(), 3);
    let msg = err.to_string();
    assert!(
        msg.contains("needs role 'use' in project 'p' ('alice' has 'read')"),
        "{msg}"
    );
    assert!(
        msg.contains("duckdb_secrets()") && msg.contains("work with 'read'"),
        "{msg}"
    );
    // coffer's own statements still work with read.
    one(&mut s, "FROM duckdb_secrets()").expect("duckdb_secrets() with read");
    assert!(duck.seen().is_empty(), "nothing reached DuckDB: {:?}", duck.seen());

    let outsider = member(&e.service, "bob", None);
    let mut s = Session::new(&e.service, PROJECT, outsider).with_passthrough(&duck);
    let msg = one(&mut s, "SELECT 1").expect_err("refused").to_string();
    assert!(msg.contains("('bob' has no role there)"), "{msg}");
    assert!(duck.seen().is_empty());

    let user = member(&e.service, "carol", Some(Role::Use));
    let mut s = Session::new(&e.service, PROJECT, user).with_passthrough(&duck);
    one(&mut s, "SELECT 1").expect("use may pass");
    assert_eq!(duck.seen(), ["SELECT 1"]);
}

#[test]
fn sandboxed_session_refuses_by_rule() {
    let e = env();
    let duck = Recorder::default();
    let user = member(&e.service, "carol", Some(Role::Use));
    let mut s = Session::new(&e.service, PROJECT, user)
        .with_passthrough(&duck)
        .sandboxed();
    for (sql, rule) in [
        ("SET threads=1", "setting"),
        ("LOAD x", "extension"),
        ("COPY t TO '/tmp/x'", "local-file"),
    ] {
        match one(&mut s, sql) {
            Err(e @ SqlError::Refused { .. }) => {
                let SqlError::Refused { rule: got, .. } = &e else {
                    unreachable!()
                };
                assert_eq!(*got, rule, "{sql}");
                assert!(e.to_string().contains(&format!("rule '{rule}'")), "{e}");
                assert_eq!(e.exit_code(), 3);
            }
            other => panic!("{sql}: expected a refusal, got {other:?}"),
        }
    }
    assert!(duck.seen().is_empty(), "nothing reached DuckDB: {:?}", duck.seen());
    one(&mut s, "SET TimeZone='UTC'").expect("allowed setting");
    one(&mut s, "SELECT 1").expect("plain query");
    assert_eq!(duck.seen(), ["SET TimeZone='UTC'", "SELECT 1"]);
}

#[test]
fn unsandboxed_session_passes_what_the_sandbox_refuses() {
    let e = env();
    let duck = Recorder::default();
    let user = member(&e.service, "carol", Some(Role::Use));
    let mut s = Session::new(&e.service, PROJECT, user).with_passthrough(&duck);
    one(&mut s, "SET threads=1").expect("not sandboxed");
    assert_eq!(duck.seen(), ["SET threads=1"]);
}
