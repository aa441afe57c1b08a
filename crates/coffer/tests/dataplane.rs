//! The data plane against real DuckDB 1.5.5 with the real httpfs extension.
//!
//! Needs httpfs in `COFFER_TEST_EXTENSION_DIR` (scripts/test.sh installs it with
//! scripts/install-test-extensions.sh).

mod engine;

use coffer_core::{Caller, CreateRequest, OnConflict, Service};
use coffer_crypto::{LocalKeyFile, SecretString};
use coffer_engine::DataPlane;
use coffer_model::{InputValue, Storage};
use coffer_store_sqlite::SqliteStore;
use engine::{engine_config, extension_dir, started};
use std::path::PathBuf;
use std::sync::Arc;

struct Env {
    _dir: tempfile::TempDir,
    service: Service,
    plane: Arc<DataPlane>,
}

fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let (kr, _) = LocalKeyFile::open_or_create(&dir.path().join("master.key")).expect("key");
    let service = Service::new(
        Box::new(SqliteStore::open(&dir.path().join("coffer.db")).expect("db")),
        Box::new(kr),
    );
    for p in ["p", "q"] {
        service.create_project(&Caller::local(), p).expect("project");
    }
    let plane = DataPlane::new(engine_config());
    service.observe(plane.clone());
    Env {
        _dir: dir,
        service,
        plane,
    }
}

fn text(v: &str) -> InputValue {
    InputValue::Text(SecretString::from(v))
}

/// Minimal valid fields per type.
fn fields(ty: &str, tag: &str) -> Vec<(String, InputValue)> {
    let kv = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), text(v))).collect();
    match ty.to_ascii_lowercase().as_str() {
        "s3" => kv(&[("key_id", "AKIA"), ("secret", tag), ("region", "us-east-1")]),
        "r2" => kv(&[("key_id", "AKIA"), ("secret", tag), ("account_id", "acct")]),
        "gcs" => kv(&[("key_id", "AKIA"), ("secret", tag)]),
        "huggingface" => kv(&[("token", tag)]),
        "azure" => kv(&[("connection_string", tag)]),
        "postgres" => kv(&[("password", tag)]),
        "openai" => kv(&[("api_key", tag)]),
        other => panic!("no fields for {other}"),
    }
}

fn create(e: &Env, name: &str, ty: &str, storage: Storage, scopes: &[&str], on_conflict: OnConflict) {
    e.service
        .create_secret(
            &Caller::local(),
            "p",
            CreateRequest {
                name: Some(name.into()),
                secret_type: ty.into(),
                provider: None,
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
                storage,
                on_conflict,
                values: fields(ty, "SECRET-VALUE-z9"),
            },
        )
        .expect("create");
}

#[test]
fn an_instance_follows_every_change_at_its_next_statement() {
    let e = env();
    create(&e, "base", "s3", Storage::Coffer, &["s3://bucket"], OnConflict::Error);
    let duck = started(&e.plane, &e.service, &Caller::local(), "p");
    assert_eq!(
        duck.which_secret("s3://bucket/x", "s3").expect("which"),
        Some("base".into())
    );
    assert_eq!(duck.registered_count(), 1);

    // Created after the instance: seen at once.
    create(
        &e,
        "deeper",
        "s3",
        Storage::Memory,
        &["s3://bucket/x"],
        OnConflict::Error,
    );
    assert_eq!(
        duck.which_secret("s3://bucket/x/y", "s3").expect("which"),
        Some("deeper".into())
    );
    // Replaced with another scope.
    create(
        &e,
        "deeper",
        "s3",
        Storage::Memory,
        &["s3://other"],
        OnConflict::Replace,
    );
    assert_eq!(
        duck.which_secret("s3://bucket/x/y", "s3").expect("which"),
        Some("base".into())
    );
    assert_eq!(
        duck.which_secret("s3://other/z", "s3").expect("which"),
        Some("deeper".into())
    );
    // Dropped.
    e.service
        .drop_secret(&Caller::local(), "p", "deeper", false, None)
        .expect("drop");
    assert_eq!(duck.which_secret("s3://other/z", "s3").expect("which"), None);
    assert_eq!(duck.registered_count(), 1);
    // Another project's change does not reach this instance.
    e.service
        .create_secret(
            &Caller::local(),
            "q",
            CreateRequest {
                name: Some("elsewhere".into()),
                secret_type: "s3".into(),
                provider: None,
                scopes: vec!["s3://other".into()],
                storage: Storage::Coffer,
                on_conflict: OnConflict::Error,
                values: fields("s3", "x"),
            },
        )
        .expect("create q");
    assert_eq!(duck.which_secret("s3://other/z", "s3").expect("which"), None);
}

