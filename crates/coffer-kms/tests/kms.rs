//! The KMS keyring against a real KMS API: moto's server on 127.0.0.1 (`COFFER_TEST_MOTO`, the
//! path of `moto_server`; scripts/test.sh installs it). Each test starts its own server.

use coffer_crypto::envelope::{open, seal};
use coffer_crypto::{CryptoError, Keyring, LocalKeyFile, Sealed};
use coffer_kms::{KmsConfig, KmsKeyring};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

mod common;
use common::{free_port, Admin, Moto, REGION};

fn config(key: &str, url: &str, ttl: Duration) -> KmsConfig {
    let mut c = KmsConfig::new(key);
    c.endpoint_url = Some(url.to_string());
    c.region = Some(REGION.to_string());
    c.cache_ttl = ttl;
    c.connect_timeout = Duration::from_secs(1);
    c.operation_timeout = Duration::from_secs(5);
    c.max_attempts = 1;
    c
}

fn keyring(key: &str, url: &str, ttl: Duration) -> KmsKeyring {
    KmsKeyring::new(config(key, url, ttl)).expect("keyring")
}

const AAD: &[u8] = b"proj/prod-s3/s3/1/{}";
const VALUE: &[u8] = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

#[test]
fn seal_open_round_trip_and_integrity() {
    let Some(moto) = Moto::start() else { return };
    let admin = Admin::new(&moto.url());
    let (key, arn) = admin.create_key();
    admin.alias("alias/coffer-test", &key);

    for configured in [key.as_str(), arn.as_str(), "alias/coffer-test"] {
        let kr = keyring(configured, &moto.url(), Duration::ZERO);
        assert_eq!(kr.current_key_id(), format!("kms:{configured}"));
        let sealed = seal(&kr, AAD, VALUE).expect("seal");
        // The stored key id is the key's ARN, whatever name was configured.
        assert_eq!(sealed.wrapped_key.key_id, format!("kms:{arn}"));
        assert!(!sealed.wrapped_key.blob.is_empty());
        let back = open(&kr, AAD, &sealed).expect("open");
        assert_eq!(back.expose_secret(), VALUE);

        // Another secret's context: the wrapped key does not open (KMS refuses it).
        let (_dek, wrapped) = kr.generate_data_key(AAD).expect("generate");
        assert!(matches!(
            kr.decrypt_data_key(&wrapped, b"proj/other/s3/1/{}"),
            Err(CryptoError::Integrity)
        ));
        assert!(matches!(
            open(&kr, b"proj/prod-s3/s3/2/{}", &sealed),
            Err(CryptoError::Integrity)
        ));
        // A tampered wrapped key.
        let mut tampered = sealed.clone();
        let last = tampered.wrapped_key.blob.len() - 1;
        tampered.wrapped_key.blob[last] ^= 0x01;
        assert!(matches!(open(&kr, AAD, &tampered), Err(CryptoError::Integrity)));
        // Not a KMS key id.
        let mut local = sealed.clone();
        local.wrapped_key.key_id = "local:1".into();
        assert!(matches!(open(&kr, AAD, &local), Err(CryptoError::UnknownKey(k)) if k == "local:1"));
    }

    // Two data keys are never the same.
    let kr = keyring(&key, &moto.url(), Duration::ZERO);
    let (a, wa) = kr.generate_data_key(AAD).expect("a");
    let (b, wb) = kr.generate_data_key(AAD).expect("b");
    assert_ne!(a.expose_secret(), b.expose_secret());
    assert_ne!(wa.blob, wb.blob);
    assert_eq!(
        kr.decrypt_data_key(&wa, AAD).expect("unwrap a").expose_secret(),
        a.expose_secret()
    );
}

