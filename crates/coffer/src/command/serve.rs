use super::ctx::Ctx;
use crate::error::UsageError;
use anyhow::{Context, Result};
use std::sync::Arc;

/// `coffer serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on. Put a TLS-terminating proxy in front of it for anything
    /// beyond loopback.
    #[arg(long, env = "COFFER_LISTEN", default_value = "127.0.0.1:8477")]
    listen: String,
    /// The address runs of flights reach this server at (their COFFER_URL); default
    /// http://LISTEN.
    #[arg(long, env = "COFFER_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// A variable of this server's environment to pass through to flight runs (they get
    /// none otherwise, except a default PATH). Repeat for several; COFFER_FLIGHT_ENV_ALLOW
    /// (comma-separated) adds more.
    #[arg(long = "flight-env-allow", value_name = "NAME")]
    flight_env_allow: Vec<String>,
    /// Do not start scheduled flight runs on this server (another node does).
    #[arg(long)]
    no_scheduler: bool,
    /// How often this server records its heartbeat in the store, so that other nodes on the
    /// same database know it is alive (e.g. 500ms, 2s).
    #[arg(
        long,
        env = "COFFER_HEARTBEAT_INTERVAL",
        value_name = "DURATION",
        default_value = "2s"
    )]
    heartbeat_interval: String,
    /// How long a node may go without a heartbeat before another node finds it lost and marks
    /// the flight runs it was running `failed`; more than twice --heartbeat-interval.
    #[arg(long, env = "COFFER_NODE_TIMEOUT", value_name = "DURATION", default_value = "15s")]
    node_timeout: String,
    /// How long one statement of `/sql` may run on DuckDB before it is interrupted.
    #[arg(long, env = "COFFER_SQL_TIMEOUT", value_name = "DURATION", default_value = "30s")]
    sql_timeout: String,
    /// DuckDB's memory limit of each engine that runs `/sql` statements (one per project and
    /// caller), e.g. 512MB, 2GB.
    #[arg(long, env = "COFFER_SQL_MEMORY_LIMIT", value_name = "SIZE", default_value = "1GB")]
    sql_memory_limit: String,
    /// DuckDB's threads of each engine.
    #[arg(long, env = "COFFER_SQL_THREADS", value_name = "N", default_value_t = 2)]
    sql_threads: u32,
    /// At most this many engines run at once (the least recently used idle one is stopped to
    /// make room); an engine unused for 10 minutes is stopped.
    #[arg(long, env = "COFFER_SQL_ENGINES", value_name = "N", default_value_t = 16)]
    sql_engines: usize,
    /// Let `credential_chain` secrets of PROJECT resolve from this server's own cloud
    /// credentials (its AWS_*/AZURE_* environment and ~/.aws, ~/.azure): every member with
    /// `use` there then acts with the server's identity. Off for every project by default;
    /// repeat it or separate projects with commas.
    #[arg(
        long,
        env = "COFFER_SERVER_CREDENTIALS_FOR",
        value_name = "PROJECT",
        value_delimiter = ','
    )]
    server_credentials_for: Vec<String>,
    /// Offer only the MCP tools that change nothing on /mcp (its `query` then takes only
    /// statements that change nothing).
    #[arg(long, env = "COFFER_MCP_READ_ONLY")]
    mcp_read_only: bool,
    /// Do not serve the web page at / (the HTTP API and /mcp stay).
    #[arg(long, env = "COFFER_NO_WEB")]
    no_web: bool,
    /// A web session ends after this long without a request.
    #[arg(
        long,
        env = "COFFER_WEB_IDLE_TIMEOUT",
        value_name = "DURATION",
        default_value = "30m"
    )]
    web_idle_timeout: String,
    /// A web session ends this long after sign-in, whatever happens (and never after the token
    /// it was signed in with).
    #[arg(long, env = "COFFER_WEB_SESSION_MAX", value_name = "DURATION", default_value = "12h")]
    web_session_max: String,
    /// Also serve the PostgreSQL wire protocol on this address (psql, psycopg, JDBC...; user =
    /// identity, password = token, database = project), e.g. 127.0.0.1:5433. Off by default.
    #[arg(long, env = "COFFER_PG_LISTEN", value_name = "ADDR")]
    pg_listen: Option<String>,
    /// The PostgreSQL endpoint's TLS certificate chain (PEM); with --pg-tls-key.
    #[arg(long, env = "COFFER_PG_TLS_CERT", value_name = "FILE", requires = "pg_tls_key")]
    pg_tls_cert: Option<std::path::PathBuf>,
    /// The PostgreSQL endpoint's TLS private key (PEM); with --pg-tls-cert.
    #[arg(long, env = "COFFER_PG_TLS_KEY", value_name = "FILE", requires = "pg_tls_cert")]
    pg_tls_key: Option<std::path::PathBuf>,
    /// Let --pg-listen be a non-loopback address without TLS (tokens then cross the network in
    /// clear: only behind a TLS-terminating proxy or on a private network).
    #[arg(long, env = "COFFER_PG_ALLOW_PLAINTEXT")]
    pg_allow_plaintext: bool,
    /// PostgreSQL connections at once, in all.
    #[arg(long, env = "COFFER_PG_MAX_CONNECTIONS", value_name = "N", default_value_t = 100)]
    pg_max_connections: usize,
    /// PostgreSQL connections at once, per identity.
    #[arg(
        long,
        env = "COFFER_PG_MAX_CONNECTIONS_PER_IDENTITY",
        value_name = "N",
        default_value_t = 20
    )]
    pg_max_connections_per_identity: usize,
    /// A PostgreSQL connection without a statement for this long is closed.
    #[arg(long, env = "COFFER_PG_IDLE_TIMEOUT", value_name = "DURATION", default_value = "1h")]
    pg_idle_timeout: String,
    /// Mark the web session cookie Secure on every response (by default it is Secure when a
    /// proxy in front says the request came over https: X-Forwarded-Proto or Forwarded).
    #[arg(long, env = "COFFER_WEB_SECURE_COOKIES")]
    web_secure_cookies: bool,
}