#[test]
fn duckdb_holds_temporary_redacted_secrets_only() {
    let e = env();
    create(&e, "p1", "s3", Storage::Coffer, &["s3://a"], OnConflict::Error);
    create(&e, "t1", "s3", Storage::Memory, &["s3://b"], OnConflict::Error);
    let duck = started(&e.plane, &e.service, &Caller::local(), "p");
    let rows = duck
        .query("SELECT name, persistent, storage, secret_string FROM duckdb_secrets() ORDER BY name")
        .expect("q");
    assert_eq!(rows.rows.len(), 2);
    for r in &rows.rows {
        assert_eq!(r[1], coffer_engine::Cell::Bool(false), "{r:?}");
        assert_eq!(r[2], coffer_engine::Cell::Text("memory".into()), "{r:?}");
        let coffer_engine::Cell::Text(s) = &r[3] else { panic!() };
        assert!(!s.contains("SECRET-VALUE-z9"), "{s}");
        assert!(s.contains("secret=redacted"), "{s}");
    }
    // Unredacted listing and persistent secrets are off, and the configuration is locked.
    assert!(duck.query("SELECT * FROM duckdb_secrets(redact := false)").is_err());
    assert!(duck.query("SET allow_unredacted_secrets = true").is_err());
    assert!(duck
        .query("CREATE PERSISTENT SECRET x (TYPE s3, KEY_ID 'a', SECRET 'b')")
        .is_err());
}

#[test]
fn a_change_touches_only_the_secrets_it_affects() {
    let mut planner = coffer_engine::Planner::new();
    let e = env();
    for i in 0..50 {
        create(
            &e,
            &format!("s{i:02}"),
            "s3",
            Storage::Coffer,
            &[&format!("s3://b{i:02}")],
            OnConflict::Error,
        );
    }
    for info in e.service.list_secrets(&Caller::local(), "p").expect("list") {
        planner.upsert(&info);
    }
    create(&e, "s07", "s3", Storage::Coffer, &["s3://b07/x"], OnConflict::Replace);
    let info = e.service.secret_info(&Caller::local(), "p", "s07", None).expect("info");
    assert_eq!(planner.upsert(&info).len(), 1);
    // A temporary secret with a persistent one's scope shadows that scope: two affected.
    create(&e, "t", "s3", Storage::Memory, &["s3://b08"], OnConflict::Error);
    let info = e.service.secret_info(&Caller::local(), "p", "t", None).expect("info");
    let affected = planner.upsert(&info);
    assert_eq!(affected.len(), 2, "{affected:?}");
    assert!(planner.registration(&(Storage::Coffer, "s08".into())).is_none());
}

#[derive(serde::Deserialize)]
struct Table {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    id: String,
    secrets: Vec<Def>,
    path: String,
    #[serde(rename = "type")]
    ty: String,
}

#[derive(serde::Deserialize)]
struct Def {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    storage: String,
    scope: Option<Vec<String>>,
}

/// Types DuckDB knows with core + httpfs.
const DUCKDB_TYPES: &[&str] = &["s3", "r2", "gcs", "huggingface"];

