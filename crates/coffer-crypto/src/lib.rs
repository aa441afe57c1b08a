//! coffer's cryptography: secret values in memory, envelope encryption and keyrings.
//!
//! - [`SecretString`] / [`SecretBytes`]: a value that is zeroized on drop, has no `Display`,
//!   whose `Debug` prints `SecretString(*******)`, and whose content is reached only through
//!   `expose_secret()` so every use is easy to find in review.
//! - [`envelope`]: each sealed blob gets a fresh 256-bit data key; the plaintext is sealed with
//!   AES-256-GCM under that key with caller-chosen additional data (AAD), and the data key is
//!   wrapped by a [`Keyring`] with the same AAD as its context. [`envelope::seal`] and
//!   [`envelope::open`] are the only two entry points.
//! - [`keyring`]: the [`Keyring`] trait, and [`LocalKeyFile`], a versioned key file created
//!   `0600` that refuses to load when group- or world-readable. AWS KMS is another keyring.
//!
//! Errors never contain key material, plaintext or ciphertext: a failed open says only
//! "integrity check failed".
#![deny(missing_docs)]

pub mod envelope;
pub mod keyring;
pub mod keyset;
mod secret;

pub use envelope::Sealed;
pub use keyring::{DataKey, HeldKey, Keyring, LocalKeyFile};
pub use keyset::KeyringSet;
pub use secret::{SecretBytes, SecretString};

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