impl Args {
    /// The PostgreSQL endpoint's address and settings, when it is on.
    fn pg(&self) -> Result<Option<(std::net::SocketAddr, coffer_pg::PgConfig)>> {
        let Some(listen) = &self.pg_listen else {
            return Ok(None);
        };
        let addr: std::net::SocketAddr = listen.parse().map_err(|_| {
            UsageError(format!(
                "invalid --pg-listen '{listen}': use HOST:PORT with an IP address, e.g. 127.0.0.1:5433"
            ))
        })?;
        let config = coffer_pg::PgConfig {
            tls: match (&self.pg_tls_cert, &self.pg_tls_key) {
                (Some(cert), Some(key)) => Some(coffer_pg::TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                }),
                _ => None,
            },
            allow_plaintext: self.pg_allow_plaintext,
            max_connections: self.pg_max_connections.max(1),
            max_per_identity: self.pg_max_connections_per_identity.max(1),
            idle_timeout: duration("pg-idle-timeout", &self.pg_idle_timeout)?,
            ..coffer_pg::PgConfig::default()
        };
        coffer_pg::check_listen(&addr, &config).map_err(UsageError)?;
        Ok(Some((addr, config)))
    }

    /// The web page's settings, or `None` with --no-web.
    fn web(&self) -> Result<Option<coffer_server::WebConfig>> {
        if self.no_web {
            return Ok(None);
        }
        let idle = duration("web-idle-timeout", &self.web_idle_timeout)?;
        let absolute = duration("web-session-max", &self.web_session_max)?;
        if idle.is_zero() || absolute.is_zero() {
            return Err(UsageError("--web-idle-timeout and --web-session-max must be longer than 0".into()).into());
        }
        Ok(Some(coffer_server::WebConfig {
            idle,
            absolute,
            cookies: if self.web_secure_cookies {
                coffer_server::CookieSecurity::Always
            } else {
                coffer_server::CookieSecurity::Auto
            },
            ..coffer_server::WebConfig::default()
        }))
    }
}

