//! coffer's storage layer: the [`Store`] trait, its records, and [`suite`], the one test suite
//! every backend must pass.
//!
//! A store keeps secrets exactly as [`SecretRecord`]s: metadata in clear and the sensitive
//! values as an opaque [`SealedRecord`] (ciphertext plus wrapped data key). A store never
//! encrypts or decrypts; `coffer-core` does. Writes are optimistic: [`Store::put_secret`] says
//! which version it expects to replace ([`Expect`]), so two writers can never both "win".
#![deny(missing_docs)]

pub mod suite;

use coffer_model::FieldValue;
use std::collections::BTreeMap;

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
}

/// A `Result` with [`StoreError`].
pub type Result<T> = std::result::Result<T, StoreError>;

/// The sealed sensitive values of one secret version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedRecord {
    /// The key-encryption key that wrapped the data key.
    pub key_id: String,
    /// The wrapped data key.
    pub wrapped_key: Vec<u8>,
    /// The ciphertext's nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext and tag.
    pub ciphertext: Vec<u8>,
}

/// One persistent secret as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRecord {
    /// The project it belongs to.
    pub project: String,
    /// Its name, unique in the project.
    pub name: String,
    /// Lower-case type.
    pub secret_type: String,
    /// Provider.
    pub provider: String,
    /// Scopes, defaults applied.
    pub scopes: Vec<String>,
    /// Non-sensitive fields, in clear.
    pub public_fields: BTreeMap<String, FieldValue>,
    /// The names of the sealed values (`secret`, `params.API_KEY`).
    pub sensitive_keys: Vec<String>,
    /// The sealed values.
    pub sealed: SealedRecord,
    /// Version, 1 for a new secret, +1 on each replace.
    pub version: i64,
    /// When the secret was first created (Unix milliseconds).
    pub created_at: i64,
    /// Who created it.
    pub created_by: String,
    /// When this version was written (Unix milliseconds).
    pub updated_at: i64,
    /// Who wrote this version.
    pub updated_by: String,
}

/// What a write expects to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No secret of that name.
    Absent,
    /// The secret at exactly this version.
    Version(i64),
}

/// A persistent store of secrets. Secret names keep the case they were written in but are
/// compared case-insensitively (ASCII), as DuckDB compares them: `get_secret(p, "MY_S3")`
/// finds `my_s3`, and the two cannot coexist.
pub trait Store: Send + Sync {
    /// Writes `record` if `expect` holds, atomically.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when it does not hold; [`StoreError::Backend`].
    fn put_secret(&self, record: &SecretRecord, expect: Expect) -> Result<()>;

    /// The secret `name` of `project`.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn get_secret(&self, project: &str, name: &str) -> Result<Option<SecretRecord>>;

    /// Every secret of `project`, ordered by name.
    ///
    /// # Errors
    /// As [`Store::get_secret`].
    fn list_secrets(&self, project: &str) -> Result<Vec<SecretRecord>>;

    /// Deletes the secret; returns whether it existed.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn delete_secret(&self, project: &str, name: &str) -> Result<bool>;
}
