//! `coffer mcp`: the MCP server on stdin/stdout, for an agent that starts coffer as a tool
//! server. Locally it acts as the machine's owner over the embedded store, runs flights on
//! this process's runner and SQL on a sandboxed DuckDB; in remote mode (`COFFER_URL`) it acts
//! as the token's identity through the HTTP API.

use super::ctx::Ctx;
use crate::error::UsageError;
use anyhow::{Context, Result};
use std::sync::Arc;
use std::time::Duration;

/// `coffer mcp`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Offer only the tools that change nothing; `query` then takes only statements that
    /// change nothing.
    #[arg(long)]
    read_only: bool,
}

impl Args {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let options = coffer_mcp::Options {
            read_only: self.read_only,
            project: ctx.project.clone(),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("coffer-mcp")
            .build()
            .context("cannot start the MCP server's runtime")?;
        if let Some(remote) = ctx.remote()? {
            // The values stay on the server: answers are not masked here (see the README).
            let backend = Arc::new(coffer_mcp::Fixed::new(Arc::new(remote), None));
            return runtime
                .block_on(coffer_mcp::serve_stdio(backend, options))
                .context("the MCP server failed");
        }
        let sandbox = ctx.run_sandbox()?;
        if let Some(why) = &sandbox.unavailable {
            return Err(UsageError(format!("cannot serve MCP: {why}")).into());
        }
        coffer_sandbox::set_non_dumpable().context("cannot mark the MCP server non-dumpable")?;
        let limits = crate::dataplane::EngineLimits {
            timeout: Duration::from_secs(30),
            memory_limit: "1GB".into(),
            threads: 2,
        };
        let engine = crate::dataplane::sandboxed_engine(&ctx.home, &limits, &sandbox, &[])?;
        let service = Arc::new(ctx.service()?);
        service.set_net_policy(sandbox.net.clone());
        let runner = Arc::new(ctx.local_runner()?);
        let sql = Arc::new(
            crate::dataplane::ServerSql::new(&service, engine, 4)
                .with_flights(&service, Arc::clone(&runner))
                .with_extensions(ctx.extensions()),
        );
        let api = coffer_api::Local::new(Arc::clone(&service), coffer_core::Caller::local())
            .with_sql(Arc::clone(&sql) as Arc<dyn coffer_api::SqlRunner>)
            .spawning_flights(Arc::clone(&runner));
        let backend = Arc::new(coffer_mcp::Fixed::new(Arc::new(api), Some(Arc::clone(&service))));
        let served = runtime.block_on(coffer_mcp::serve_stdio(backend, options));
        // The client went away: runs it started stop with this process.
        if runner.active() > 0 {
            runner.shutdown();
            let deadline = std::time::Instant::now() + Duration::from_secs(15);
            while runner.active() > 0 && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        sql.shutdown();
        served.context("the MCP server failed")
    }
}
