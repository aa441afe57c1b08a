//! The answers of the key use cases: key usage, rotation and verification reports.

use serde::{Deserialize, Serialize};

/// How many stored data keys a key-encryption key wraps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyUsage {
    /// The key-encryption key (`local:2`, a KMS key).
    pub key_id: String,
    /// How many stored secret versions' data keys it wraps.
    pub data_keys: usize,
    /// Whether new data keys are wrapped with it.
    pub current: bool,
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotationReport {
    /// The key added, or `None` when an interrupted rotation was finished instead.
    pub new_key: Option<String>,
    /// The key every data key is now wrapped with.
    pub current_key: String,
    /// Data keys wrapped again.
    pub rewrapped: usize,
    /// Versions replaced or dropped while the rotation ran (written under the current key).
    pub changed_meanwhile: usize,
}

/// What [`Service::prune_keys`](crate::Service::prune_keys) did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PruneReport {
    /// The key new data keys are wrapped with.
    pub current_key: String,
    /// Whether the keyring holds key-encryption keys itself (a key file). `false`: its keys
    /// stay in a key service (AWS KMS), and there is nothing here to prune.
    pub holds_keys: bool,
    /// The keys removed from the key file.
    pub removed: Vec<String>,
    /// The keys kept, and why.
    pub kept: Vec<KeptKey>,
}

/// A key-encryption key [`Service::prune_keys`](crate::Service::prune_keys) kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeptKey {
    /// The key.
    pub key_id: String,
    /// Why it stays: it is current, or data keys are still wrapped under it.
    pub reason: String,
    /// How many stored secret versions' data keys it wraps.
    pub data_keys: usize,
    /// Some of those versions, `project/name version N` (at most five).
    pub used_by: Vec<String>,
}

/// What [`Service::verify_all`](crate::Service::verify_all) found: every stored version opened, or
/// which did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Stored versions (current and kept) that decrypted and passed their integrity checks.
    pub opened: usize,
    /// The versions that did not.
    pub failed: Vec<VerifyFailure>,
}

/// One stored version that does not open with this keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    /// Its project.
    pub project: String,
    /// The secret.
    pub name: String,
    /// The version.
    pub version: i64,
    /// The key-encryption key that wrapped its data key.
    pub key_id: String,
    /// Why it failed (a keyring or integrity error; never a value).
    pub reason: String,
}
