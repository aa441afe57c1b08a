//! The engine's errors ([`DuckError`]), its [`Result`] and the result size limit
//! ([`MAX_RESULT_BYTES`]).

/// The largest result the engine sends, in bytes of cell text.
pub const MAX_RESULT_BYTES: usize = 64 << 20;

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DuckError {
    /// DuckDB refused a statement.
    #[error("{0}")]
    Duck(String),
    /// A result larger than [`MAX_RESULT_BYTES`].
    #[error("the result is larger than {} MiB; add a LIMIT or aggregate it", MAX_RESULT_BYTES >> 20)]
    TooLarge,
}

impl From<duckdb::Error> for DuckError {
    fn from(e: duckdb::Error) -> Self {
        DuckError::Duck(e.to_string())
    }
}

/// A `Result` with [`DuckError`].
pub type Result<T> = std::result::Result<T, DuckError>;
