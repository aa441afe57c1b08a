//! Throughput of [`MaskStream`] over run-log-like text, with 10 and 1,000 secrets.
//!
//! Secrets are random alphanumeric strings of 20–40 bytes (about 7,400 patterns for 1,000
//! secrets: each value, its hex and base64 forms and its base64 cores, deduplicated). The input is 16 MiB of log lines (timestamps, levels,
//! words, numbers); about one line in 200 contains a secret or its base64 form. It is pushed in
//! 64 KiB chunks through one stream, as a runner would push pipe reads.
//!
//! Also times building a [`Masker`] for 1,000 secrets.
//!
//! Run: `cargo bench -p coffer-model --bench mask`.

use base64::Engine as _;
use coffer_model::mask::Masker;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;

const INPUT_LEN: usize = 16 << 20;
const CHUNK: usize = 64 << 10;

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const WORDS: &[&str] = &[
    "INFO",
    "WARN",
    "DEBUG",
    "request",
    "completed",
    "in",
    "ms",
    "user",
    "id",
    "GET",
    "POST",
    "/api/v1/items",
    "status",
    "200",
    "connecting",
    "to",
    "database",
    "rows",
    "loaded",
    "from",
    "s3://bucket/prefix/file.parquet",
    "retry",
    "cache",
    "hit",
    "miss",
    "the",
    "query",
    "took",
];

fn secrets(rng: &mut Rng, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|_| {
            let len = 20 + rng.below(21);
            (0..len).map(|_| ALNUM[rng.below(ALNUM.len())]).collect()
        })
        .collect()
}

fn log_text(rng: &mut Rng, secrets: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(INPUT_LEN + 256);
    let mut line = 0u64;
    while out.len() < INPUT_LEN {
        line += 1;
        out.extend_from_slice(
            format!("2024-05-01T12:{:02}:{:02}.{:03}Z ", line % 60, line % 59, line % 1000).as_bytes(),
        );
        for _ in 0..(6 + rng.below(10)) {
            out.extend_from_slice(WORDS[rng.below(WORDS.len())].as_bytes());
            out.push(b' ');
            if rng.below(4) == 0 {
                out.extend_from_slice(rng.next().to_string().as_bytes());
                out.push(b' ');
            }
        }
        if rng.below(200) == 0 {
            let s = &secrets[rng.below(secrets.len())];
            out.extend_from_slice(b"token=");
            if rng.below(2) == 0 {
                out.extend_from_slice(s);
            } else {
                out.extend_from_slice(base64::engine::general_purpose::STANDARD.encode(s).as_bytes());
            }
        }
        out.push(b'\n');
    }
    out.truncate(INPUT_LEN);
    out
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("mask_stream");
    group.throughput(Throughput::Bytes(INPUT_LEN as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for n in [10usize, 1_000] {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
        let secrets = secrets(&mut rng, n);
        let text = log_text(&mut rng, &secrets);
        let masker = match Masker::new(&secrets) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        let mut out = Vec::with_capacity(INPUT_LEN + CHUNK);
        group.bench_with_input(BenchmarkId::new("secrets", n), &text, |b, text| {
            b.iter(|| {
                out.clear();
                let mut stream = masker.stream();
                for chunk in text.chunks(CHUNK) {
                    stream.push_into(black_box(chunk), &mut out);
                }
                stream.finish_into(&mut out);
                black_box(out.len())
            })
        });
    }
    group.finish();
}

/// Building the masker (automaton and prefilter) for 1,000 secrets, done once per run.
fn build(c: &mut Criterion) {
    let mut rng = Rng(7);
    let secrets = secrets(&mut rng, 1_000);
    let mut group = c.benchmark_group("mask_build");
    group.sample_size(10);
    group.bench_function("secrets/1000", |b| {
        b.iter(|| Masker::new(black_box(&secrets)).map(|m| m.patterns()))
    });
    group.finish();
}

criterion_group!(benches, bench, build);
criterion_main!(benches);