#[test]
fn nonexistent_key_is_a_clear_error() {
    let Some(moto) = Moto::start() else { return };
    let missing = "11111111-2222-3333-4444-555555555555";
    for key in [missing, "alias/no-such-alias"] {
        let kr = keyring(key, &moto.url(), Duration::ZERO);
        let err = seal(&kr, AAD, VALUE).expect_err("no such key");
        let msg = err.to_string();
        assert!(
            matches!(&err, CryptoError::KeyService { kind, .. } if *kind == io::ErrorKind::NotFound),
            "{err:?}"
        );
        assert!(msg.contains(key), "{msg}");
        assert!(
            msg.contains("GenerateDataKey failed: the KMS key does not exist"),
            "{msg}"
        );
    }
}

#[test]
fn disabled_key_fails_clearly_and_nothing_is_lost() {
    let Some(moto) = Moto::start() else { return };
    let admin = Admin::new(&moto.url());
    let (key, arn) = admin.create_key();
    // moto records DisableKey but still generates and decrypts with a disabled key, so while
    // the key is disabled a proxy answers as AWS KMS does: HTTP 400 DisabledException.
    let proxy = Proxy::new(moto.port);
    let kr = keyring(&key, &proxy.url(), Duration::ZERO);
    let sealed = seal(&kr, AAD, VALUE).expect("seal");

    admin.disable(&key);
    proxy.inject(Some(("DisabledException", &format!("{arn} is disabled."))));
    let err = seal(&kr, AAD, VALUE).expect_err("disabled: generate");
    let msg = err.to_string();
    assert!(msg.contains(&key) && msg.contains("the KMS key is disabled"), "{msg}");
    assert!(msg.contains("DisabledException"), "{msg}");
    let err = open(&kr, AAD, &sealed).expect_err("disabled: decrypt");
    let msg = err.to_string();
    assert!(
        msg.contains(&arn) && msg.contains("Decrypt failed: the KMS key is disabled"),
        "{msg}"
    );
    assert!(
        matches!(&err, CryptoError::KeyService { kind, .. } if *kind == io::ErrorKind::PermissionDenied),
        "{err:?}"
    );

    admin.enable(&key);
    proxy.inject(None);
    assert_eq!(open(&kr, AAD, &sealed).expect("open again").expose_secret(), VALUE);
    seal(&kr, AAD, VALUE).expect("seal again");
}

#[test]
fn access_denied_is_a_clear_error() {
    let Some(moto) = Moto::start() else { return };
    let admin = Admin::new(&moto.url());
    let (key, arn) = admin.create_key();
    let (_other, other_arn) = admin.create_key();
    let proxy = Proxy::new(moto.port);
    let kr = keyring(&key, &proxy.url(), Duration::ZERO);
    let sealed = seal(&kr, AAD, VALUE).expect("seal");

    // As AWS answers a principal without kms:GenerateDataKey / kms:Decrypt.
    let denied =
        format!("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: kms:Decrypt on resource: {arn}");
    proxy.inject(Some(("AccessDeniedException", &denied)));
    for err in [
        seal(&kr, AAD, VALUE).expect_err("denied: generate"),
        open(&kr, AAD, &sealed).expect_err("denied: decrypt"),
    ] {
        let msg = err.to_string();
        assert!(msg.contains(&key) || msg.contains(&arn), "{msg}");
        assert!(msg.contains("access denied: check the AWS credentials"), "{msg}");
        assert!(msg.contains("not authorized to perform"), "{msg}");
        assert!(
            matches!(&err, CryptoError::KeyService { kind, .. } if *kind == io::ErrorKind::PermissionDenied),
            "{err:?}"
        );
    }
    proxy.inject(None);

    // The stored key id names another key than the one that wrapped the blob: AWS answers
    // IncorrectKeyException (Integrity), moto AccessDeniedException; either way it never opens.
    let mut moved = sealed.clone();
    moved.wrapped_key.key_id = format!("kms:{other_arn}");
    let err = open(&kr, AAD, &moved).expect_err("wrong key id");
    let msg = err.to_string();
    assert!(
        matches!(err, CryptoError::Integrity) || (msg.contains(&other_arn) && msg.contains("access denied")),
        "{msg}"
    );
    assert_eq!(open(&kr, AAD, &sealed).expect("open").expose_secret(), VALUE);
}