#[test]
fn which_secret_agrees_with_duckdb_on_the_scope_table() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../coffer-model/tests/scope_cases.json");
    let table: Table = serde_json::from_str(&std::fs::read_to_string(path).expect("table")).expect("json");
    let (mut checked, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for case in &table.cases {
        if !case
            .secrets
            .iter()
            .all(|s| DUCKDB_TYPES.contains(&s.ty.to_ascii_lowercase().as_str()))
            || !DUCKDB_TYPES.contains(&case.ty.to_ascii_lowercase().as_str())
        {
            skipped += 1;
            continue;
        }
        let e = env();
        for s in &case.secrets {
            let storage = if s.storage == "memory" {
                Storage::Memory
            } else {
                Storage::Coffer
            };
            let scopes: Vec<&str> = s
                .scope
                .as_ref()
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default();
            create(&e, &s.name, &s.ty, storage, &scopes, OnConflict::Error);
        }
        let duck = started(&e.plane, &e.service, &Caller::local(), "p");
        let coffer = e
            .service
            .which_secret(&Caller::local(), "p", &case.path, &case.ty)
            .expect("coffer which")
            .map(|w| w.name.to_ascii_lowercase());
        let duckdb = duck
            .which_secret(&case.path, &case.ty.to_ascii_lowercase())
            .expect("duckdb which");
        if coffer != duckdb {
            failures.push(format!("{}: coffer {coffer:?}, embedded DuckDB {duckdb:?}", case.id));
        }
        // A flight's DuckDB, fed with secret_statements, answers the same.
        let fresh = coffer_duckdb::Detached::open(&coffer_duckdb::Options {
            extension_dir: Some(extension_dir()),
            local_files: true,
            ..Default::default()
        })
        .expect("open");
        for s in coffer_engine::secret_statements(&e.service, &Caller::local(), "p", "flight").expect("statements") {
            fresh.register(&s).expect("register");
        }
        let flight = fresh
            .which_secret(&case.path, &case.ty.to_ascii_lowercase())
            .expect("flight which");
        if coffer != flight {
            failures.push(format!("{}: coffer {coffer:?}, flight DuckDB {flight:?}", case.id));
        }
        checked += 1;
    }
    eprintln!("which_secret agreement: {checked} cases checked, {skipped} skipped (types DuckDB core+httpfs lacks)");
    assert!(checked >= 40, "only {checked} cases checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn secret_statements_register_what_the_data_plane_registers() {
    let e = env();
    create(&e, "base", "s3", Storage::Coffer, &["s3://bucket"], OnConflict::Error);
    create(&e, "deep", "s3", Storage::Coffer, &["s3://bucket/x"], OnConflict::Error);
    // Shadowed on its only scope by a temporary secret: not registered.
    create(
        &e,
        "shadowed",
        "s3",
        Storage::Coffer,
        &["s3://other"],
        OnConflict::Error,
    );
    create(&e, "temp", "s3", Storage::Memory, &["s3://other"], OnConflict::Error);
    create(&e, "hf", "huggingface", Storage::Coffer, &[], OnConflict::Error);
    // A type DuckDB does not know: coffer's alone.
    create(&e, "ai", "openai", Storage::Coffer, &[], OnConflict::Error);

    let statements = coffer_engine::secret_statements(&e.service, &Caller::local(), "p", "flight").expect("statements");
    let duck = started(&e.plane, &e.service, &Caller::local(), "p");
    assert_eq!(statements.len(), 4, "{statements:?}");
    assert_eq!(statements.len(), duck.registered_count());
    let mut names: Vec<String> = statements.iter().filter_map(|s| s.name()).collect();
    names.sort();
    assert_eq!(names, ["base", "deep", "hf", "temp"]);
    for s in &statements {
        assert!(s.expose().starts_with("CREATE OR REPLACE TEMPORARY SECRET "));
        assert!(!format!("{s:?}").contains("SECRET-VALUE-z9"), "{s:?}");
    }

    // Run in a fresh DuckDB, they give DuckDB the same answers as the data plane's instance.
    let fresh = coffer_duckdb::Detached::open(&coffer_duckdb::Options {
        extension_dir: Some(extension_dir()),
        local_files: true,
        ..Default::default()
    })
    .expect("open");
    for s in &statements {
        fresh.register(s).expect("register");
    }
    for (path, ty) in [
        ("s3://bucket/a.parquet", "s3"),
        ("s3://bucket/x/a.parquet", "s3"),
        ("s3://bucket/xy", "s3"),
        ("s3://other/a", "s3"),
        ("s3://nowhere/a", "s3"),
        ("hf://datasets/a", "huggingface"),
    ] {
        let want = duck.which_secret(path, ty).expect("which");
        assert_eq!(fresh.which_secret(path, ty).expect("which"), want, "{path}");
        let coffer = e
            .service
            .which_secret(&Caller::local(), "p", path, ty)
            .expect("coffer which")
            .map(|w| w.name.to_ascii_lowercase());
        assert_eq!(want, coffer, "{path}");
    }
    let rows = fresh
        .query("SELECT count(*) FROM duckdb_secrets() WHERE secret_string LIKE '%SECRET-VALUE-z9%'")
        .expect("q");
    assert_eq!(
        rows.rows,
        vec![vec![coffer_engine::Cell::Int(0)]],
        "values are redacted"
    );
    assert!(fresh.query("SET allow_unredacted_secrets = true").is_err(), "locked");

    // Each opening is an audited use with purpose `flight`.
    let audit = e
        .service
        .list_audit(
            &Caller::local(),
            &coffer_core::AuditFilter {
                project: Some("p".into()),
                ..Default::default()
            },
        )
        .expect("audit");
    let flight: Vec<&str> = audit
        .iter()
        .filter(|a| a.action == "use" && a.detail.as_deref().is_some_and(|d| d.contains("purpose=flight")))
        .map(|a| a.object.as_str())
        .collect();
    assert_eq!(flight.len(), 4, "{flight:?}");
}

#[test]
fn secret_statements_are_empty_without_the_use_role() {
    let e = env();
    create(&e, "base", "s3", Storage::Coffer, &["s3://bucket"], OnConflict::Error);
    let local = Caller::local();
    e.service.create_user(&local, "reader", false).expect("user");
    e.service
        .grant(&local, "p", coffer_core::Role::Read, "reader")
        .expect("grant");
    let token = e
        .service
        .create_token(&local, Some("reader"), "t", None)
        .expect("token");
    let reader = e
        .service
        .authenticate(token.token.expose_secret(), "test")
        .expect("authenticate");
    let statements = coffer_engine::secret_statements(&e.service, &reader, "p", "flight").expect("statements");
    assert!(statements.is_empty(), "{statements:?}");
    let duck = started(&e.plane, &e.service, &reader, "p");
    assert_eq!(duck.registered_count(), 0);
}
