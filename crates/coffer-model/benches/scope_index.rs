//! `ScopeIndex::lookup` against DuckDB's linear scan (`linear_lookup`) with 100, 10 000 and
//! 100 000 s3 secrets.
//!
//! Secret `i` has the scope `s3://bucket-{i:06}/prefix/`; every 10th also has a nested secret
//! `s3://bucket-{i:06}/prefix/year=2024/`, and there is one catch-all secret with s3's default
//! scopes. Lookups ask for `s3://bucket-{k:06}/prefix/year=2024/file.parquet`, cycling `k`
//! over the buckets, so a third of them land on a nested secret.
//!
//! Run: `cargo bench -p coffer-model --bench scope_index`.

use coffer_model::scope::linear_lookup;
use coffer_model::{ScopeIndex, Storage};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;

const SIZES: [usize; 3] = [100, 10_000, 100_000];

struct Secret {
    name: String,
    storage: Storage,
    ty: &'static str,
    scopes: Vec<String>,
}

fn secrets(n: usize) -> Vec<Secret> {
    let mut out = Vec::with_capacity(n + n / 10 + 1);
    out.push(Secret {
        name: "catch-all".into(),
        storage: Storage::Coffer,
        ty: "s3",
        scopes: vec!["s3://".into(), "s3n://".into(), "s3a://".into()],
    });
    for i in 0..n {
        let storage = if i % 2 == 0 { Storage::Coffer } else { Storage::Memory };
        out.push(Secret {
            name: format!("bucket-{i:06}"),
            storage,
            ty: "s3",
            scopes: vec![format!("s3://bucket-{i:06}/prefix/")],
        });
        if i % 10 == 0 {
            out.push(Secret {
                name: format!("bucket-{i:06}-2024"),
                storage: Storage::Memory,
                ty: "s3",
                scopes: vec![format!("s3://bucket-{i:06}/prefix/year=2024/")],
            });
        }
    }
    out
}

/// 64 paths spread over the buckets; the k values hit nested secrets about a third of the time.
fn paths(n: usize) -> Vec<String> {
    (0..64)
        .map(|j| {
            let k = if j % 3 == 0 {
                (j * 7919 / 10 * 10) % n
            } else {
                (j * 7919 + 1) % n
            };
            format!("s3://bucket-{k:06}/prefix/year=2024/file.parquet")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("scope_lookup");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    for &n in &SIZES {
        let all = secrets(n);
        let mut index = ScopeIndex::new();
        for s in &all {
            index.upsert(&s.name, s.storage, s.ty, &s.scopes);
        }
        let paths = paths(n);
        // Both answer the same before anything is timed.
        for p in &paths {
            let linear = linear_lookup(
                all.iter()
                    .map(|s| (s.name.as_str(), s.storage, s.ty, s.scopes.as_slice())),
                p,
                "s3",
            );
            assert_eq!(index.lookup(p, "s3"), linear, "{p}");
            assert!(linear.is_some());
        }

        group.bench_with_input(BenchmarkId::new("index", n), &n, |b, _| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) % paths.len();
                black_box(index.lookup(black_box(&paths[i]), "s3"))
            });
        });
        group.bench_with_input(BenchmarkId::new("linear", n), &n, |b, _| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) % paths.len();
                black_box(linear_lookup(
                    all.iter()
                        .map(|s| (s.name.as_str(), s.storage, s.ty, s.scopes.as_slice())),
                    black_box(&paths[i]),
                    "s3",
                ))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
