//! The endpoint's state: what it runs on, its TLS, the connection counts, and the connections
//! cancel requests can reach.

use crate::config::{PgBackend, PgConfig};
use crate::conn::{lock, Conn};
use crate::errors::fatal;
use pgwire::api::RandomPidSecretKeyGenerator;
use pgwire::error::PgWireResult;
use pgwire::messages::startup::SecretKey;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};

/// The PostgreSQL endpoint.
pub struct PgEndpoint {
    pub(crate) backend: PgBackend,
    pub(crate) config: PgConfig,
    pub(crate) tls: Option<tokio_rustls::TlsAcceptor>,
    counts: Mutex<HashMap<String, usize>>,
    /// Signed-in connections by the process id their cancel requests name.
    cancellable: Mutex<HashMap<i32, (SecretKey, Weak<Conn>)>>,
    /// One process id per connection, across all of them.
    pub(crate) pids: Arc<RandomPidSecretKeyGenerator>,
}

impl PgEndpoint {
    /// The endpoint over `backend`; reads the TLS files of `config`.
    ///
    /// # Errors
    /// A TLS file that cannot be read or used, said with its path.
    pub fn new(backend: PgBackend, config: PgConfig) -> Result<Arc<Self>, String> {
        let tls = match &config.tls {
            Some(files) => Some(tls_acceptor(files)?),
            None => None,
        };
        Ok(Arc::new(PgEndpoint {
            backend,
            config,
            tls,
            counts: Mutex::new(HashMap::new()),
            cancellable: Mutex::new(HashMap::new()),
            pids: Arc::new(RandomPidSecretKeyGenerator::default()),
        }))
    }

    /// Counts a connection of `identity`, or refuses it (53300) at a limit.
    pub(crate) fn admit(&self, identity: &str) -> PgWireResult<()> {
        let mut counts = lock(&self.counts);
        let total: usize = counts.values().sum();
        if total >= self.config.max_connections {
            return Err(fatal(
                "53300",
                format!(
                    "too many connections: the endpoint allows {} at once",
                    self.config.max_connections
                ),
            ));
        }
        let mine = counts.entry(identity.to_string()).or_default();
        if *mine >= self.config.max_per_identity {
            return Err(fatal(
                "53300",
                format!(
                    "too many connections for '{identity}': {} at once; close one",
                    self.config.max_per_identity
                ),
            ));
        }
        *mine += 1;
        Ok(())
    }

    /// Lets cancel requests naming `pid` and `key` reach `conn`.
    pub(crate) fn register(&self, pid: i32, key: SecretKey, conn: &Arc<Conn>) {
        lock(&self.cancellable).insert(pid, (key, Arc::downgrade(conn)));
        *lock(&conn.pid) = Some(pid);
    }

    /// A cancel request: stops the statement the connection runs, if the key is its own.
    pub(crate) async fn cancel(&self, pid: i32, key: &SecretKey) {
        let conn = lock(&self.cancellable)
            .get(&pid)
            .filter(|(k, _)| key_bytes(k) == key_bytes(key))
            .and_then(|(_, c)| c.upgrade());
        if let Some(conn) = conn {
            self.stop_statement(&conn).await;
        }
    }

    /// Stops `conn`'s running statement (the engine it runs on is interrupted).
    pub(crate) async fn stop_statement(&self, conn: &Conn) {
        if !conn.running.load(Ordering::SeqCst) {
            return;
        }
        let Some((caller, _, project)) = conn.login() else {
            return;
        };
        conn.cancelled.store(true, Ordering::SeqCst);
        let sql = Arc::clone(&self.backend.sql);
        let stopped = tokio::task::spawn_blocking(move || sql.interrupt(&caller, &project)).await;
        if !matches!(stopped, Ok(true)) {
            conn.cancelled.store(false, Ordering::SeqCst);
        }
    }

    /// Forgets a connection's cancel key.
    pub(crate) fn unregister(&self, pid: i32) {
        lock(&self.cancellable).remove(&pid);
    }

    pub(crate) fn release(&self, identity: &str) {
        let mut counts = lock(&self.counts);
        if let Some(n) = counts.get_mut(identity) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(identity);
            }
        }
    }
}

/// A cancel key's bytes (a cancel request's key is read as bytes, the issued one may be an
/// `i32`).
fn key_bytes(k: &SecretKey) -> Vec<u8> {
    match k {
        SecretKey::I32(n) => n.to_be_bytes().to_vec(),
        SecretKey::Bytes(b) => b.to_vec(),
    }
}

pub(crate) fn tls_acceptor(files: &crate::config::TlsFiles) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls_pki_types::pem::PemObject as _;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|i| i.collect())
        .map_err(|e| format!("cannot read the certificate {}: {e}", files.cert.display()))?;
    if certs.is_empty() {
        return Err(format!("no certificate in {}", files.cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| format!("cannot read the private key {}: {e}", files.key.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            format!(
                "the certificate {} and key {} do not make a TLS identity: {e}",
                files.cert.display(),
                files.key.display()
            )
        })?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
