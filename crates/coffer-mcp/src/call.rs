//! [`Call`]: what a tool's code gets: the API as the caller, the mode, the default project.

use std::sync::Arc;

/// What a call needs on the blocking pool.
pub struct Call {
    pub api: Arc<dyn coffer_api::CofferApi + Send + Sync>,
    pub read_only: bool,
    pub default_project: String,
}

impl Call {
    /// The project a call names, or the default one.
    pub fn project(&self, given: Option<&String>) -> String {
        given.cloned().unwrap_or_else(|| self.default_project.clone())
    }
}
