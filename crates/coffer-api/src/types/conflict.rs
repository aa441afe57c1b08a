//! What a create does when the name is taken ([`OnConflictBody`]) and what it did
//! ([`SecretAction`]): shared by secrets and data sources.

use serde::{Deserialize, Serialize};

/// What to do when a secret of that name exists.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum OnConflictBody {
    /// Refuse (plain CREATE SECRET).
    #[default]
    Error,
    /// Replace it as a new version (OR REPLACE).
    Replace,
    /// Keep it (IF NOT EXISTS).
    Ignore,
}

/// What a create did: `created`, `replaced` or `kept existing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecretAction {
    /// A new secret (HTTP 201).
    #[serde(rename = "created")]
    Created,
    /// A new version of an existing one (OR REPLACE).
    #[serde(rename = "replaced")]
    Replaced,
    /// The existing one, unchanged (IF NOT EXISTS).
    #[serde(rename = "kept existing")]
    Kept,
}

impl SecretAction {
    /// `created`, `replaced` or `kept existing`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretAction::Created => "created",
            SecretAction::Replaced => "replaced",
            SecretAction::Kept => "kept existing",
        }
    }
}
