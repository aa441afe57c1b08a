//! Hostile inputs of 1, 2 and 4 MiB through the template scanner and the dotenv parser and
//! writer: the time must grow linearly with the size (twice the input, twice the time).
//!
//! - `template/one_line` and `template/lines`: `{{ secret('A') }}` repeated on one line and one
//!   per line (the positions of the templates were once recounted from the start for each).
//! - `dotenv/parse` and `dotenv/render`: `K<i>=v` lines of distinct keys, then every key again
//!   (a repeated key was once looked up by a search of every earlier entry).
//! - `dotenv/parse_encoded`: the same keys in Kestra's `.env_encoded` form.
//!
//! Run: `cargo bench -p coffer-model --bench hostile`.

use coffer_crypto::SecretString;
use coffer_model::{dotenv, template, ModelError};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;

const SIZES: [usize; 3] = [1 << 20, 2 << 20, 4 << 20];

fn mib(n: usize) -> String {
    format!("{}MiB", n >> 20)
}

/// `unit` repeated to `len` bytes.
fn fill(unit: &str, len: usize) -> String {
    unit.repeat(len / unit.len())
}

/// Distinct keys, each assigned twice, to `len` bytes.
fn dotenv_text(len: usize, line: impl Fn(usize) -> String) -> String {
    let mut keys = Vec::new();
    let mut size = 0;
    while size < len / 2 {
        let l = line(keys.len());
        size += l.len();
        keys.push(l);
    }
    let mut out = keys.concat();
    out.push_str(&keys.concat());
    out
}

fn templates(c: &mut Criterion) {
    let mut group = c.benchmark_group("template");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    for size in SIZES {
        group.throughput(Throughput::Bytes(size as u64));
        for (name, unit) in [("one_line", "{{ secret('A') }} "), ("lines", "{{ secret('A') }}\n")] {
            let text = fill(unit, size);
            group.bench_with_input(BenchmarkId::new(name, mib(size)), &text, |b, text| {
                b.iter(|| template::refs(black_box(text), "bench").expect("valid").len())
            });
        }
        let text = fill("{{ secret('A', 'k') }} ", size);
        group.bench_with_input(BenchmarkId::new("render", mib(size)), &text, |b, text| {
            b.iter(|| {
                template::render::<ModelError>(black_box(text), "bench", |_| Ok("value".into()))
                    .expect("valid")
                    .len()
            })
        });
    }
    group.finish();
}

fn dotenv_files(c: &mut Criterion) {
    let mut group = c.benchmark_group("dotenv");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    for size in SIZES {
        group.throughput(Throughput::Bytes(size as u64));
        let text = dotenv_text(size, |i| format!("K{i}=v\n"));
        group.bench_with_input(BenchmarkId::new("parse", mib(size)), &text, |b, text| {
            b.iter(|| dotenv::parse(black_box(text)).expect("valid").len())
        });
        let pairs: Vec<(String, SecretString)> = dotenv::parse(&text).expect("valid");
        group.bench_with_input(BenchmarkId::new("render", mib(size)), &pairs, |b, pairs| {
            b.iter(|| dotenv::render(black_box(pairs)).expect("renders").len())
        });
        let text = dotenv_text(size, |i| format!("SECRET_K{i}=dg==\n"));
        group.bench_with_input(BenchmarkId::new("parse_encoded", mib(size)), &text, |b, text| {
            b.iter(|| dotenv::parse_encoded(black_box(text)).expect("valid").len())
        });
    }
    group.finish();
}

criterion_group!(benches, templates, dotenv_files);
criterion_main!(benches);
