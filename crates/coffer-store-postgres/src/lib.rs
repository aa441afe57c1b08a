//! coffer's PostgreSQL store, for several `coffer serve` nodes on one database.
//!
//! [`PgStore::connect`] takes a `postgres://` URL, runs the versioned migrations in
//! `migrations/` (under an advisory lock, so nodes starting together migrate once) and refuses
//! a database whose schema is newer than this binary knows.
//!
//! - **The same semantics as the SQLite store**, checked by the one store suite
//!   (`coffer-store-suite`). Every transaction that changes cached state (a secret, project,
//!   identity, token or grant) first bumps the generation row in `meta`, taking its row lock:
//!   such writes commit one at a time across all nodes, as SQLite's single writer does, and
//!   every node's caches see the new generation on their next request.
//! - **A change feed**: those transactions also `pg_notify` what they changed; a node's
//!   [`Store::subscribe`] LISTENs and reports changes made by the other nodes (its own are
//!   skipped), so their live DuckDB instances follow within milliseconds.
//! - **Synchronous API over an async driver**: the [`Store`] trait is blocking (it is called
//!   from blocking threads and from async handlers alike). The store owns a small tokio
//!   runtime that drives the connections (tokio-postgres, pooled by deadpool); a call blocks
//!   the calling thread on its future, never on another runtime's scheduler, so it works from
//!   any thread.
#![deny(missing_docs)]

pub mod testing;

use coffer_store::{
    AuditEvent, AuditFilter, Dump, Expect, FlightRecord, GrantRecord, IdentityRecord, LogChunk, NodeRecord,
    ProjectRecord, Result, RunEnd, RunRecord, SealedRecord, SecretRecord, Store, StoreChange, StoreError, TokenRecord,
};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

/// The migrations, in order; `coffer_schema.version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_token_parent.sql"),
];

/// The LISTEN/NOTIFY channel of the change feed.
const CHANNEL: &str = "coffer_changes";

/// The advisory lock held while migrating ("coffer" in ASCII).
const MIGRATION_LOCK: i64 = 0x636f_6666_6572;

/// How many pooled connections a node keeps at most, unless the URL says (`pool_size=N`).
/// Few on purpose: every connection is a PostgreSQL backend process, and on a busy machine more
/// of them than cores buy little throughput with a lot of tail latency.
const POOL_SIZE: usize = 8;

/// A `postgres://` URL with its password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    // A `password=` query parameter is hidden as well.
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// How to reach a database: the driver's settings and the TLS connector.
///
/// The URL is libpq's: `postgres://USER:PASSWORD@HOST:PORT/DB?PARAMS`. TLS is required
/// (`sslmode=require`, also accepted as libpq's `verify-ca`/`verify-full`, and the default for
/// a server that is not on a loopback address) or used when the server offers it
/// (`sslmode=prefer`, the default on loopback); the server's certificate is always verified,
/// against the system's roots and the CA file named by `sslrootcert=PATH`. `sslmode=disable`
/// connects in plain text.
///
/// # Errors
/// [`StoreError::Backend`] naming what is wrong with the URL (never its password).
pub fn connect_config(url: &str) -> Result<(tokio_postgres::Config, tokio_postgres_rustls::MakeRustlsConnect)> {
    let (config, tls, _) = settings(url)?;
    Ok((config, tls))
}

/// [`connect_config`] and the pool size (`pool_size=N`, coffer's own parameter).
fn settings(url: &str) -> Result<(tokio_postgres::Config, tokio_postgres_rustls::MakeRustlsConnect, usize)> {
    let redacted = redact_url(url);
    let invalid = |why: String| StoreError::Backend(format!("invalid PostgreSQL URL {redacted}: {why}"));
    // Parameters the driver does not know are taken out first.
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut root_cert = None;
    let mut pool_size = POOL_SIZE;
    let mut kept = Vec::new();
    for kv in query.split('&').filter(|kv| !kv.is_empty()) {
        match kv.split_once('=') {
            Some(("sslrootcert", path)) => root_cert = Some(std::path::PathBuf::from(percent_decode(path))),
            Some(("sslmode", "verify-ca" | "verify-full")) => kept.push("sslmode=require".to_string()),
            Some(("pool_size", n)) => {
                pool_size = n
                    .parse()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| invalid(format!("pool_size={n}: use a number of connections from 1 to 1000")))?;
            }
            _ => kept.push(kv.to_string()),
        }
    }
    let driver_url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config: tokio_postgres::Config = driver_url
        .parse()
        .map_err(|e: tokio_postgres::Error| invalid(e.to_string()))?;
    // TLS is required unless the URL says otherwise or the server is on this machine: a
    // `prefer` that falls back to plain text would let anyone on the path downgrade it.
    let sslmode_given = query.split('&').any(|kv| kv.starts_with("sslmode="));
    let loopback = config.get_hosts().iter().all(|h| match h {
        tokio_postgres::config::Host::Tcp(name) => {
            name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        tokio_postgres::config::Host::Unix(_) => true,
    });
    if !sslmode_given && !loopback {
        config.ssl_mode(tokio_postgres::config::SslMode::Require);
    }
    if config.get_application_name().is_none() {
        config.application_name("coffer");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = root_cert {
        use rustls::pki_types::pem::PemObject;
        let certs = rustls::pki_types::CertificateDer::pem_file_iter(&path)
            .map_err(|e| invalid(format!("cannot read sslrootcert {}: {e}", path.display())))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| {
                invalid(format!(
                    "sslrootcert {} is not a PEM certificate file: {e}",
                    path.display()
                ))
            })?;
        if certs.is_empty() {
            return Err(invalid(format!("sslrootcert {} holds no certificate", path.display())));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| invalid(format!("sslrootcert {}: {e}", path.display())))?;
        }
    }
    let tls =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| StoreError::Backend(format!("cannot set up TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok((config, tokio_postgres_rustls::MakeRustlsConnect::new(tls), pool_size))
}

/// `%XX` escapes decoded (a path in a URL).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The PostgreSQL store.
pub struct PgStore {
    /// Drives the connections; `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    pool: Pool,
    config: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    keep_versions: AtomicUsize,
    /// This store's id in the change feed, so it can skip its own notifications.
    origin: String,
    url: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropping a runtime from inside another runtime's thread would panic; this never
        // blocks.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn pg(e: tokio_postgres::Error) -> StoreError {
    StoreError::Backend(describe(&e))
}

/// A driver error without the row data PostgreSQL may add in its DETAIL (sealed bytes).
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("PostgreSQL {} ({})", d.message(), d.code().code()),
        None => {
            let mut s = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                s.push_str(": ");
                s.push_str(&cause.to_string());
                source = cause.source();
            }
            s
        }
    }
}

fn audit_err(e: tokio_postgres::Error) -> StoreError {
    StoreError::Audit(describe(&e))
}

fn pool_err(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => {
            let why = describe(&e);
            let hint = if why.contains("certificate") {
                " (name the CA that signed the server's certificate with sslrootcert=PATH in the URL)"
            } else {
                ""
            };
            StoreError::Backend(format!("cannot reach PostgreSQL: {why}{hint}"))
        }
        other => StoreError::Backend(format!("cannot get a PostgreSQL connection: {other}")),
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(e.to_string()))
}

fn get<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, i: usize) -> Result<T> {
    row.try_get(i).map_err(pg)
}

fn conflict(what: &str, name: &str) -> StoreError {
    StoreError::Conflict {
        name: name.to_string(),
        what: format!("already exists (a {what} of that name)"),
    }
}

