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
mod error;
pub mod keyring;
pub mod keyset;
mod secret;

pub use envelope::Sealed;
pub use error::{CryptoError, Result};
pub use keyring::{DataKey, HeldKey, Keyring, LocalKeyFile};
pub use keyset::KeyringSet;
pub use secret::{SecretBytes, SecretString};