/// A duration flag, parsed with humantime.
fn duration(flag: &str, value: &str) -> Result<std::time::Duration> {
    humantime::parse_duration(value).map_err(|e| {
        UsageError(format!(
            "invalid --{flag} '{value}': {e}; use a duration such as 500ms, 2s or 1m"
        ))
        .into()
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("coffer: shutting down: finishing the requests in flight");
}

/// Says on stderr what the heartbeat thread saw.
fn report_node_event(event: coffer_core::NodeEvent) {
    use coffer_core::NodeEvent;
    match event {
        NodeEvent::Lost(n) => eprintln!("coffer: node {} lost: marked {} run(s) failed", n.id, n.failed_runs),
        NodeEvent::HeartbeatFailed(e) => {
            eprintln!("coffer: cannot record this node's heartbeat (other nodes may find it lost): {e}")
        }
        NodeEvent::HeartbeatRestored => eprintln!("coffer: this node's heartbeat is recorded again"),
        NodeEvent::SweepFailed(e) => eprintln!("coffer: cannot look for lost nodes: {e}"),
    }
}

impl Args {
    /// The heartbeat interval and node timeout of the flags.
    fn timing(&self) -> Result<coffer_core::NodeTiming> {
        let interval = duration("heartbeat-interval", &self.heartbeat_interval)?;
        let timeout = duration("node-timeout", &self.node_timeout)?;
        coffer_core::NodeTiming::new(interval, timeout).map_err(|_| {
            UsageError(format!(
                "--node-timeout ({}) must be more than twice --heartbeat-interval ({}), and the interval more than 0, so that one late heartbeat does not make a node lost",
                self.node_timeout, self.heartbeat_interval
            ))
            .into()
        })
    }

    /// The limits of the `/sql` engines.
    fn limits(&self) -> Result<crate::dataplane::EngineLimits> {
        let timeout = duration("sql-timeout", &self.sql_timeout)?;
        if timeout.is_zero() {
            return Err(UsageError("--sql-timeout must be more than 0".into()).into());
        }
        let m = self.sql_memory_limit.trim();
        let valid = m
            .trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == ' ')
            .parse::<f64>()
            .is_ok_and(|n| n > 0.0)
            && ["B", "KB", "MB", "GB", "TB", "KIB", "MIB", "GIB", "TIB"]
                .iter()
                .any(|u| {
                    m.to_ascii_uppercase()
                        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
                        == *u
                });
        if !valid {
            return Err(UsageError(format!(
                "invalid --sql-memory-limit '{m}': use a size such as 512MB or 2GB"
            ))
            .into());
        }
        if self.sql_threads == 0 {
            return Err(UsageError("--sql-threads must be at least 1".into()).into());
        }
        Ok(crate::dataplane::EngineLimits {
            timeout,
            memory_limit: m.to_string(),
            threads: self.sql_threads,
        })
    }

    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let timing = self.timing()?;
        let limits = self.limits()?;
        let web = self.web()?;
        let web_served = web.is_some();
        let pg = self.pg()?;
        let sandbox = ctx.run_sandbox()?;
        if let Some(why) = &sandbox.unavailable {
            return Err(UsageError(format!("cannot serve: {why}")).into());
        }
        // Runs and engines must not read this process's environment, memory or descriptors
        // through /proc (its SECRET_* variables, KMS credentials, the database URL).
        coffer_sandbox::set_non_dumpable().context("cannot mark the server non-dumpable")?;
        let addr: std::net::SocketAddr = self.listen.parse().map_err(|_| {
            UsageError(format!(
                "invalid --listen address '{}': use IP:PORT, e.g. 127.0.0.1:8477",
                self.listen
            ))
        })?;
        // Bound first: engines may not reach this listener, whatever port it got (runs may:
        // they are given its URL and a run token).
        let std_listener = std::net::TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
        std_listener.set_nonblocking(true)?;
        let sandbox = sandbox.with_listener(std_listener.local_addr()?, true);
        let engine = crate::dataplane::sandboxed_engine(&ctx.home, &limits, &sandbox, &self.server_credentials_for)?;
        let service = Arc::new(ctx.service()?);
        service.set_net_policy(sandbox.net.clone());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("coffer-serve")
            .build()
            .context("cannot start the server's runtime")?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener)
                .with_context(|| format!("cannot listen on {addr}"))?;
            let local = listener.local_addr()?;
            let url = format!("http://{local}");
            if let Some(t) = service.bootstrap()? {
                // Leaves the process: stderr, this once.
                eprintln!(
                    "coffer: first start on an empty store: created the superuser '{}' and its token '{}'.\n\
                     It is shown this once and stored only as a hash:\n\n    {}\n\n\
                     Use it:  export COFFER_URL={url} COFFER_TOKEN=<the token above>\n\
                     (or, with the web page on, open {url}/ in a browser and sign in with it)\n\
                     Then create your own user and token (coffer user create NAME; coffer token create --name N --for NAME)\n\
                     and revoke this one: coffer token revoke {}",
                    t.info.owner,
                    t.info.token_name,
                    t.token.expose_secret(),
                    t.info.token_name
                );
            }
            let public = self.public_url.clone().unwrap_or_else(|| url.clone());
            let runner = Arc::new(crate::flights::runner(
                &ctx.home,
                crate::flights::settings(&ctx.home, Some(public.clone()), &self.flight_env_allow, Some(&sandbox)),
                ctx.extensions(),
            ));
            match runner.recover(&service) {
                Ok(0) => {}
                Ok(n) => eprintln!("coffer: marked {n} run(s) failed whose coffer process had stopped"),
                Err(e) => eprintln!("coffer: cannot check for interrupted runs: {e}"),
            }
            // This server is a node under its runner id, so that a surviving node can fail
            // the runs it was running if it dies (see "Several nodes" in the README).
            let node = service
                .join_nodes(&runner.runner_id(), &public, timing, report_node_event)
                .context("cannot register this server as a node in the store")?;
            // Other nodes' changes reach this node's live DuckDB instances (PostgreSQL's
            // LISTEN/NOTIFY; requests revalidate against the store whatever the backend).
            let _feed = service
                .follow_store()
                .context("cannot follow the store's changes")?;
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let scheduler = if self.no_scheduler {
                None
            } else {
                Some(
                    coffer_flights::Scheduler::new(Arc::clone(&runner), Arc::clone(&service))
                        .spawn_loop(Arc::clone(&stop))
                        .context("cannot start the flight scheduler")?,
                )
            };
            let sql = Arc::new(
                crate::dataplane::ServerSql::new(&service, engine, self.sql_engines)
                    .with_flights(&service, Arc::clone(&runner))
                    .with_extensions(ctx.extensions()),
            );
            let state = coffer_server::AppState::new(Arc::clone(&service))
                .with_sql(Arc::clone(&sql) as Arc<dyn coffer_api::SqlRunner>)
                .with_flights(Arc::clone(&runner))
                .with_mcp_read_only(self.mcp_read_only)
                .with_web(web);
            // Said once this node is registered and following the store, so whoever waits for
            // this line finds it in the nodes table.
            let web_page = if web_served { format!("web page at {url}/, ") } else { String::new() };
            eprintln!(
                "coffer: serving {} on {url} ({web_page}OpenAPI at {url}/openapi.json)",
                ctx.home.display()
            );
            // The PostgreSQL endpoint stops with the HTTP server.
            let (stopping, stopped) = tokio::sync::watch::channel(false);
            let pg_task = match pg {
                Some((addr, config)) => {
                    let backend = coffer_pg::PgBackend::new(Arc::clone(&service), Arc::clone(&sql) as Arc<dyn coffer_api::SqlRunner>);
                    let endpoint = coffer_pg::PgEndpoint::new(backend, config).map_err(UsageError)?;
                    let pg_listener = tokio::net::TcpListener::bind(addr)
                        .await
                        .with_context(|| format!("cannot listen on {addr} (--pg-listen)"))?;
                    eprintln!("coffer: PostgreSQL endpoint on {} (user = identity, password = token, database = project)", pg_listener.local_addr()?);
                    let mut stopped = stopped.clone();
                    Some(tokio::spawn(endpoint.serve(pg_listener, async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    })))
                }
                None => None,
            };
            let served = coffer_server::serve(listener, state, async move {
                shutdown_signal().await;
                let _ = stopping.send(true);
            })
            .await;
            if let Some(t) = pg_task {
                let _ = t.await;
            }
            drop(stopped);
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            sql.shutdown();
            if let Some(s) = scheduler {
                let _ = tokio::task::spawn_blocking(move || s.join()).await;
            }
            if runner.active() > 0 {
                eprintln!("coffer: stopping {} running flight run(s)", runner.active());
                runner.shutdown();
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
                while runner.active() > 0 && std::time::Instant::now() < deadline {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
            // A run still going now keeps its node's row: once it is stale, another node
            // marks the run failed.
            let left = runner.active();
            match node.stop(left == 0) {
                Ok(_) if left > 0 => eprintln!(
                    "coffer: {left} run(s) did not stop in time: another node will mark them failed once this node's heartbeat is {} old",
                    humantime::format_duration(timing.timeout())
                ),
                Ok(_) => {}
                Err(e) => eprintln!("coffer: cannot remove this node from the store: {e}"),
            }
            served.context("the server failed")?;
            eprintln!("coffer: stopped");
            Ok(())
        })
    }
}
