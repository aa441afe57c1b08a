//! What the connection supervisor costs per `connect`, against a bare `connect` in the same
//! run: a child process (this binary, re-executed) opens and closes TCP connections to a
//! listener on 127.0.0.1 and reports how long they took, (1) bare, (2) under the Landlock
//! sandbox only, (3) under the sandbox and the connection supervisor (every connect a seccomp
//! notification answered by the supervisor, which connects the socket itself).
//!
//! `cargo bench -p coffer-sandbox --bench connect`

use coffer_sandbox::{apply, net, resolve_user, Policy};
use criterion::{criterion_group, Criterion};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

const CHILD: &str = "COFFER_BENCH_CONNECT_CHILD";

fn policy() -> Policy {
    let run_as = if coffer_sandbox::is_root() {
        resolve_user("nobody").ok()
    } else {
        None
    };
    Policy::system().with_run_as(run_as)
}

/// The child: `variant port n`; prints the nanoseconds `n` connects took.
fn child(spec: &str) {
    let mut parts = spec.split(' ');
    let variant = parts.next().unwrap_or_default().to_string();
    let port: u16 = parts.next().and_then(|p| p.parse().ok()).unwrap_or_default();
    let n: u64 = parts.next().and_then(|p| p.parse().ok()).unwrap_or_default();
    if variant != "bare" {
        apply(&policy()).expect("apply");
    }
    if variant == "supervised" {
        net::confine(&coffer_model::net::NetPolicy::standard()).expect("confine");
    }
    let start = Instant::now();
    for _ in 0..n {
        // The server closes first, so the TIME_WAIT entries stay on its side.
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let _ = std::io::Read::read(&mut s, &mut [0u8; 1]);
    }
    println!("{}", start.elapsed().as_nanos());
}

fn connects(c: &mut Criterion) {
    let exe = std::env::current_exe().expect("current_exe");
    let mut g = c.benchmark_group("connect");
    // Each connection leaves a TIME_WAIT entry: keep the total well under the ephemeral range,
    // one listener per variant.
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for variant in ["bare", "landlock", "supervised"] {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || for _ in listener.incoming() {});
        g.bench_function(variant, |b| {
            b.iter_custom(|iters| {
                let out = Command::new(&exe)
                    .env(CHILD, format!("{variant} {port} {iters}"))
                    .output()
                    .expect("child");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                let ns: u64 = String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .parse()
                    .expect("nanoseconds");
                Duration::from_nanos(ns)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, connects);

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
