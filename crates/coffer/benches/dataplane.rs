//! The data plane against DuckDB itself, side by side in one run:
//! - `which_secret`: DuckDB's own (`SELECT name FROM which_secret(..)`, a linear scan) against
//!   coffer's scope index, at 10, 1,000, 10,000 and 100,000 scoped secrets;
//! - creating a DuckDB instance with 10,000 secrets registered;
//! - one secret change: coffer's incremental update against a full reload (pg_duckdb's way).
//!
//! `COFFER_TEST_EXTENSION_DIR` must hold httpfs. Run:
//! `cargo bench -p coffer --bench dataplane` (add `--no-default-features` with
//! `DUCKDB_LIB_DIR`/`LD_LIBRARY_PATH` to use a prebuilt libduckdb). DuckDB runs in its engine
//! process (`coffer-engine`), so its `which_secret` here includes the pipe's round trip.

use coffer_core::{Caller, CreateRequest, OnConflict, Service};
use coffer_crypto::{LocalKeyFile, SecretString};
use coffer_engine::{DataPlane, EngineConfig};
use coffer_model::{InputValue, Storage};
use coffer_store_sqlite::SqliteStore;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::sync::Arc;
use std::time::Duration;

struct World {
    _dir: tempfile::TempDir,
    service: Service,
    plane: Arc<DataPlane>,
}

fn secret(i: usize, on_conflict: OnConflict, key: &str) -> CreateRequest {
    CreateRequest {
        name: Some(format!("s{i:06}")),
        secret_type: "s3".into(),
        provider: None,
        scopes: vec![format!("s3://bucket-{i:06}/prefix/")],
        storage: Storage::Memory,
        on_conflict,
        values: vec![
            ("key_id".into(), InputValue::Text(SecretString::from(key))),
            (
                "secret".into(),
                InputValue::Text(SecretString::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
            ),
            ("region".into(), InputValue::Text(SecretString::from("us-east-1"))),
        ],
    }
}

fn engine() -> EngineConfig {
    let ext = std::env::var("COFFER_TEST_EXTENSION_DIR").expect("COFFER_TEST_EXTENSION_DIR with httpfs");
    EngineConfig {
        exe: env!("CARGO_BIN_EXE_coffer-engine").into(),
        extension_dir: ext.into(),
        local_files: true,
        timeout: None,
        memory_limit: None,
        threads: None,
        sandbox: None,
        credentials: None,
    }
}

fn world(n: usize) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let (kr, _) = LocalKeyFile::open_or_create(&dir.path().join("master.key")).expect("key");
    let service = Service::new(
        Box::new(SqliteStore::open(&dir.path().join("coffer.db")).expect("db")),
        Box::new(kr),
    );
    service.create_project(&Caller::local(), "p").expect("project");
    for i in 0..n {
        service
            .create_secret(&Caller::local(), "p", secret(i, OnConflict::Error, "AKIA"))
            .expect("create");
    }
    let plane = DataPlane::new(engine());
    service.observe(plane.clone());
    World {
        _dir: dir,
        service,
        plane,
    }
}

fn which(c: &mut Criterion) {
    let mut g = c.benchmark_group("which_secret");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    for n in [10usize, 1_000, 10_000, 100_000] {
        let w = world(n);
        let duck = w.plane.instance(&Caller::local(), "p");
        let path = format!("s3://bucket-{:06}/prefix/year=2024/file.parquet", n / 2);
        let want = format!("s{:06}", n / 2);
        assert_eq!(
            duck.which_secret(&w.service, &path, "s3").expect("duckdb").as_deref(),
            Some(want.as_str())
        );
        assert_eq!(
            w.service
                .which_secret(&Caller::local(), "p", &path, "s3")
                .expect("coffer")
                .map(|m| m.name),
            Some(want.clone())
        );
        g.bench_with_input(BenchmarkId::new("coffer scope index", n), &n, |b, _| {
            b.iter(|| {
                w.service
                    .which_secret(&Caller::local(), "p", &path, "s3")
                    .expect("which")
            })
        });
        g.bench_with_input(BenchmarkId::new("DuckDB which_secret", n), &n, |b, _| {
            b.iter(|| duck.which_secret(&w.service, &path, "s3").expect("which"))
        });
    }
    g.finish();
}

fn instance_and_changes(c: &mut Criterion) {
    let n = 10_000;
    let w = world(n);
    let mut g = c.benchmark_group("data plane, 10,000 secrets");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_millis(500));
    g.bench_function("start a DuckDB engine with every secret registered", |b| {
        b.iter(|| {
            let plane = DataPlane::new(engine());
            let duck = plane.instance(&Caller::local(), "p");
            duck.which_secret(&w.service, "s3://x", "s3").expect("engine")
        })
    });
    let duck = w.plane.instance(&Caller::local(), "p");
    duck.which_secret(&w.service, "s3://x", "s3").expect("engine");
    let mut k = 0u64;
    g.bench_function("one secret replaced: incremental update (coffer)", |b| {
        b.iter(|| {
            k += 1;
            w.service
                .create_secret(
                    &Caller::local(),
                    "p",
                    secret(42, OnConflict::Replace, &format!("AKIA{k}")),
                )
                .expect("replace")
        })
    });
    g.bench_function("one secret replaced: full reload (pg_duckdb's way)", |b| {
        b.iter(|| duck.reload_all(&w.service).expect("reload"))
    });
    assert_eq!(duck.registered_count(), n);
    g.finish();
}

criterion_group!(benches, which, instance_and_changes);
criterion_main!(benches);
