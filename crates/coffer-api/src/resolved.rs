//! [`ResolvedEnv`]: a run's environment as [`crate::CofferApi::resolve_env`] hands it out.

use coffer_core::runenv::RunEnv;

/// A run's environment as the API hands it out: the variables, and the warnings about those
/// left out (a stored secret whose name steers a loader, shell or interpreter).
#[derive(Debug)]
pub struct ResolvedEnv {
    /// The variables, values included.
    pub env: RunEnv,
    /// What was left out, and why.
    pub warnings: Vec<String>,
}
