//! A run's environment comes from one builder and one audited opening of its secrets.

mod common;

use coffer_core::{AuditFilter, CreateRequest, OnConflict, RunRequest, Started};
use coffer_crypto::SecretString;
use coffer_model::flight::FlightSpec;
use coffer_model::{InputValue, Storage};
use common::{actor, Env};

fn create(svc: &coffer_core::Service, name: &str, ty: &str, scopes: &[&str], values: &[(&str, &str)]) {
    svc.create_secret(
        &actor(),
        "p",
        CreateRequest {
            name: Some(name.into()),
            secret_type: ty.into(),
            provider: None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            storage: Storage::Coffer,
            on_conflict: OnConflict::Error,
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), InputValue::Text(SecretString::from(*v))))
                .collect(),
        },
    )
    .expect("create");
}

#[test]
fn a_python_run_opens_each_secret_once_and_builds_one_environment() {
    let env = Env::new();
    let svc = env.service();
    create(
        &svc,
        "lake",
        "s3",
        &["s3://lake"],
        &[("key_id", "AKIA1"), ("secret", "LAKE-SECRET-1"), ("region", "eu")],
    );
    create(
        &svc,
        "other",
        "s3",
        &["s3://other"],
        &[("key_id", "AKIA2"), ("secret", "OTHER-2"), ("region", "eu")],
    );
    create(&svc, "DATABASE_URL", "generic", &[], &[("value", "postgres://x")]);
    create(&svc, "api", "flights", &[], &[("params.TOKEN", "API-TOKEN-3")]);
    // Attached `lake` is also one of the run DuckDB's secrets; `api` only a template.
    let spec: FlightSpec = serde_json::from_value(serde_json::json!({
        "kind": "python",
        "script": "print('hi')",
        "config": {"TOKEN": "{{ secret('api') }}", "PLAIN": "x"},
        "secrets": ["lake"],
    }))
    .expect("spec");
    svc.create_flight(&actor(), "p", "job", spec).expect("flight");
    let started = svc
        .start_run(&actor(), "p", "job", RunRequest::default())
        .expect("start");
    let Started::Launch(launch) = started else {
        panic!("the run did not launch");
    };
    let names: Vec<&str> = launch.env.names().collect();
    for want in [
        "TOKEN",
        "PLAIN",
        "LAKE_KEY_ID",
        "LAKE_SECRET",
        "DATABASE_URL",
        "COFFER_RUN_NUMBER",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    // The run's DuckDB gets both storage secrets, from the same batch.
    let mut duck: Vec<&str> = launch.duckdb.iter().map(|(_, o)| o.info.name.as_str()).collect();
    duck.sort_unstable();
    assert_eq!(duck, ["lake", "other"]);
    let masked: Vec<&str> = launch.env.mask().iter().map(|v| v.expose_secret()).collect();
    assert!(
        masked.contains(&"LAKE-SECRET-1") && masked.contains(&"API-TOKEN-3"),
        "{masked:?}"
    );
    // One `use` event per secret, all with the run's purpose.
    let events = svc
        .list_audit(
            &actor(),
            &AuditFilter {
                project: Some("p".into()),
                ..AuditFilter::default()
            },
        )
        .expect("audit");
    let mut used: Vec<&str> = events
        .iter()
        .filter(|e| e.action == "use")
        .inspect(|e| {
            assert!(
                e.detail.as_deref().unwrap_or_default().contains("purpose=flight:job#1"),
                "{e:?}"
            )
        })
        .map(|e| e.object.as_str())
        .collect();
    used.sort_unstable();
    assert_eq!(
        used,
        ["secret:DATABASE_URL", "secret:api", "secret:lake", "secret:other"]
    );
}
