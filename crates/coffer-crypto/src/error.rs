//! The errors of this crate ([`CryptoError`]) and its [`Result`]; none contains key material,
//! plaintext or ciphertext.

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A ciphertext or wrapped key did not authenticate: tampered, moved to another row, or
    /// sealed under another key.
    #[error("integrity check failed: the stored ciphertext does not authenticate (tampered, moved from another secret, or sealed with another key)")]
    Integrity,
    /// The key-encryption key named in a blob is not in the keyring.
    #[error("key '{0}' is not in the keyring; restore the key file that sealed this secret")]
    UnknownKey(String),
    /// The key file is readable by group or others.
    #[error("key file {path} is readable by group or others (mode {mode:o}); fix it with: chmod 600 {path}")]
    KeyFilePermissions {
        /// The key file.
        path: String,
        /// Its mode bits.
        mode: u32,
    },
    /// The key file exists but is not a coffer key file.
    #[error("key file {path} is not a valid coffer key file: {reason}")]
    KeyFileFormat {
        /// The key file.
        path: String,
        /// What is wrong with it (never key material).
        reason: String,
    },
    /// Reading or writing the key file failed.
    #[error("key file {path}: {source}")]
    Io {
        /// The key file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A key service (AWS KMS) refused the call or could not be reached.
    #[error("AWS KMS key {key}: {reason}")]
    KeyService {
        /// The key, as configured or as stored.
        key: String,
        /// What happened and what to do (never key material).
        reason: String,
        /// Its kind: `NotFound`, `PermissionDenied`, `ConnectionRefused`, `TimedOut`, ...
        kind: std::io::ErrorKind,
    },
    /// The keyring cannot do this; the message says what to do instead.
    #[error("{0}")]
    Unsupported(&'static str),
    /// A stored blob is malformed (bad lengths).
    #[error("malformed sealed data: {0}")]
    Malformed(&'static str),
}

/// A `Result` with [`CryptoError`].
pub type Result<T> = std::result::Result<T, CryptoError>;
