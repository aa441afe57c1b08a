//! `LIKE` over hostile inputs: texts of 1, 2 and 4 MiB against patterns of about 4 KiB. The
//! time must grow linearly with the text (twice the text, twice the time). The former
//! backtracking matcher took time proportional to text × pattern on the first two.
//!
//! - `long_segment`: text `aaa…a`, pattern `%a…a(4095)b%`: no match, found out by scanning.
//! - `long_wild_segment`: text `aaa…a`, pattern `%a_a_…(4096)b%` (`_` inside the segment).
//! - `many_percent`: text `aaa…a`, pattern `%a_a%a_a%…%b%`: 1,024 segments, the last one absent.
//! - `ilike_many_percent`: the same with `ILIKE` over `AaAa…`.
//!
//! Run: `cargo bench -p coffer-sql --bench like`.

use coffer_sql::query::like;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;

const SIZES: [usize; 3] = [1 << 20, 2 << 20, 4 << 20];

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("like");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    let patterns = [
        ("long_segment", format!("%{}b%", "a".repeat(4095)), false),
        ("long_wild_segment", format!("%{}b%", "a_".repeat(2048)), false),
        ("many_percent", format!("{}%b%", "%a_a".repeat(1024)), false),
        ("ilike_many_percent", format!("{}%B%", "%A_a".repeat(1024)), true),
    ];
    for size in SIZES {
        group.throughput(Throughput::Bytes(size as u64));
        let text = "a".repeat(size);
        let mixed = "Aa".repeat(size / 2);
        for (name, pattern, ci) in &patterns {
            let text = if *ci { &mixed } else { &text };
            group.bench_with_input(
                BenchmarkId::new(*name, format!("{}MiB", size >> 20)),
                text,
                |b, text| b.iter(|| assert!(!like(black_box(text), pattern, *ci))),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
