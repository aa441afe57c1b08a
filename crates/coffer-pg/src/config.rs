//! The endpoint's settings and what it runs on.

use coffer_api::SqlRunner;
use coffer_core::Service;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The certificate and key of the endpoint's TLS (PEM files).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

/// How the endpoint behaves.
#[derive(Debug, Clone)]
pub struct PgConfig {
    /// TLS (`sslmode=require`/`verify-full`), when given.
    pub tls: Option<TlsFiles>,
    /// Listen on a non-loopback address without TLS.
    pub allow_plaintext: bool,
    /// Connections at once, in all.
    pub max_connections: usize,
    /// Connections at once, per identity.
    pub max_per_identity: usize,
    /// A connection without a statement for this long is closed.
    pub idle_timeout: Duration,
    /// The most rows a statement may return (more is an error: add a LIMIT).
    pub max_result_rows: usize,
}

impl Default for PgConfig {
    fn default() -> Self {
        PgConfig {
            tls: None,
            allow_plaintext: false,
            max_connections: 100,
            max_per_identity: 20,
            idle_timeout: Duration::from_secs(3600),
            max_result_rows: 100_000,
        }
    }
}

/// Whether `addr` may be listened on without TLS under `config`.
///
/// # Errors
/// Why not, and what to do.
pub fn check_listen(addr: &SocketAddr, config: &PgConfig) -> Result<(), String> {
    if config.tls.is_none() && !config.allow_plaintext && !addr.ip().is_loopback() {
        return Err(format!(
            "--pg-listen {addr} is not a loopback address and the endpoint has no TLS: tokens would cross the network in clear; give --pg-tls-cert and --pg-tls-key, or --pg-allow-plaintext"
        ));
    }
    Ok(())
}

/// What the endpoint runs on: the service and the SQL runner of `/sql`.
#[derive(Clone)]
pub struct PgBackend {
    pub(crate) service: Arc<Service>,
    pub(crate) sql: Arc<dyn SqlRunner>,
}

impl PgBackend {
    /// Statements run on `sql` (the server's runner, with the embedded DuckDB).
    pub fn new(service: Arc<Service>, sql: Arc<dyn SqlRunner>) -> Self {
        PgBackend { service, sql }
    }
}
