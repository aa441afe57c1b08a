//! Create, list and open throughput on the embedded SQLite store with the local key file.
//! `cargo bench -p coffer-core --bench store`

use coffer_core::{Caller, CreateRequest, OnConflict, Service};
use coffer_crypto::{LocalKeyFile, SecretString};
use coffer_model::{InputValue, Storage};
use coffer_store_sqlite::SqliteStore;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn service(dir: &std::path::Path) -> Service {
    let (kr, _) = LocalKeyFile::open_or_create(&dir.join("master.key")).expect("key");
    let svc = Service::new(
        Box::new(SqliteStore::open(&dir.join("coffer.db")).expect("db")),
        Box::new(kr),
    );
    for p in ["bench", "bench-tmp", "p"] {
        svc.create_project(&Caller::local(), p).expect("project");
    }
    svc
}

fn req(name: String, storage: Storage) -> CreateRequest {
    CreateRequest {
        scopes: vec![format!("s3://bucket-{name}/")],
        name: Some(name),
        secret_type: "s3".into(),
        provider: None,
        storage,
        on_conflict: OnConflict::Error,
        values: vec![
            ("key_id".into(), InputValue::Text(SecretString::from("AKIAEXAMPLE"))),
            (
                "secret".into(),
                InputValue::Text(SecretString::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
            ),
            ("region".into(), InputValue::Text(SecretString::from("us-east-1"))),
        ],
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = service(dir.path());
    let actor = &Caller::local();
    let n = AtomicU64::new(0);
    let mut g = c.benchmark_group("store");
    g.sample_size(30);
    g.throughput(Throughput::Elements(1));
    g.bench_function("create persistent (seal + SQLite commit)", |b| {
        b.iter_batched(
            || req(format!("s{}", n.fetch_add(1, Ordering::Relaxed)), Storage::Coffer),
            |r| svc.create_secret(actor, "bench", r).expect("create"),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("create temporary (validate only)", |b| {
        // A project keeps at most MAX_TEMPORARY_SECRETS in memory: each create reuses one of
        // 500 names, dropped first, outside the measured time.
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for i in 0..iters {
                let name = format!("t{}", i % 500);
                svc.drop_secret(actor, "bench-tmp", &name, true, Some(Storage::Memory))
                    .expect("drop");
                let r = req(name, Storage::Memory);
                let started = Instant::now();
                black_box(svc.create_secret(actor, "bench-tmp", r).expect("create"));
                spent += started.elapsed();
            }
            spent
        })
    });
    g.bench_function("use persistent (unwrap + decrypt + audit event)", |b| {
        let item = [("s0".to_string(), None)];
        b.iter(|| svc.use_secrets(actor, "bench", &item, "bench").expect("use"))
    });

    // Listing 1,000 secrets.
    let list_dir = tempfile::tempdir().expect("tempdir");
    let list_svc = service(list_dir.path());
    for i in 0..1000 {
        list_svc
            .create_secret(actor, "p", req(format!("l{i:04}"), Storage::Coffer))
            .expect("create");
    }
    g.throughput(Throughput::Elements(1000));
    g.bench_function("list 1000 secrets", |b| {
        b.iter(|| assert_eq!(list_svc.list_secrets(&Caller::local(), "p").expect("list").len(), 1000))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
