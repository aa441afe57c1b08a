//! Envelope seal/open per second with the local key file and with the AWS KMS keyring (with
//! and without the data-key cache), side by side in one run; and the raw AES-256-GCM throughput
//! of the `aes-gcm` crate coffer seals with, to compare with `openssl speed -evp aes-256-gcm`.
//!
//! `cargo bench -p coffer-kms --bench keyring` (scripts/bench_keys.sh runs it, with openssl,
//! and prints the table). KMS is moto's server, started here from `COFFER_TEST_MOTO` (the path
//! of `moto_server`) on 127.0.0.1; without it the KMS cases are skipped with a message.
//!
//! Groups and ids (criterion's `target/criterion/<group>/<op>/<case>/new/estimates.json`):
//! - `keyring/{seal,open}/{local,kms-cache,kms-nocache}`: one 64-byte secret, 100-byte AAD.
//!   `kms-cache` opens the same sealed value over and over, so every open after the first is a
//!   cache hit; seal always calls KMS `GenerateDataKey` (the cache holds unwrapped keys only).
//! - `aes-256-gcm/{encrypt,decrypt}/{16KiB,1MiB}`: in place, key schedule done once, bytes/s.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use coffer_crypto::envelope::{open, seal};
use coffer_crypto::{Keyring, LocalKeyFile};
use coffer_kms::{KmsConfig, KmsKeyring};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

#[path = "../tests/common/mod.rs"]
mod common;
use common::{Admin, Moto, REGION};

/// A realistic secret value (an S3 secret key and a bit more).
const VALUE: &[u8; 64] = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+session-0123456789abcde";

/// A realistic envelope AAD: project, name, type, version and clear metadata, ~100 bytes.
fn aad() -> Vec<u8> {
    let aad = b"coffer-aad 1\0prod-analytics\0warehouse-s3-readonly\0s3\0v7\0{\"region\":\"eu-west-1\",\"scope\":\"s3://bkt/\"}".to_vec();
    assert!((90..=110).contains(&aad.len()), "AAD is {} bytes", aad.len());
    aad
}

fn kms_keyring(key: &str, url: &str, ttl: Duration) -> KmsKeyring {
    let mut c = KmsConfig::new(key);
    c.endpoint_url = Some(url.to_string());
    c.region = Some(REGION.to_string());
    c.cache_ttl = ttl;
    c.max_attempts = 1;
    KmsKeyring::new(c).expect("KMS keyring")
}

fn keyrings(c: &mut Criterion) {
    let aad = aad();
    let dir = tempfile::tempdir().expect("tempdir");
    let (local, _) = LocalKeyFile::open_or_create(&dir.path().join("master.key")).expect("key file");

    // moto (and the keyrings that call it) live as long as the group.
    // Checked here, not only in Moto::start (which fails in CI without it): a benchmark skips.
    let moto = match std::env::var_os("COFFER_TEST_MOTO") {
        Some(v) if !v.is_empty() => Moto::start(),
        _ => None,
    };
    let mut cases: Vec<(&str, Box<dyn Keyring>)> = vec![("local", Box::new(local))];
    match &moto {
        Some(m) => {
            let (key, _arn) = Admin::new(&m.url()).create_key();
            cases.push((
                "kms-cache",
                Box::new(kms_keyring(&key, &m.url(), Duration::from_secs(300))),
            ));
            cases.push(("kms-nocache", Box::new(kms_keyring(&key, &m.url(), Duration::ZERO))));
        }
        None => eprintln!(
            "\nbench keyring: COFFER_TEST_MOTO is not set (path of moto_server): \
             the KMS keyring cases are SKIPPED; only the local key file is measured.\n"
        ),
    }

    let mut g = c.benchmark_group("keyring");
    g.sample_size(20);
    g.throughput(Throughput::Elements(1));
    for (name, kr) in &cases {
        let kr: &dyn Keyring = kr.as_ref();
        g.bench_function(BenchmarkId::new("seal", name), |b| {
            b.iter(|| seal(kr, black_box(&aad), black_box(VALUE)).expect("seal"))
        });
        let sealed = seal(kr, &aad, VALUE).expect("seal");
        g.bench_function(BenchmarkId::new("open", name), |b| {
            b.iter(|| open(kr, black_box(&aad), black_box(&sealed)).expect("open"))
        });
    }
    g.finish();
    drop(cases);
    drop(moto);
}

fn aes_gcm(c: &mut Criterion) {
    let cipher = Aes256Gcm::new_from_slice(&[7u8; 32]).expect("key");
    let nonce = Nonce::from_slice(&[1u8; 12]);
    let aad = aad();
    let mut g = c.benchmark_group("aes-256-gcm");
    for (label, size) in [("16KiB", 16 * 1024), ("1MiB", 1024 * 1024)] {
        g.throughput(Throughput::Bytes(size as u64));
        let mut buf = vec![0x5au8; size];
        g.bench_function(BenchmarkId::new("encrypt", label), |b| {
            b.iter(|| {
                cipher
                    .encrypt_in_place_detached(nonce, &aad, black_box(&mut buf))
                    .expect("encrypt")
            })
        });
        // A valid ciphertext and tag; each iteration decrypts a fresh copy (copied untimed).
        let mut ct = vec![0x5au8; size];
        let tag: Tag = cipher.encrypt_in_place_detached(nonce, &aad, &mut ct).expect("encrypt");
        g.bench_function(BenchmarkId::new("decrypt", label), |b| {
            b.iter_batched_ref(
                || ct.clone(),
                |buf| {
                    cipher
                        .decrypt_in_place_detached(nonce, &aad, black_box(buf), &tag)
                        .expect("decrypt")
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    // Short by default; the command line (--warm-up-time, --measurement-time) still overrides.
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = keyrings, aes_gcm
}
criterion_main!(benches);