/// A TCP proxy that can be taken down (its port closed, its connections cut) and up again,
/// to simulate a KMS outage without losing moto's in-memory keys.
struct Proxy {
    port: u16,
    listener: Arc<Mutex<Option<TcpListener>>>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    /// When set, every request is answered with this KMS error (`__type`, message) instead.
    inject: Arc<Mutex<Option<(String, String)>>>,
}

impl Proxy {
    fn new(target: u16) -> Proxy {
        let port = free_port();
        let p = Proxy {
            port,
            listener: Arc::new(Mutex::new(None)),
            conns: Arc::new(Mutex::new(Vec::new())),
            stop: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            inject: Arc::new(Mutex::new(None)),
        };
        p.up();
        let (listener, conns, stop, inject) = (p.listener.clone(), p.conns.clone(), p.stop.clone(), p.inject.clone());
        thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let accepted = listener.lock().expect("lock").as_ref().and_then(|l| l.accept().ok());
                match accepted {
                    Some((client, _)) => {
                        client.set_nonblocking(false).expect("blocking");
                        if let Some((code, message)) = inject.lock().expect("lock").clone() {
                            thread::spawn(move || answer_error(client, &code, &message));
                            continue;
                        }
                        let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                            continue;
                        };
                        {
                            let mut c = conns.lock().expect("lock");
                            c.push(client.try_clone().expect("clone"));
                            c.push(server.try_clone().expect("clone"));
                        }
                        pipe(client.try_clone().expect("clone"), server.try_clone().expect("clone"));
                        pipe(server, client);
                    }
                    None => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        p
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn up(&self) {
        // While it was down another socket of the machine (a parallel test's) may hold the port
        // for a moment: try again for a while.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let l = loop {
            match TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(l) => break l,
                Err(e) if std::time::Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => panic!("rebind proxy port {}: {e}", self.port),
            }
        };
        l.set_nonblocking(true).expect("nonblocking");
        *self.listener.lock().expect("lock") = Some(l);
    }

    /// Answers every request with the KMS error `code` (as AWS KMS sends it), or forwards
    /// again with `None`. Cuts open connections.
    fn inject(&self, error: Option<(&str, &str)>) {
        *self.inject.lock().expect("lock") = error.map(|(c, m)| (c.to_string(), m.to_string()));
        for c in self.conns.lock().expect("lock").drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    fn down(&self) {
        self.listener.lock().expect("lock").take();
        for c in self.conns.lock().expect("lock").drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
        assert!(TcpStream::connect(("127.0.0.1", self.port)).is_err());
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.down();
    }
}

