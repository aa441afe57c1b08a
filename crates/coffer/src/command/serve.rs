use super::Ctx;
use anyhow::{Context, Result};
use std::sync::Arc;

/// `coffer serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on. Put a TLS-terminating proxy in front of it for anything
    /// beyond loopback.
    #[arg(long, env = "COFFER_LISTEN", default_value = "127.0.0.1:8477")]
    listen: String,
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

impl Args {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let service = Arc::new(ctx.service()?);
        let addr: std::net::SocketAddr = self.listen.parse().map_err(|_| {
            crate::UsageError(format!(
                "invalid --listen address '{}': use IP:PORT, e.g. 127.0.0.1:8477",
                self.listen
            ))
        })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("coffer-serve")
            .build()
            .context("cannot start the server's runtime")?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            let local = listener.local_addr()?;
            let url = format!("http://{local}");
            if let Some(t) = service.bootstrap()? {
                eprintln!(
                    "coffer: first start on an empty store: created the superuser '{}' and its token '{}'.\n\
                     It is shown this once and stored only as a hash:\n\n    {}\n\n\
                     Use it:  export COFFER_URL={url} COFFER_TOKEN=<the token above>\n\
                     Then create your own user and token (coffer user create NAME; coffer token create --name N --for NAME)\n\
                     and revoke this one: coffer token revoke {}",
                    t.info.owner,
                    t.info.token_name,
                    t.token.expose_secret(),
                    t.info.token_name
                );
            }
            eprintln!("coffer: serving {} on {url} (OpenAPI at {url}/openapi.json)", ctx.home.display());
            let sql = Arc::new(crate::dataplane::ServerSql::new(&service, &ctx.home));
            let state = coffer_server::AppState::new(service).with_sql(sql);
            coffer_server::serve(listener, state, shutdown_signal())
                .await
                .context("the server failed")?;
            eprintln!("coffer: stopped");
            Ok(())
        })
    }
}