type Client = deadpool_postgres::Object;
type Tx<'a> = deadpool_postgres::Transaction<'a>;
type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

async fn exec(tx: &Tx<'_>, sql: &str, params: Params<'_>) -> Result<u64> {
    let st = tx.prepare_cached(sql).await.map_err(pg)?;
    tx.execute(&st, params).await.map_err(pg)
}

async fn rows(tx: &Tx<'_>, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
    let st = tx.prepare_cached(sql).await.map_err(pg)?;
    tx.query(&st, params).await.map_err(pg)
}

/// Marks a change that caches must see; called first in a transaction, it also takes the
/// writers' lock (the `meta` row), held until commit.
async fn bump(tx: &Tx<'_>) -> Result<()> {
    exec(tx, "UPDATE meta SET generation = generation + 1", &[]).await?;
    Ok(())
}

/// Inserts audit events with one statement (one round trip, whatever their number).
const AUDIT_INSERT: &str = "INSERT INTO audit_events (at, actor, token_name, project, object, action, result, client, \
     detail) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
     $7::text[], $8::text[], $9::text[])";

/// The columns of [`AUDIT_INSERT`].
struct AuditColumns<'a> {
    at: Vec<i64>,
    actor: Vec<&'a str>,
    token_name: Vec<Option<&'a str>>,
    project: Vec<&'a str>,
    object: Vec<&'a str>,
    action: Vec<&'a str>,
    result: Vec<&'a str>,
    client: Vec<&'a str>,
    detail: Vec<Option<&'a str>>,
}

