//! [`Ctx`]: what every command gets (where the store is, the project, remote mode and how
//! runs are sandboxed), and the ways a command reaches coffer through it.

use crate::error::UsageError;
use anyhow::Result;
use coffer_api::CofferApi;
use std::path::PathBuf;
use std::sync::Arc;

/// What every command gets.
pub struct Ctx {
    pub(super) home: PathBuf,
    pub(super) database: Option<String>,
    pub(super) project: String,
    pub(super) server: Option<String>,
    pub(super) token: Option<String>,
    pub(super) unsandboxed_runs: bool,
    pub(super) run_as: Option<String>,
    pub(super) allow_network: Vec<String>,
    pub(super) offline: bool,
}

impl Ctx {
    /// The installer of DuckDB extensions for this process's engines (`None`, with a warning,
    /// when the environment's settings are invalid: statements then say what is missing).
    pub(super) fn extensions(&self) -> Option<std::sync::Arc<crate::extensions::Extensions>> {
        match crate::extensions::Extensions::new(&self.home, self.offline) {
            Ok(e) => Some(std::sync::Arc::new(e)),
            Err(e) => {
                eprintln!("coffer: warning: DuckDB extensions will not install themselves: {e:#}");
                None
            }
        }
    }

    /// How this process sandboxes runs and untrusted engines.
    pub(super) fn run_sandbox(&self) -> Result<crate::sandbox::RunSandbox> {
        crate::sandbox::RunSandbox::new(self.unsandboxed_runs, self.run_as.as_deref(), &self.allow_network)
    }

    /// A flight runner of this machine for local mode (sandboxed runs).
    pub(super) fn local_runner(&self) -> Result<coffer_flights::Runner> {
        let sandbox = self.run_sandbox()?;
        Ok(crate::flights::runner(
            &self.home,
            crate::flights::settings(&self.home, None, &[], Some(&sandbox)),
            self.extensions(),
        ))
    }

    /// The embedded store, for commands that only work locally.
    pub(super) fn service(&self) -> Result<coffer_core::Service> {
        crate::home::open(&self.home, self.database.as_deref())
    }

    /// Fails for commands that only work on the embedded store when remote mode is on.
    pub(super) fn local_only(&self, what: &str) -> Result<()> {
        if self.server.is_some() {
            return Err(UsageError(format!(
                "{what} works on the embedded store only; unset COFFER_URL (or drop --server) to use it"
            ))
            .into());
        }
        Ok(())
    }

    /// Whether commands act through a server (`--server`/`COFFER_URL`).
    pub(super) fn is_remote(&self) -> bool {
        self.server.is_some()
    }

    /// The server's API when `--server`/`COFFER_URL` is set (remote mode), as the token's
    /// identity.
    pub(super) fn remote(&self) -> Result<Option<coffer_api::Remote>> {
        let Some(url) = &self.server else {
            return Ok(None);
        };
        let token = self.token.clone().filter(|t| !t.is_empty()).ok_or_else(|| {
            UsageError(
                "remote mode needs a token: set COFFER_TOKEN or pass --access-token (create one with `coffer token create`)"
                    .into(),
            )
        })?;
        Ok(Some(coffer_api::Remote::new(
            url,
            coffer_crypto::SecretString::from(token),
        )?))
    }

    /// Where commands act: the server when `--server`/`COFFER_URL` is set, else the embedded
    /// store as the machine's owner.
    pub(super) fn api(&self) -> Result<Box<dyn CofferApi>> {
        self.api_with(None)
    }

    /// As [`Ctx::api`]; locally, flights run in this process on `runner`, to their end.
    pub(super) fn api_running_flights(&self, runner: coffer_flights::Runner) -> Result<Box<dyn CofferApi>> {
        self.api_with(Some(runner))
    }

    pub(super) fn api_with(&self, runner: Option<coffer_flights::Runner>) -> Result<Box<dyn CofferApi>> {
        match self.remote()? {
            Some(remote) => Ok(Box::new(remote)),
            None => {
                let api = coffer_api::Local::new(Arc::new(self.service()?), coffer_core::Caller::local());
                Ok(Box::new(match runner {
                    Some(r) => api.running_flights_here(Arc::new(r)),
                    None => api,
                }))
            }
        }
    }
}
