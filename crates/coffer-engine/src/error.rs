//! The errors of the engine and the data plane ([`EngineError`]) and its [`Result`].

/// Errors of the engine and the data plane.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// DuckDB refused a statement.
    #[error("{0}")]
    Duck(String),
    /// A statement ran past its timeout and was interrupted.
    #[error("{0}")]
    Timeout(String),
    /// A result larger than the engine sends.
    #[error("{0}")]
    TooLarge(String),
    /// The engine process could not be started.
    #[error("{0}")]
    Start(String),
    /// The engine process died or stopped answering; it is replaced at the next statement.
    #[error("the DuckDB engine stopped: {0}; it is restarted for the next statement")]
    Died(String),
    /// A secret could not be opened to register it.
    #[error("cannot load secret '{name}' into DuckDB: {source}")]
    Secret {
        /// The secret.
        name: String,
        /// Why.
        source: Box<coffer_core::CoreError>,
    },
    /// The service refused (the caller may not list the project's secrets).
    #[error(transparent)]
    Core(Box<coffer_core::CoreError>),
}

impl From<coffer_core::CoreError> for EngineError {
    fn from(e: coffer_core::CoreError) -> Self {
        EngineError::Core(Box::new(e))
    }
}

/// A `Result` with [`EngineError`].
pub type Result<T> = std::result::Result<T, EngineError>;