/// Reads one HTTP request and answers it with a KMS JSON error, as AWS KMS does.
fn answer_error(mut conn: TcpStream, code: &str, message: &str) {
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    let header_end = loop {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
        if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&req[..header_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while req.len() < header_end + len {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let body = format!(r#"{{"__type":"{code}","message":"{message}"}}"#);
    let resp = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\n\
         x-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.write_all(resp.as_bytes());
    let _ = conn.shutdown(Shutdown::Both);
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    thread::spawn(move || {
        let mut buf = [0u8; 16384];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

#[test]
fn unreachable_kms_fails_fast_and_recovers() {
    let Some(moto) = Moto::start() else { return };
    let admin = Admin::new(&moto.url());
    let (key, _arn) = admin.create_key();

    // Nothing listens on this port at all.
    let closed = format!("http://127.0.0.1:{}", free_port());
    let kr = keyring(&key, &closed, Duration::ZERO);
    let t = Instant::now();
    let err = seal(&kr, AAD, VALUE).expect_err("unreachable");
    let msg = err.to_string();
    assert!(t.elapsed() < Duration::from_secs(5), "took {:?}", t.elapsed());
    assert!(
        msg.contains(&key) && msg.contains(&format!("KMS at {closed} is unreachable")),
        "{msg}"
    );

    // An outage of a KMS that worked: fails fast while down, the same keyring opens when back.
    let proxy = Proxy::new(moto.port);
    let kr = keyring(&key, &proxy.url(), Duration::ZERO);
    let sealed = seal(&kr, AAD, VALUE).expect("seal");
    proxy.down();
    let t = Instant::now();
    let err = open(&kr, AAD, &sealed).expect_err("down");
    assert!(t.elapsed() < Duration::from_secs(5), "took {:?}", t.elapsed());
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("Decrypt failed: KMS at {} is unreachable", proxy.url())),
        "{msg}"
    );
    assert!(
        matches!(&err, CryptoError::KeyService { kind, .. } if *kind == io::ErrorKind::ConnectionRefused),
        "{err:?}"
    );
    proxy.up();
    assert_eq!(open(&kr, AAD, &sealed).expect("back").expose_secret(), VALUE);
}

#[test]
fn cache_serves_decrypts_without_kms_for_its_ttl() {
    let Some(mut moto) = Moto::start() else { return };
    let admin = Admin::new(&moto.url());
    let (key, _arn) = admin.create_key();
    let cached = keyring(&key, &moto.url(), Duration::from_secs(300));
    let short = keyring(&key, &moto.url(), Duration::from_millis(300));
    let uncached = keyring(&key, &moto.url(), Duration::ZERO);
    let sealed = seal(&cached, AAD, VALUE).expect("seal");
    for kr in [&cached, &short, &uncached] {
        assert_eq!(open(kr, AAD, &sealed).expect("open").expose_secret(), VALUE);
    }
    assert_eq!(cached.cached_keys(), 1);
    assert_eq!(uncached.cached_keys(), 0);
    // A wrong context is not served from the cache.
    assert!(open(&cached, b"other", &sealed).is_err());

    moto.stop();
    // KMS is gone: the cached data key still opens, without a KMS call.
    assert_eq!(open(&cached, AAD, &sealed).expect("cached").expose_secret(), VALUE);
    assert!(open(&cached, b"other", &sealed).is_err());
    // No cache: needs KMS, fails.
    let err = open(&uncached, AAD, &sealed).expect_err("no cache, no KMS");
    assert!(err.to_string().contains("unreachable"), "{err}");
    // An expired entry needs KMS again.
    thread::sleep(Duration::from_millis(400));
    assert!(open(&short, AAD, &sealed).is_err());
    // Clearing the cache forgets the keys.
    cached.clear_cache();
    assert!(open(&cached, AAD, &sealed).is_err());
}

#[test]
fn callable_from_inside_another_tokio_runtime() {
    let Some(moto) = Moto::start() else { return };
    let admin = Admin::new(&moto.url());
    let (key, _arn) = admin.create_key();
    let url = moto.url();
    let outer = tokio::runtime::Runtime::new().expect("outer runtime");
    outer.block_on(async move {
        // Built inside the runtime, used from its blocking pool (as coffer serve does).
        let kr = Arc::new(keyring(&key, &url, Duration::from_secs(60)));
        let k = kr.clone();
        let sealed = tokio::task::spawn_blocking(move || seal(k.as_ref(), AAD, VALUE).expect("seal in blocking pool"))
            .await
            .expect("join");
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let k = kr.clone();
            let s = sealed.clone();
            tasks.push(tokio::task::spawn_blocking(move || {
                let (_dek, w) = k.generate_data_key(AAD).expect("generate");
                k.decrypt_data_key(&w, AAD).expect("decrypt");
                open(k.as_ref(), AAD, &s).expect("open").expose_secret().to_vec()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.expect("join"), VALUE);
        }
        // Dropped inside the async context: must not panic.
        drop(kr);
    });
}

#[test]
fn wrap_data_key_moves_local_data_keys_into_kms() {
    let Some(moto) = Moto::start() else { return };
    let admin = Admin::new(&moto.url());
    let (key, arn) = admin.create_key();
    admin.alias("alias/coffer-move", &key);
    let dir = tempfile::tempdir().expect("tempdir");
    let (local, created) = LocalKeyFile::open_or_create(&dir.path().join("master.key")).expect("key file");
    assert!(created);
    let sealed = seal(&local, AAD, VALUE).expect("seal locally");
    assert_eq!(sealed.wrapped_key.key_id, "local:1");

    for configured in [key.as_str(), "alias/coffer-move"] {
        let kms = keyring(configured, &moto.url(), Duration::ZERO);
        // The data key of a locally sealed value, wrapped again by KMS: the value itself is
        // not re-encrypted.
        let dek = local.decrypt_data_key(&sealed.wrapped_key, AAD).expect("local unwrap");
        let wrapped = kms.wrap_data_key(&dek, AAD).expect("Encrypt");
        assert_eq!(wrapped.key_id, format!("kms:{arn}"));
        assert!(!wrapped.blob.is_empty());
        assert_ne!(wrapped.blob, sealed.wrapped_key.blob);
        assert_eq!(
            kms.decrypt_data_key(&wrapped, AAD)
                .expect("KMS Decrypt")
                .expose_secret(),
            dek.expose_secret()
        );
        // Another keyring of the same key (no shared cache) opens the moved value.
        let other = keyring(&arn, &moto.url(), Duration::ZERO);
        let moved = Sealed {
            wrapped_key: wrapped.clone(),
            ..sealed.clone()
        };
        assert_eq!(open(&other, AAD, &moved).expect("open moved").expose_secret(), VALUE);
        // The context binds the KMS-wrapped key as it bound the local one.
        assert!(matches!(
            kms.decrypt_data_key(&wrapped, b"proj/other/s3/1/{}"),
            Err(CryptoError::Integrity)
        ));
        assert!(matches!(
            open(&other, b"proj/prod-s3/s3/2/{}", &moved),
            Err(CryptoError::Integrity)
        ));
        // The local keyring does not know the KMS key id.
        assert!(matches!(
            local.decrypt_data_key(&wrapped, AAD),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    // A key that does not exist: a clear error naming it.
    let missing = keyring("alias/no-such-alias", &moto.url(), Duration::ZERO);
    let dek = local.decrypt_data_key(&sealed.wrapped_key, AAD).expect("local unwrap");
    let err = missing.wrap_data_key(&dek, AAD).expect_err("no such key");
    let msg = err.to_string();
    assert!(
        matches!(&err, CryptoError::KeyService { kind, .. } if *kind == io::ErrorKind::NotFound),
        "{err:?}"
    );
    assert!(
        msg.contains("alias/no-such-alias") && msg.contains("Encrypt failed: the KMS key does not exist"),
        "{msg}"
    );
}

#[test]
fn rewrap_moves_data_keys_from_one_kms_key_to_another() {
    let Some(moto) = Moto::start() else { return };
    let admin = Admin::new(&moto.url());
    let (key_a, arn_a) = admin.create_key();
    let (key_b, arn_b) = admin.create_key();
    let kr_a = keyring(&key_a, &moto.url(), Duration::ZERO);
    let kr_b = keyring(&key_b, &moto.url(), Duration::ZERO);
    let sealed = seal(&kr_a, AAD, VALUE).expect("seal under A");
    assert_eq!(sealed.wrapped_key.key_id, format!("kms:{arn_a}"));
    let dek = kr_a.decrypt_data_key(&sealed.wrapped_key, AAD).expect("A");

    let re = kr_b.rewrap(&sealed.wrapped_key, AAD).expect("ReEncrypt A -> B");
    assert_eq!(re.key_id, format!("kms:{arn_b}"));
    assert_ne!(re.blob, sealed.wrapped_key.blob);
    // The same data key, now under B: a fresh keyring of B opens it and the value.
    let fresh_b = keyring(&arn_b, &moto.url(), Duration::from_secs(60));
    assert_eq!(
        fresh_b
            .decrypt_data_key(&re, AAD)
            .expect("open under B")
            .expose_secret(),
        dek.expose_secret()
    );
    let moved = Sealed {
        wrapped_key: re.clone(),
        ..sealed.clone()
    };
    assert_eq!(open(&fresh_b, AAD, &moved).expect("open value").expose_secret(), VALUE);
    // Not with a wrong context, and not as if A had wrapped it.
    assert!(matches!(
        kr_b.decrypt_data_key(&re, b"proj/other/s3/1/{}"),
        Err(CryptoError::Integrity)
    ));
    let mut as_a = re.clone();
    as_a.key_id = format!("kms:{arn_a}");
    assert!(kr_a.decrypt_data_key(&as_a, AAD).is_err());
    // The original stays valid under A (rewrap does not consume it).
    assert_eq!(open(&kr_a, AAD, &sealed).expect("A still opens").expose_secret(), VALUE);

    // Rewrapping with a wrong context fails as an integrity error; nothing comes out.
    assert!(matches!(
        kr_b.rewrap(&sealed.wrapped_key, b"proj/other/s3/1/{}"),
        Err(CryptoError::Integrity)
    ));
    // Rewrapping under the same key (rotation of A) gives a new blob of the same data key.
    let again = kr_a.rewrap(&sealed.wrapped_key, AAD).expect("ReEncrypt A -> A");
    assert_eq!(again.key_id, format!("kms:{arn_a}"));
    assert_eq!(
        kr_a.decrypt_data_key(&again, AAD).expect("open").expose_secret(),
        dek.expose_secret()
    );
    // A tampered blob, a local key id, an empty blob.
    let mut tampered = sealed.wrapped_key.clone();
    let last = tampered.blob.len() - 1;
    tampered.blob[last] ^= 0x01;
    assert!(matches!(kr_b.rewrap(&tampered, AAD), Err(CryptoError::Integrity)));
    let local = coffer_crypto::keyring::WrappedKey {
        key_id: "local:1".into(),
        blob: vec![1; 60],
    };
    assert!(matches!(kr_b.rewrap(&local, AAD), Err(CryptoError::UnknownKey(k)) if k == "local:1"));
    let empty = coffer_crypto::keyring::WrappedKey {
        key_id: format!("kms:{arn_a}"),
        blob: Vec::new(),
    };
    assert!(matches!(kr_b.rewrap(&empty, AAD), Err(CryptoError::Integrity)));
}

#[test]
fn wrap_and_rewrap_access_denied_name_the_permissions() {
    let Some(moto) = Moto::start() else { return };
    let admin = Admin::new(&moto.url());
    let (key, _arn) = admin.create_key();
    let proxy = Proxy::new(moto.port);
    let kr = keyring(&key, &proxy.url(), Duration::ZERO);
    let (dek, wrapped) = kr.generate_data_key(AAD).expect("generate");
    proxy.inject(Some(("AccessDeniedException", "User: ci is not authorized")));
    let err = kr.wrap_data_key(&dek, AAD).expect_err("denied: Encrypt");
    let msg = err.to_string();
    assert!(
        msg.contains("Encrypt failed: access denied") && msg.contains("allows kms:Encrypt"),
        "{msg}"
    );
    let err = kr.rewrap(&wrapped, AAD).expect_err("denied: ReEncrypt");
    let msg = err.to_string();
    assert!(
        msg.contains("ReEncrypt from") && msg.contains("kms:ReEncryptFrom") && msg.contains("kms:ReEncryptTo"),
        "{msg}"
    );
    assert!(
        matches!(&err, CryptoError::KeyService { kind, .. } if *kind == io::ErrorKind::PermissionDenied),
        "{err:?}"
    );
    proxy.inject(None);
    assert!(kr.rewrap(&wrapped, AAD).is_ok());
}