impl<'a> AuditColumns<'a> {
    fn of(events: &'a [AuditEvent]) -> Self {
        AuditColumns {
            at: events.iter().map(|e| e.at).collect(),
            actor: events.iter().map(|e| e.actor.as_str()).collect(),
            token_name: events.iter().map(|e| e.token_name.as_deref()).collect(),
            project: events.iter().map(|e| e.project.as_str()).collect(),
            object: events.iter().map(|e| e.object.as_str()).collect(),
            action: events.iter().map(|e| e.action.as_str()).collect(),
            result: events.iter().map(|e| e.result.as_str()).collect(),
            client: events.iter().map(|e| e.client.as_str()).collect(),
            detail: events.iter().map(|e| e.detail.as_deref()).collect(),
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 9] {
        [
            &self.at,
            &self.actor,
            &self.token_name,
            &self.project,
            &self.object,
            &self.action,
            &self.result,
            &self.client,
            &self.detail,
        ]
    }
}

async fn write_audit(tx: &Tx<'_>, events: &[AuditEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let cols = AuditColumns::of(events);
    let st = tx.prepare_cached(AUDIT_INSERT).await.map_err(audit_err)?;
    tx.execute(&st, &cols.params()).await.map_err(audit_err)?;
    Ok(())
}

/// The payload of a change notification: compact JSON.
#[derive(serde::Serialize, serde::Deserialize)]
struct Note {
    /// The store that made the change.
    o: String,
    /// `u` (secret upserted), `d` (secret dropped), `p` (project dropped).
    k: String,
    /// The project.
    p: String,
    /// The secret's name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    n: String,
}

const COLUMNS: &str = "project, name, secret_type, provider, scopes, public_fields, sensitive_keys, \
     key_id, wrapped_key, nonce, ciphertext, version, created_at, created_by, updated_at, updated_by";
const IDENTITY_COLUMNS: &str = "id, name, kind, superuser, project, created_at, created_by";
const TOKEN_COLUMNS: &str =
    "id, public_id, identity_id, name, hash, created_at, created_by, expires_at, last_used_at, \
     revoked_at, parent_token_id";
const GRANT_COLUMNS: &str = "project, identity_id, role, granted_at, granted_by";
const AUDIT_COLUMNS: &str = "id, at, actor, token_name, project, object, action, result, client, detail";
const FLIGHT_COLUMNS: &str = "id, project, name, spec, version, owner, owner_id, created_at, updated_at, last_tick";
const RUN_COLUMNS: &str = "flight_id, run_number, status, flight_version, config, exit_code, \"trigger\", started_by, \
     started_at, finished_at, message, runner, cancel_requested, scheduled_for";
const NODE_COLUMNS: &str = "id, started_at, heartbeat_at, url";

/// Inserts one secret version into `secrets` or `secret_versions`.
async fn insert_secret(tx: &Tx<'_>, table: &str, r: &SecretRecord) -> Result<()> {
    let scopes = json(&r.scopes)?;
    let public = json(&r.public_fields)?;
    let sensitive = json(&r.sensitive_keys)?;
    exec(
        tx,
        &format!(
            "INSERT INTO {table} ({COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ),
        &[
            &r.project,
            &r.name,
            &r.secret_type,
            &r.provider,
            &scopes,
            &public,
            &sensitive,
            &r.sealed.key_id,
            &r.sealed.wrapped_key,
            &r.sealed.nonce,
            &r.sealed.ciphertext,
            &r.version,
            &r.created_at,
            &r.created_by,
            &r.updated_at,
            &r.updated_by,
        ],
    )
    .await?;
    Ok(())
}

/// Inserts a flight unless one has its id or name; returns whether it did.
async fn insert_flight(tx: &Tx<'_>, f: &FlightRecord) -> Result<bool> {
    let spec = json(&f.spec)?;
    let n = exec(
        tx,
        &format!(
            "INSERT INTO flights ({FLIGHT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT DO NOTHING"
        ),
        &[
            &f.id,
            &f.project,
            &f.name,
            &spec,
            &f.version,
            &f.owner,
            &f.owner_id,
            &f.created_at,
            &f.updated_at,
            &f.last_tick,
        ],
    )
    .await?;
    Ok(n > 0)
}

/// Inserts a run under `number`.
async fn insert_run(tx: &Tx<'_>, run: &RunRecord, number: i64) -> Result<()> {
    let config = json(&run.config)?;
    exec(
        tx,
        &format!(
            "INSERT INTO flight_runs ({RUN_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ),
        &[
            &run.flight_id,
            &number,
            &run.status,
            &run.flight_version,
            &config,
            &run.exit_code,
            &run.trigger,
            &run.started_by,
            &run.started_at,
            &run.finished_at,
            &run.message,
            &run.runner,
            &run.cancel_requested,
            &run.scheduled_for,
        ],
    )
    .await?;
    Ok(())
}

fn record_row(row: &Row) -> Result<SecretRecord> {
    let name: String = get(row, 1)?;
    let corrupt = |what: &str| StoreError::Corrupt {
        name: name.clone(),
        reason: format!("{what} is not valid JSON"),
    };
    let scopes: String = get(row, 4)?;
    let public: String = get(row, 5)?;
    let sensitive: String = get(row, 6)?;
    let scopes = serde_json::from_str(&scopes).map_err(|_| corrupt("scopes"))?;
    let public_fields = serde_json::from_str(&public).map_err(|_| corrupt("public_fields"))?;
    let sensitive_keys = serde_json::from_str(&sensitive).map_err(|_| corrupt("sensitive_keys"))?;
    Ok(SecretRecord {
        project: get(row, 0)?,
        secret_type: get(row, 2)?,
        provider: get(row, 3)?,
        scopes,
        public_fields,
        sensitive_keys,
        sealed: SealedRecord {
            key_id: get(row, 7)?,
            wrapped_key: get(row, 8)?,
            nonce: get(row, 9)?,
            ciphertext: get(row, 10)?,
        },
        version: get(row, 11)?,
        created_at: get(row, 12)?,
        created_by: get(row, 13)?,
        updated_at: get(row, 14)?,
        updated_by: get(row, 15)?,
        name,
    })
}

fn project_row(r: &Row) -> Result<ProjectRecord> {
    Ok(ProjectRecord {
        name: get(r, 0)?,
        created_at: get(r, 1)?,
        created_by: get(r, 2)?,
    })
}

fn identity_row(r: &Row) -> Result<IdentityRecord> {
    Ok(IdentityRecord {
        id: get(r, 0)?,
        name: get(r, 1)?,
        kind: get(r, 2)?,
        superuser: get(r, 3)?,
        project: get(r, 4)?,
        created_at: get(r, 5)?,
        created_by: get(r, 6)?,
    })
}

fn token_row(r: &Row) -> Result<TokenRecord> {
    Ok(TokenRecord {
        id: get(r, 0)?,
        public_id: get(r, 1)?,
        identity_id: get(r, 2)?,
        name: get(r, 3)?,
        hash: get(r, 4)?,
        created_at: get(r, 5)?,
        created_by: get(r, 6)?,
        expires_at: get(r, 7)?,
        last_used_at: get(r, 8)?,
        revoked_at: get(r, 9)?,
        parent_id: get(r, 10)?,
    })
}

fn grant_row(r: &Row) -> Result<GrantRecord> {
    Ok(GrantRecord {
        project: get(r, 0)?,
        identity_id: get(r, 1)?,
        role: get(r, 2)?,
        granted_at: get(r, 3)?,
        granted_by: get(r, 4)?,
    })
}

fn audit_row(r: &Row) -> Result<AuditEvent> {
    Ok(AuditEvent {
        id: get(r, 0)?,
        at: get(r, 1)?,
        actor: get(r, 2)?,
        token_name: get(r, 3)?,
        project: get(r, 4)?,
        object: get(r, 5)?,
        action: get(r, 6)?,
        result: get(r, 7)?,
        client: get(r, 8)?,
        detail: get(r, 9)?,
    })
}

fn flight_row(r: &Row) -> Result<FlightRecord> {
    let name: String = get(r, 2)?;
    let spec: String = get(r, 3)?;
    let spec = serde_json::from_str(&spec).map_err(|_| StoreError::Corrupt {
        name: name.clone(),
        reason: "spec is not a valid flight definition (JSON)".into(),
    })?;
    Ok(FlightRecord {
        id: get(r, 0)?,
        project: get(r, 1)?,
        name,
        spec,
        version: get(r, 4)?,
        owner: get(r, 5)?,
        owner_id: get(r, 6)?,
        created_at: get(r, 7)?,
        updated_at: get(r, 8)?,
        last_tick: get(r, 9)?,
    })
}

fn run_row(r: &Row) -> Result<RunRecord> {
    let flight_id: String = get(r, 0)?;
    let run_number: i64 = get(r, 1)?;
    let config: String = get(r, 4)?;
    let config = serde_json::from_str(&config).map_err(|_| StoreError::Corrupt {
        name: format!("flight {flight_id} run {run_number}"),
        reason: "config is not valid JSON".into(),
    })?;
    Ok(RunRecord {
        flight_id,
        run_number,
        status: get(r, 2)?,
        flight_version: get(r, 3)?,
        config,
        exit_code: get(r, 5)?,
        trigger: get(r, 6)?,
        started_by: get(r, 7)?,
        started_at: get(r, 8)?,
        finished_at: get(r, 9)?,
        message: get(r, 10)?,
        runner: get(r, 11)?,
        cancel_requested: get(r, 12)?,
        scheduled_for: get(r, 13)?,
    })
}

fn chunk_row(r: &Row) -> Result<LogChunk> {
    Ok(LogChunk {
        seq: get(r, 0)?,
        stream: get(r, 1)?,
        at: get(r, 2)?,
        data: get(r, 3)?,
    })
}

fn node_row(r: &Row) -> Result<NodeRecord> {
    Ok(NodeRecord {
        id: get(r, 0)?,
        started_at: get(r, 1)?,
        heartbeat_at: get(r, 2)?,
        url: get(r, 3)?,
    })
}

/// A `LIMIT`: `None` (no limit) when `limit` does not fit.
fn sql_limit(limit: usize) -> Option<i64> {
    i64::try_from(limit).ok()
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://USER:PASSWORD@HOST:PORT/DB`) and
    /// migrates it.
    ///
    /// # Errors
    /// [`StoreError::SchemaTooNew`]; [`StoreError::Backend`] when the URL is invalid, the server
    /// cannot be reached or refuses the login (the message never holds the password).
    pub fn connect(url: &str) -> Result<Self> {
        let redacted = redact_url(url);
        let (config, tls, pool_size) = settings(url)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("coffer-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Backend(format!("cannot start the PostgreSQL driver: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = {
            let _in = runtime.enter();
            Pool::builder(manager)
                .max_size(pool_size)
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .wait_timeout(Some(Duration::from_secs(30)))
                .create_timeout(Some(Duration::from_secs(15)))
                .build()
                .map_err(|e| StoreError::Backend(format!("cannot set up the PostgreSQL pool: {e}")))?
        };
        let store = PgStore {
            runtime: Some(runtime),
            pool,
            config,
            tls,
            keep_versions: AtomicUsize::new(10),
            origin: uuid_like(),
            url: redacted,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Runs `fut` to its end on this thread, with the store's runtime as the context its
    /// connections need.
    fn block<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        let Some(rt) = &self.runtime else {
            return Err(StoreError::Backend("the store is closed".into()));
        };
        let _in = rt.enter();
        futures_executor::block_on(fut)
    }

    async fn client(&self) -> Result<Client> {
        self.pool.get().await.map_err(pool_err)
    }

    async fn read(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        let c = self.client().await?;
        let st = c.prepare_cached(sql).await.map_err(pg)?;
        c.query(&st, params).await.map_err(pg)
    }

    fn read_map<T>(&self, sql: &str, params: Params<'_>, f: impl Fn(&Row) -> Result<T>) -> Result<Vec<T>> {
        self.block(async { self.read(sql, params).await?.iter().map(&f).collect() })
    }

    fn read_opt<T>(&self, sql: &str, params: Params<'_>, f: impl Fn(&Row) -> Result<T>) -> Result<Option<T>> {
        Ok(self.read_map(sql, params, f)?.into_iter().next())
    }

    /// Runs `body` in a transaction and commits it when it returns `Ok(Some(_))`; `Ok(None)`
    /// rolls back and returns `None` (a write that found nothing to do).
    fn write<R>(&self, body: impl AsyncFnOnce(&Tx<'_>) -> Result<Option<R>>) -> Result<Option<R>> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(pg)?;
            match body(&tx).await? {
                Some(r) => {
                    tx.commit().await.map_err(pg)?;
                    Ok(Some(r))
                }
                None => Ok(None),
            }
        })
    }

    fn notify_sql(&self, kind: &str, project: &str, name: &str) -> Result<String> {
        json(&Note {
            o: self.origin.clone(),
            k: kind.into(),
            p: project.into(),
            n: name.into(),
        })
    }

    async fn notify(&self, tx: &Tx<'_>, kind: &str, project: &str, name: &str) -> Result<()> {
        let payload = self.notify_sql(kind, project, name)?;
        exec(tx, "SELECT pg_notify($1, $2)", &[&CHANNEL, &payload]).await?;
        Ok(())
    }

    fn migrate(&self) -> Result<()> {
        self.write(async |tx| {
            exec(tx, "SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
            tx.batch_execute("CREATE TABLE IF NOT EXISTS coffer_schema (version BIGINT NOT NULL)")
                .await
                .map_err(pg)?;
            let found = rows(tx, "SELECT version FROM coffer_schema", &[]).await?;
            let version: i64 = match found.first() {
                Some(r) => get(r, 0)?,
                None => {
                    exec(tx, "INSERT INTO coffer_schema (version) VALUES (0)", &[]).await?;
                    0
                }
            };
            let known = MIGRATIONS.len() as i64;
            if version > known {
                return Err(StoreError::SchemaTooNew { found: version, known });
            }
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                tx.batch_execute(sql).await.map_err(pg)?;
                exec(tx, "UPDATE coffer_schema SET version = $1", &[&((i + 1) as i64)]).await?;
            }
            Ok(Some(()))
        })?;
        Ok(())
    }

    /// The schema version the database is at.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    pub fn schema_version(&self) -> Result<i64> {
        self.read_opt("SELECT version FROM coffer_schema", &[], |r| get(r, 0))?
            .ok_or_else(|| StoreError::Backend("coffer_schema has no row".into()))
    }

    /// The newest schema version this binary knows.
    pub fn known_schema_version() -> i64 {
        MIGRATIONS.len() as i64
    }
}

/// A random id for this store in the change feed.
fn uuid_like() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

impl Store for PgStore {
    fn put_secret(&self, r: &SecretRecord, expect: Expect, audit: &[AuditEvent]) -> Result<()> {
        let keep = self.keep_versions.load(Ordering::Relaxed) as i64;
        self.write(async |tx| {
            bump(tx).await?;
            let current = rows(
                tx,
                "SELECT version FROM secrets WHERE project = $1 AND lower(name) = lower($2)",
                &[&r.project, &r.name],
            )
            .await?;
            let current: Option<i64> = current.first().map(|row| get(row, 0)).transpose()?;
            match (expect, current) {
                (Expect::Absent, None) => {}
                (Expect::Version(v), Some(c)) if v == c => {
                    if keep > 0 {
                        exec(
                            tx,
                            &format!(
                                "INSERT INTO secret_versions ({COLUMNS}) SELECT {COLUMNS} FROM secrets \
                                 WHERE project = $1 AND lower(name) = lower($2)"
                            ),
                            &[&r.project, &r.name],
                        )
                        .await?;
                    }
                    exec(
                        tx,
                        "DELETE FROM secret_versions WHERE project = $1 AND lower(name) = lower($2) AND version <= $3",
                        &[&r.project, &r.name, &(c - keep)],
                    )
                    .await?;
                    exec(
                        tx,
                        "DELETE FROM secrets WHERE project = $1 AND lower(name) = lower($2)",
                        &[&r.project, &r.name],
                    )
                    .await?;
                }
                (_, found) => {
                    return Err(StoreError::Conflict {
                        name: r.name.clone(),
                        what: match found {
                            Some(c) => format!("already exists at version {c}"),
                            None => "does not exist".into(),
                        },
                    })
                }
            }
            insert_secret(tx, "secrets", r).await?;
            write_audit(tx, audit).await?;
            self.notify(tx, "u", &r.project, &r.name).await?;
            Ok(Some(()))
        })?;
        Ok(())
    }

    fn set_keep_versions(&self, keep: usize) {
        self.keep_versions.store(keep, Ordering::Relaxed);
    }

    fn secret_history(&self, project: &str, name: &str) -> Result<Vec<SecretRecord>> {
        self.read_map(
            &format!(
                "SELECT {COLUMNS} FROM secret_versions WHERE project = $1 AND lower(name) = lower($2) \
                 UNION ALL SELECT {COLUMNS} FROM secrets WHERE project = $1 AND lower(name) = lower($2) ORDER BY 12"
            ),
            &[&project, &name],
            record_row,
        )
    }

    fn all_versions(&self) -> Result<Vec<SecretRecord>> {
        self.read_map(
            &format!(
                "SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM secrets UNION ALL SELECT {COLUMNS} FROM secret_versions) v \
                 ORDER BY project, lower(name), version"
            ),
            &[],
            record_row,
        )
    }

    fn rewrap_version(
        &self,
        project: &str,
        name: &str,
        version: i64,
        old: (&str, &[u8]),
        new: (&str, &[u8]),
    ) -> Result<bool> {
        let done = self.write(async |tx| {
            bump(tx).await?;
            let mut n = 0;
            for table in ["secrets", "secret_versions"] {
                n += exec(
                    tx,
                    &format!(
                        "UPDATE {table} SET key_id = $6, wrapped_key = $7 WHERE project = $1 \
                         AND lower(name) = lower($2) AND version = $3 AND key_id = $4 AND wrapped_key = $5"
                    ),
                    &[&project, &name, &version, &old.0, &old.1, &new.0, &new.1],
                )
                .await?;
            }
            Ok((n > 0).then_some(()))
        })?;
        Ok(done.is_some())
    }

    fn get_secret(&self, project: &str, name: &str) -> Result<Option<SecretRecord>> {
        self.read_opt(
            &format!("SELECT {COLUMNS} FROM secrets WHERE project = $1 AND lower(name) = lower($2)"),
            &[&project, &name],
            record_row,
        )
    }

    fn list_secrets(&self, project: &str) -> Result<Vec<SecretRecord>> {
        self.read_map(
            &format!("SELECT {COLUMNS} FROM secrets WHERE project = $1 ORDER BY lower(name), name"),
            &[&project],
            record_row,
        )
    }

    fn delete_secret(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool> {
        let done = self.write(async |tx| {
            bump(tx).await?;
            let gone = rows(
                tx,
                "DELETE FROM secrets WHERE project = $1 AND lower(name) = lower($2) RETURNING name",
                &[&project, &name],
            )
            .await?;
            let Some(row) = gone.first() else {
                return Ok(None);
            };
            let stored: String = get(row, 0)?;
            exec(
                tx,
                "DELETE FROM secret_versions WHERE project = $1 AND lower(name) = lower($2)",
                &[&project, &name],
            )
            .await?;
            write_audit(tx, audit).await?;
            self.notify(tx, "d", project, &stored).await?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }

    fn create_project(&self, p: &ProjectRecord, audit: &[AuditEvent]) -> Result<()> {
        let done = self.write(async |tx| {
            bump(tx).await?;
            let n = exec(
                tx,
                "INSERT INTO projects (name, created_at, created_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&p.name, &p.created_at, &p.created_by],
            )
            .await?;
            if n == 0 {
                return Ok(None);
            }
            write_audit(tx, audit).await?;
            Ok(Some(()))
        })?;
        done.ok_or_else(|| conflict("project", &p.name))
    }

    fn get_project(&self, name: &str) -> Result<Option<ProjectRecord>> {
        self.read_opt(
            "SELECT name, created_at, created_by FROM projects WHERE lower(name) = lower($1)",
            &[&name],
            project_row,
        )
    }

    fn list_projects(&self) -> Result<Vec<ProjectRecord>> {
        self.read_map(
            "SELECT name, created_at, created_by FROM projects ORDER BY lower(name), name",
            &[],
            project_row,
        )
    }

    fn delete_project(&self, name: &str, audit: &[AuditEvent]) -> Result<bool> {
        let done = self.write(async |tx| {
            bump(tx).await?;
            let n = exec(tx, "DELETE FROM projects WHERE lower(name) = lower($1)", &[&name]).await?;
            if n == 0 {
                return Ok(None);
            }
            for sql in [
                "DELETE FROM secrets WHERE project = $1",
                "DELETE FROM secret_versions WHERE project = $1",
                "DELETE FROM grants WHERE lower(project) = lower($1)",
                "DELETE FROM identities WHERE project = $1 AND kind = 'service_account'",
                "DELETE FROM flight_run_logs WHERE flight_id IN (SELECT id FROM flights WHERE lower(project) = lower($1))",
                "DELETE FROM flight_runs WHERE flight_id IN (SELECT id FROM flights WHERE lower(project) = lower($1))",
                "DELETE FROM flights WHERE lower(project) = lower($1)",
            ] {
                exec(tx, sql, &[&name]).await?;
            }
            write_audit(tx, audit).await?;
            self.notify(tx, "p", name, "").await?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }

    fn create_identity(&self, i: &IdentityRecord, audit: &[AuditEvent]) -> Result<i64> {
        let id = self.write(async |tx| {
            bump(tx).await?;
            let r = rows(
                tx,
                "INSERT INTO identities (name, kind, superuser, project, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
                &[&i.name, &i.kind, &i.superuser, &i.project, &i.created_at, &i.created_by],
            )
            .await?;
            let Some(row) = r.first() else {
                return Ok(None);
            };
            let id: i64 = get(row, 0)?;
            write_audit(tx, audit).await?;
            Ok(Some(id))
        })?;
        id.ok_or_else(|| conflict("identity", &i.name))
    }

    fn get_identity(&self, name: &str) -> Result<Option<IdentityRecord>> {
        self.read_opt(
            &format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE lower(name) = lower($1)"),
            &[&name],
            identity_row,
        )
    }

    fn get_identity_by_id(&self, id: i64) -> Result<Option<IdentityRecord>> {
        self.read_opt(
            &format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE id = $1"),
            &[&id],
            identity_row,
        )
    }

    fn list_identities(&self) -> Result<Vec<IdentityRecord>> {
        self.read_map(
            &format!("SELECT {IDENTITY_COLUMNS} FROM identities ORDER BY lower(name), name"),
            &[],
            identity_row,
        )
    }

    fn create_token(&self, t: &TokenRecord, audit: &[AuditEvent]) -> Result<i64> {
        let id = self.write(async |tx| {
            bump(tx).await?;
            let r = rows(
                tx,
                "INSERT INTO tokens (public_id, identity_id, name, hash, created_at, created_by, expires_at, \
                 last_used_at, revoked_at, parent_token_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT DO NOTHING RETURNING id",
                &[
                    &t.public_id,
                    &t.identity_id,
                    &t.name,
                    &t.hash,
                    &t.created_at,
                    &t.created_by,
                    &t.expires_at,
                    &t.last_used_at,
                    &t.revoked_at,
                    &t.parent_id,
                ],
            )
            .await?;
            let Some(row) = r.first() else {
                return Ok(None);
            };
            let id: i64 = get(row, 0)?;
            write_audit(tx, audit).await?;
            Ok(Some(id))
        })?;
        id.ok_or_else(|| conflict("token", &t.name))
    }

    fn token_by_public_id(&self, public_id: &str) -> Result<Option<TokenRecord>> {
        self.read_opt(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE public_id = $1"),
            &[&public_id],
            token_row,
        )
    }

    fn get_token(&self, name: &str) -> Result<Option<TokenRecord>> {
        self.read_opt(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE lower(name) = lower($1)"),
            &[&name],
            token_row,
        )
    }

    fn list_tokens(&self) -> Result<Vec<TokenRecord>> {
        self.read_map(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY lower(name), name"),
            &[],
            token_row,
        )
    }

    fn token_ancestors(&self, id: i64) -> Result<Vec<TokenRecord>> {
        let found = self.read_map(
            &format!(
                "WITH RECURSIVE up(id) AS (SELECT $1::bigint UNION SELECT t.parent_token_id FROM tokens t JOIN up \
                 ON t.id = up.id WHERE t.parent_token_id IS NOT NULL) \
                 SELECT {TOKEN_COLUMNS} FROM tokens WHERE id IN (SELECT id FROM up)"
            ),
            &[&id],
            token_row,
        )?;
        Ok(coffer_store::chain_above(id, found))
    }

    fn revoke_token(
        &self,
        name: &str,
        at: i64,
        audit: &dyn Fn(&[TokenRecord]) -> Vec<AuditEvent>,
    ) -> Result<Vec<TokenRecord>> {
        let done = self.write(async |tx| {
            bump(tx).await?;
            let found = rows(
                tx,
                &format!(
                    "WITH RECURSIVE tree(id) AS (SELECT id FROM tokens WHERE lower(name) = lower($1) \
                     AND revoked_at IS NULL UNION SELECT t.id FROM tokens t JOIN tree ON t.parent_token_id = tree.id) \
                     UPDATE tokens SET revoked_at = $2 WHERE revoked_at IS NULL AND id IN (SELECT id FROM tree) \
                     RETURNING {TOKEN_COLUMNS}"
                ),
                &[&name, &at],
            )
            .await?
            .iter()
            .map(token_row)
            .collect::<Result<Vec<_>>>()?;
            let revoked = coffer_store::root_first(name, found, at);
            if revoked.is_empty() {
                return Ok(None);
            }
            write_audit(tx, &audit(&revoked)).await?;
            Ok(Some(revoked))
        })?;
        Ok(done.unwrap_or_default())
    }

    fn touch_token(&self, id: i64, at: i64) -> Result<()> {
        self.block(async {
            let c = self.client().await?;
            let st = c
                .prepare_cached("UPDATE tokens SET last_used_at = $2 WHERE id = $1")
                .await
                .map_err(pg)?;
            c.execute(&st, &[&id, &at]).await.map_err(pg)?;
            Ok(())
        })
    }

    fn set_grant(&self, g: &GrantRecord, audit: &[AuditEvent]) -> Result<()> {
        self.write(async |tx| {
            bump(tx).await?;
            exec(
                tx,
                "INSERT INTO grants (project, identity_id, role, granted_at, granted_by) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (lower(project), identity_id) DO UPDATE SET role = excluded.role, \
                 granted_at = excluded.granted_at, granted_by = excluded.granted_by",
                &[&g.project, &g.identity_id, &g.role, &g.granted_at, &g.granted_by],
            )
            .await?;
            write_audit(tx, audit).await?;
            Ok(Some(()))
        })?;
        Ok(())
    }

    fn remove_grant(&self, project: &str, identity_id: i64, audit: &[AuditEvent]) -> Result<bool> {
        let done = self.write(async |tx| {
            bump(tx).await?;
            let n = exec(
                tx,
                "DELETE FROM grants WHERE lower(project) = lower($1) AND identity_id = $2",
                &[&project, &identity_id],
            )
            .await?;
            if n == 0 {
                return Ok(None);
            }
            write_audit(tx, audit).await?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }

    fn get_grant(&self, project: &str, identity_id: i64) -> Result<Option<GrantRecord>> {
        self.read_opt(
            &format!("SELECT {GRANT_COLUMNS} FROM grants WHERE lower(project) = lower($1) AND identity_id = $2"),
            &[&project, &identity_id],
            grant_row,
        )
    }

    fn list_grants(&self, project: Option<&str>) -> Result<Vec<GrantRecord>> {
        self.read_map(
            &format!(
                "SELECT {GRANT_COLUMNS} FROM grants WHERE $1::text IS NULL OR lower(project) = lower($1) \
                 ORDER BY lower(project), identity_id"
            ),
            &[&project],
            grant_row,
        )
    }

    fn append_audit(&self, events: &[AuditEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        // One statement is one transaction: no BEGIN/COMMIT round trips.
        let cols = AuditColumns::of(events);
        self.block(async {
            let c = self.client().await?;
            let st = c.prepare_cached(AUDIT_INSERT).await.map_err(audit_err)?;
            c.execute(&st, &cols.params()).await.map_err(audit_err)?;
            Ok(())
        })
        .map_err(|e| match e {
            StoreError::Audit(m) => StoreError::Audit(m),
            other => StoreError::Audit(other.to_string()),
        })
    }

    fn generation(&self) -> Result<i64> {
        self.read_opt("SELECT generation FROM meta", &[], |r| get(r, 0))?
            .ok_or_else(|| StoreError::Backend("the meta table has no row".into()))
    }

    fn list_audit(&self, f: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let limit = f.limit.and_then(sql_limit);
        self.read_map(
            &format!(
                "SELECT * FROM (SELECT {AUDIT_COLUMNS} FROM audit_events \
                 WHERE ($1::text IS NULL OR lower(project) = lower($1)) \
                 AND ($2::text IS NULL OR lower(object) = lower($2)) \
                 AND ($3::text IS NULL OR lower(actor) = lower($3)) \
                 AND ($4::bigint IS NULL OR at >= $4) ORDER BY id DESC LIMIT $5) e ORDER BY id"
            ),
            &[&f.project, &f.object, &f.actor, &f.since, &limit],
            audit_row,
        )
    }

    // ---- flights (not counted by the generation: no cache holds them) ----

    fn create_flight(&self, f: &FlightRecord, audit: &[AuditEvent]) -> Result<()> {
        let done = self.write(async |tx| {
            if !insert_flight(tx, f).await? {
                return Ok(None);
            }
            write_audit(tx, audit).await?;
            Ok(Some(()))
        })?;
        done.ok_or_else(|| conflict("flight", &f.name))
    }

    fn update_flight(&self, f: &FlightRecord, expect_version: i64, audit: &[AuditEvent]) -> Result<()> {
        let spec = json(&f.spec)?;
        self.write(async |tx| {
            let n = exec(
                tx,
                "UPDATE flights SET spec = $2, version = $3, updated_at = $4 WHERE id = $1 AND version = $5",
                &[&f.id, &spec, &f.version, &f.updated_at, &expect_version],
            )
            .await?;
            if n == 0 {
                let found = rows(tx, "SELECT version FROM flights WHERE id = $1", &[&f.id]).await?;
                let found: Option<i64> = found.first().map(|r| get(r, 0)).transpose()?;
                return Err(StoreError::Conflict {
                    name: f.name.clone(),
                    what: match found {
                        Some(v) => format!("changed since it was read (version {v})"),
                        None => "does not exist".into(),
                    },
                });
            }
            write_audit(tx, audit).await?;
            Ok(Some(()))
        })?;
        Ok(())
    }

    fn get_flight(&self, project: &str, name: &str) -> Result<Option<FlightRecord>> {
        self.read_opt(
            &format!(
                "SELECT {FLIGHT_COLUMNS} FROM flights WHERE lower(project) = lower($1) AND lower(name) = lower($2)"
            ),
            &[&project, &name],
            flight_row,
        )
    }

    fn get_flight_by_id(&self, id: &str) -> Result<Option<FlightRecord>> {
        self.read_opt(
            &format!("SELECT {FLIGHT_COLUMNS} FROM flights WHERE id = $1"),
            &[&id],
            flight_row,
        )
    }

    fn list_flights(&self, project: Option<&str>) -> Result<Vec<FlightRecord>> {
        self.read_map(
            &format!(
                "SELECT {FLIGHT_COLUMNS} FROM flights WHERE $1::text IS NULL OR lower(project) = lower($1) \
                 ORDER BY lower(project), lower(name)"
            ),
            &[&project],
            flight_row,
        )
    }

    fn delete_flight(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool> {
        let done = self.write(async |tx| {
            let found = rows(
                tx,
                "SELECT id FROM flights WHERE lower(project) = lower($1) AND lower(name) = lower($2) FOR UPDATE",
                &[&project, &name],
            )
            .await?;
            let Some(row) = found.first() else {
                return Ok(None);
            };
            let id: String = get(row, 0)?;
            for sql in [
                "DELETE FROM flight_run_logs WHERE flight_id = $1",
                "DELETE FROM flight_runs WHERE flight_id = $1",
                "DELETE FROM flights WHERE id = $1",
            ] {
                exec(tx, sql, &[&id]).await?;
            }
            write_audit(tx, audit).await?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }

    fn claim_tick(&self, flight_id: &str, expect: Option<i64>, tick: i64) -> Result<bool> {
        // One statement: PostgreSQL re-checks the condition on the newest row version after
        // waiting for a concurrent claim, so of two nodes claiming one tick exactly one wins.
        let done = self.write(async |tx| {
            let n = exec(
                tx,
                "UPDATE flights SET last_tick = $3 WHERE id = $1 AND last_tick IS NOT DISTINCT FROM $2",
                &[&flight_id, &expect, &tick],
            )
            .await?;
            Ok((n > 0).then_some(()))
        })?;
        Ok(done.is_some())
    }

    fn create_run(&self, run: &RunRecord, max_running: u32, audit: &[AuditEvent]) -> Result<i64> {
        let number = self.write(async |tx| {
            // The flight's row lock orders concurrent starts of one flight: the count of
            // running runs and the next number are read by one starter at a time.
            let found = rows(
                tx,
                "SELECT name FROM flights WHERE id = $1 FOR UPDATE",
                &[&run.flight_id],
            )
            .await?;
            let Some(row) = found.first() else {
                return Err(StoreError::Conflict {
                    name: run.flight_id.clone(),
                    what: "does not exist (no flight has that id)".into(),
                });
            };
            let name: String = get(row, 0)?;
            let counts = rows(
                tx,
                "SELECT COUNT(*) FILTER (WHERE status = 'running'), COALESCE(MAX(run_number), 0) + 1 \
                 FROM flight_runs WHERE flight_id = $1",
                &[&run.flight_id],
            )
            .await?;
            let (running, number): (i64, i64) = match counts.first() {
                Some(r) => (get(r, 0)?, get(r, 1)?),
                None => (0, 1),
            };
            if running >= i64::from(max_running) {
                return Err(StoreError::Conflict {
                    name,
                    what: format!("has {running} running runs (concurrency {max_running})"),
                });
            }
            insert_run(tx, run, number).await?;
            write_audit(tx, audit).await?;
            Ok(Some(number))
        })?;
        number.ok_or_else(|| StoreError::Backend("the run was not recorded".into()))
    }

    fn get_run(&self, flight_id: &str, run_number: i64) -> Result<Option<RunRecord>> {
        self.read_opt(
            &format!("SELECT {RUN_COLUMNS} FROM flight_runs WHERE flight_id = $1 AND run_number = $2"),
            &[&flight_id, &run_number],
            run_row,
        )
    }

    fn list_runs(&self, flight_id: &str, limit: usize) -> Result<Vec<RunRecord>> {
        let limit = sql_limit(limit);
        self.read_map(
            &format!("SELECT {RUN_COLUMNS} FROM flight_runs WHERE flight_id = $1 ORDER BY run_number DESC LIMIT $2"),
            &[&flight_id, &limit],
            run_row,
        )
    }

    fn running_runs(&self) -> Result<Vec<RunRecord>> {
        self.read_map(
            &format!("SELECT {RUN_COLUMNS} FROM flight_runs WHERE status = 'running' ORDER BY flight_id, run_number"),
            &[],
            run_row,
        )
    }

    fn finish_run(&self, flight_id: &str, run_number: i64, end: &RunEnd, audit: &[AuditEvent]) -> Result<bool> {
        let done = self.write(async |tx| {
            let n = exec(
                tx,
                "UPDATE flight_runs SET status = $3, exit_code = $4, finished_at = $5, message = $6 \
                 WHERE flight_id = $1 AND run_number = $2 AND status = 'running'",
                &[
                    &flight_id,
                    &run_number,
                    &end.status,
                    &end.exit_code,
                    &end.finished_at,
                    &end.message,
                ],
            )
            .await?;
            if n == 0 {
                return Ok(None);
            }
            write_audit(tx, audit).await?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }

    fn request_cancel(&self, flight_id: &str, run_number: i64, audit: &[AuditEvent]) -> Result<bool> {
        let done = self.write(async |tx| {
            let n = exec(
                tx,
                "UPDATE flight_runs SET cancel_requested = true \
                 WHERE flight_id = $1 AND run_number = $2 AND status = 'running'",
                &[&flight_id, &run_number],
            )
            .await?;
            if n == 0 {
                return Ok(None);
            }
            write_audit(tx, audit).await?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }

    fn append_log(&self, flight_id: &str, run_number: i64, chunks: &[LogChunk]) -> Result<()> {
        if chunks.is_empty() {
            return Ok(());
        }
        self.write(async |tx| {
            // The run's row lock orders concurrent appends to one run.
            rows(
                tx,
                "SELECT 1 FROM flight_runs WHERE flight_id = $1 AND run_number = $2 FOR UPDATE",
                &[&flight_id, &run_number],
            )
            .await?;
            let last = rows(
                tx,
                "SELECT COALESCE(MAX(seq), 0) FROM flight_run_logs WHERE flight_id = $1 AND run_number = $2",
                &[&flight_id, &run_number],
            )
            .await?;
            let last: i64 = match last.first() {
                Some(r) => get(r, 0)?,
                None => 0,
            };
            let st = tx
                .prepare_cached(
                    "INSERT INTO flight_run_logs (flight_id, run_number, seq, stream, at, data) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .await
                .map_err(pg)?;
            for (seq, c) in (last + 1..).zip(chunks) {
                tx.execute(&st, &[&flight_id, &run_number, &seq, &c.stream, &c.at, &c.data])
                    .await
                    .map_err(pg)?;
            }
            Ok(Some(()))
        })?;
        Ok(())
    }

    fn read_log(&self, flight_id: &str, run_number: i64, after: i64, limit: usize) -> Result<Vec<LogChunk>> {
        let limit = sql_limit(limit);
        self.read_map(
            "SELECT seq, stream, at, data FROM flight_run_logs \
             WHERE flight_id = $1 AND run_number = $2 AND seq > $3 ORDER BY seq LIMIT $4",
            &[&flight_id, &run_number, &after, &limit],
            chunk_row,
        )
    }

    // ---- nodes ----

    fn node_heartbeat(&self, node: &NodeRecord) -> Result<()> {
        self.write(async |tx| {
            exec(
                tx,
                "INSERT INTO nodes (id, started_at, heartbeat_at, url) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, url = excluded.url",
                &[&node.id, &node.started_at, &node.heartbeat_at, &node.url],
            )
            .await?;
            Ok(Some(()))
        })?;
        Ok(())
    }

    fn list_nodes(&self) -> Result<Vec<NodeRecord>> {
        self.read_map(&format!("SELECT {NODE_COLUMNS} FROM nodes ORDER BY id"), &[], node_row)
    }

    fn remove_node(&self, id: &str) -> Result<bool> {
        let done = self.write(async |tx| {
            let n = exec(tx, "DELETE FROM nodes WHERE id = $1", &[&id]).await?;
            Ok((n > 0).then_some(()))
        })?;
        Ok(done.is_some())
    }

    // ---- change feed and migration ----

    fn subscribe(&self) -> Result<Option<std::sync::mpsc::Receiver<StoreChange>>> {
        let Some(rt) = &self.runtime else {
            return Err(StoreError::Backend("the store is closed".into()));
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        rt.spawn(feed::listen(
            self.config.clone(),
            self.tls.clone(),
            self.origin.clone(),
            tx,
            ready_tx,
        ));
        // The first LISTEN must be in place before this returns, so no later change is missed.
        match ready_rx.recv_timeout(Duration::from_secs(20)) {
            Ok(Ok(())) => Ok(Some(rx)),
            Ok(Err(e)) => Err(StoreError::Backend(format!("cannot listen for changes: {e}"))),
            Err(_) => Err(StoreError::Backend(
                "cannot listen for changes: no answer in 20 s".into(),
            )),
        }
    }

    fn export(&self) -> Result<Dump> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await
                .map_err(pg)?;
            let all = async |sql: &str| -> Result<Vec<Row>> { tx.query(sql, &[]).await.map_err(pg) };
            let dump = Dump {
                projects: all("SELECT name, created_at, created_by FROM projects ORDER BY lower(name), name")
                    .await?
                    .iter()
                    .map(project_row)
                    .collect::<Result<_>>()?,
                secrets: all(&format!("SELECT {COLUMNS} FROM secrets ORDER BY project, lower(name)"))
                    .await?
                    .iter()
                    .map(record_row)
                    .collect::<Result<_>>()?,
                versions: all(&format!(
                    "SELECT {COLUMNS} FROM secret_versions ORDER BY project, lower(name), version"
                ))
                .await?
                .iter()
                .map(record_row)
                .collect::<Result<_>>()?,
                identities: all(&format!("SELECT {IDENTITY_COLUMNS} FROM identities ORDER BY id"))
                    .await?
                    .iter()
                    .map(identity_row)
                    .collect::<Result<_>>()?,
                tokens: all(&format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id"))
                    .await?
                    .iter()
                    .map(token_row)
                    .collect::<Result<_>>()?,
                grants: all(&format!(
                    "SELECT {GRANT_COLUMNS} FROM grants ORDER BY lower(project), identity_id"
                ))
                .await?
                .iter()
                .map(grant_row)
                .collect::<Result<_>>()?,
                audit: all(&format!("SELECT {AUDIT_COLUMNS} FROM audit_events ORDER BY id"))
                    .await?
                    .iter()
                    .map(audit_row)
                    .collect::<Result<_>>()?,
                flights: all(&format!("SELECT {FLIGHT_COLUMNS} FROM flights ORDER BY id"))
                    .await?
                    .iter()
                    .map(flight_row)
                    .collect::<Result<_>>()?,
                runs: all(&format!(
                    "SELECT {RUN_COLUMNS} FROM flight_runs ORDER BY flight_id, run_number"
                ))
                .await?
                .iter()
                .map(run_row)
                .collect::<Result<_>>()?,
                logs: all(
                    "SELECT flight_id, run_number, seq, stream, at, data FROM flight_run_logs \
                     ORDER BY flight_id, run_number, seq",
                )
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        get(r, 0)?,
                        get(r, 1)?,
                        LogChunk {
                            seq: get(r, 2)?,
                            stream: get(r, 3)?,
                            at: get(r, 4)?,
                            data: get(r, 5)?,
                        },
                    ))
                })
                .collect::<Result<_>>()?,
            };
            tx.commit().await.map_err(pg)?;
            Ok(dump)
        })
    }

    fn import(&self, d: &Dump) -> Result<()> {
        self.write(async |tx| {
            bump(tx).await?;
            for table in [
                "secrets",
                "secret_versions",
                "identities",
                "tokens",
                "grants",
                "audit_events",
                "flights",
                "flight_runs",
                "flight_run_logs",
            ] {
                let any = rows(tx, &format!("SELECT 1 FROM {table} LIMIT 1"), &[]).await?;
                if !any.is_empty() {
                    return Err(StoreError::Conflict {
                        name: table.into(),
                        what: "is not empty: migrate into a fresh database".into(),
                    });
                }
            }
            exec(tx, "DELETE FROM projects", &[]).await?;
            for p in &d.projects {
                exec(
                    tx,
                    "INSERT INTO projects (name, created_at, created_by) VALUES ($1, $2, $3)",
                    &[&p.name, &p.created_at, &p.created_by],
                )
                .await?;
            }
            for (table, records) in [("secrets", &d.secrets), ("secret_versions", &d.versions)] {
                for r in records {
                    insert_secret(tx, table, r).await?;
                }
            }
            for i in &d.identities {
                exec(
                    tx,
                    &format!("INSERT INTO identities ({IDENTITY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
                    &[
                        &i.id,
                        &i.name,
                        &i.kind,
                        &i.superuser,
                        &i.project,
                        &i.created_at,
                        &i.created_by,
                    ],
                )
                .await?;
            }
            for t in &d.tokens {
                exec(
                    tx,
                    &format!(
                        "INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    ),
                    &[
                        &t.id,
                        &t.public_id,
                        &t.identity_id,
                        &t.name,
                        &t.hash,
                        &t.created_at,
                        &t.created_by,
                        &t.expires_at,
                        &t.last_used_at,
                        &t.revoked_at,
                        &t.parent_id,
                    ],
                )
                .await?;
            }
            for g in &d.grants {
                exec(
                    tx,
                    &format!("INSERT INTO grants ({GRANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"),
                    &[&g.project, &g.identity_id, &g.role, &g.granted_at, &g.granted_by],
                )
                .await?;
            }
            for e in &d.audit {
                exec(
                    tx,
                    &format!(
                        "INSERT INTO audit_events ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                    ),
                    &[
                        &e.id,
                        &e.at,
                        &e.actor,
                        &e.token_name,
                        &e.project,
                        &e.object,
                        &e.action,
                        &e.result,
                        &e.client,
                        &e.detail,
                    ],
                )
                .await?;
            }
            for f in &d.flights {
                insert_flight(tx, f).await?;
            }
            for run in &d.runs {
                insert_run(tx, run, run.run_number).await?;
            }
            for (flight_id, run_number, c) in &d.logs {
                exec(
                    tx,
                    "INSERT INTO flight_run_logs (flight_id, run_number, seq, stream, at, data) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[flight_id, run_number, &c.seq, &c.stream, &c.at, &c.data],
                )
                .await?;
            }
            // Explicit ids do not move the sequences: put them past the copied rows.
            for (table, seq) in [
                ("identities", "identities_id_seq"),
                ("tokens", "tokens_id_seq"),
                ("audit_events", "audit_events_id_seq"),
            ] {
                exec(
                    tx,
                    &format!("SELECT setval('{seq}', COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"),
                    &[],
                )
                .await?;
            }
            self.notify(tx, "r", "", "").await?;
            Ok(Some(()))
        })?;
        Ok(())
    }
}

/// The change feed: one connection per subscription, outside the pool, that LISTENs and
/// turns notifications from other stores into [`StoreChange`]s. When the connection drops it
/// reconnects (with backoff) and reports [`StoreChange::Resync`], since changes may have been
/// missed in between.
mod feed {
    use super::{Note, CHANNEL};
    use coffer_store::StoreChange;
    use futures_util::StreamExt;
    use std::sync::mpsc::Sender;
    use std::time::Duration;
    use tokio_postgres::AsyncMessage;

    pub(super) async fn listen(
        config: tokio_postgres::Config,
        tls: tokio_postgres_rustls::MakeRustlsConnect,
        origin: String,
        out: Sender<StoreChange>,
        ready: Sender<std::result::Result<(), String>>,
    ) {
        let mut ready = Some(ready);
        let mut backoff = Duration::from_millis(100);
        loop {
            match config.connect(tls.clone()).await {
                Ok((client, mut connection)) => {
                    // The connection delivers notifications only while it is polled: a task
                    // polls it and hands them over; when it ends, the channel closes.
                    let (notes_tx, mut notes) = tokio::sync::mpsc::unbounded_channel();
                    tokio::spawn(async move {
                        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                        while let Some(Ok(m)) = messages.next().await {
                            if let AsyncMessage::Notification(n) = m {
                                if notes_tx.send(n).is_err() {
                                    break;
                                }
                            }
                        }
                    });
                    match client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                        Err(e) => {
                            if let Some(r) = ready.take() {
                                let _ = r.send(Err(super::describe(&e)));
                                return;
                            }
                        }
                        Ok(()) => {
                            let first = match ready.take() {
                                Some(r) => r.send(Ok(())).is_ok(),
                                None => out.send(StoreChange::Resync).is_ok(),
                            };
                            if !first {
                                return;
                            }
                            backoff = Duration::from_millis(100);
                            while let Some(n) = notes.recv().await {
                                let Ok(note) = serde_json::from_str::<Note>(n.payload()) else {
                                    continue;
                                };
                                if note.o == origin {
                                    continue;
                                }
                                let change = match note.k.as_str() {
                                    "u" => StoreChange::SecretUpserted {
                                        project: note.p,
                                        name: note.n,
                                    },
                                    "d" => StoreChange::SecretDropped {
                                        project: note.p,
                                        name: note.n,
                                    },
                                    "p" => StoreChange::ProjectDropped { project: note.p },
                                    _ => StoreChange::Resync,
                                };
                                if out.send(change).is_err() {
                                    return;
                                }
                            }
                        }
                    }
                    drop(client);
                }
                Err(e) => {
                    if let Some(r) = ready.take() {
                        let _ = r.send(Err(super::describe(&e)));
                        return;
                    }
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn tls_is_required_off_this_machine_unless_the_url_says_otherwise() {
        use tokio_postgres::config::SslMode;
        for (url, mode) in [
            ("postgres://u:p@db.internal/coffer", SslMode::Require),
            ("postgres://u:p@10.0.0.5:5432/coffer", SslMode::Require),
            ("postgres://u:p@db.internal/coffer?sslmode=prefer", SslMode::Prefer),
            ("postgres://u:p@db.internal/coffer?sslmode=disable", SslMode::Disable),
            (
                "postgres://u:p@db.internal/coffer?sslmode=verify-full",
                SslMode::Require,
            ),
            ("postgres://u:p@127.0.0.1:5432/coffer", SslMode::Prefer),
            ("postgres://u:p@localhost/coffer", SslMode::Prefer),
            ("postgres://u:p@[::1]:5432/coffer", SslMode::Prefer),
        ] {
            let (config, _, _) = super::settings(url).expect("a valid URL");
            assert_eq!(config.get_ssl_mode(), mode, "{}", redact_url(url));
        }
    }

    #[test]
    fn urls_lose_their_passwords() {
        for (url, shown) in [
            ("postgres://u:hunter2@db:5432/coffer", "postgres://u:***@db:5432/coffer"),
            (
                "postgresql://u:p%40ss@db/coffer?sslmode=disable",
                "postgresql://u:***@db/coffer?sslmode=disable",
            ),
            ("postgres://u@db/coffer", "postgres://u@db/coffer"),
            (
                "postgres://db/coffer?user=u&password=hunter2",
                "postgres://db/coffer?user=u&password=***",
            ),
            ("postgres://u:a@b@db/c", "postgres://u:***@db/c"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redact_url(url), shown);
            assert!(!redact_url(url).contains("hunter2"));
        }
    }
}
