//! [`Backend`]: where a tool call reaches coffer, as whom, and what scrubs its answer.

use coffer_api::CofferApi;
use coffer_core::Service;
use coffer_model::mask::Masker;
use std::sync::Arc;

/// Where the tools reach coffer.
pub trait Backend: Send + Sync + 'static {
    /// The API as the caller of this request. `head` is the HTTP request's head on `/mcp`
    /// (its extensions hold what the server's authentication put there); `None` on stdio.
    ///
    /// # Errors
    /// No caller for this request (the server answers 401 before a call gets here).
    fn api(&self, head: Option<&http::request::Parts>) -> coffer_api::Result<Arc<dyn CofferApi + Send + Sync>>;

    /// A masker of `project`'s secret values, that every answer passes through; `Ok(None)`
    /// when this process cannot see the values (a CLI in remote mode).
    ///
    /// # Errors
    /// An unknown project; store and decryption errors.
    fn masker(&self, project: &str) -> coffer_api::Result<Option<Arc<Masker>>>;
}

/// One API for every call (stdio: the CLI's identity), masked with `service`'s values when
/// the store is in this process.
pub struct Fixed {
    api: Arc<dyn CofferApi + Send + Sync>,
    service: Option<Arc<Service>>,
}

impl Fixed {
    /// Every call through `api`; answers masked with the values of `service` when given.
    pub fn new(api: Arc<dyn CofferApi + Send + Sync>, service: Option<Arc<Service>>) -> Self {
        Fixed { api, service }
    }
}

impl Backend for Fixed {
    fn api(&self, _head: Option<&http::request::Parts>) -> coffer_api::Result<Arc<dyn CofferApi + Send + Sync>> {
        Ok(Arc::clone(&self.api))
    }

    fn masker(&self, project: &str) -> coffer_api::Result<Option<Arc<Masker>>> {
        match &self.service {
            Some(s) => Ok(Some(s.output_masker(project)?)),
            None => Ok(None),
        }
    }
}
