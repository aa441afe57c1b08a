//! The errors of a store ([`StoreError`]) and its [`Result`].

/// Errors of a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The write's expectation did not hold: the secret exists (when absent was expected) or
    /// its version moved on.
    #[error("conflict: secret '{name}' {what}")]
    Conflict {
        /// The secret.
        name: String,
        /// What was found instead.
        what: String,
    },
    /// The database schema is newer than this binary knows.
    #[error("the database schema is version {found} but this coffer knows up to {known}: upgrade coffer")]
    SchemaTooNew {
        /// The database's version.
        found: i64,
        /// The newest version this binary knows.
        known: i64,
    },
    /// A stored row cannot be read back (bad JSON, bad column).
    #[error("corrupt row for secret '{name}': {reason}")]
    Corrupt {
        /// The secret.
        name: String,
        /// What is wrong (never a value).
        reason: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Backend(String),
    /// An audit event could not be written (the change it went with was not made).
    #[error("the audit log cannot be written: {0}")]
    Audit(String),
}

/// A `Result` with [`StoreError`].
pub type Result<T> = std::result::Result<T, StoreError>;
