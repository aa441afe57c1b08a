//! [`ErrorBody`]: the body of every error answer of the HTTP API, one of its types
//! ([`crate::types`]) that [`crate::Error::Server`] carries, apart from the others, whose
//! checks fail with an [`crate::Error`].

use serde::{Deserialize, Serialize};

/// An error: a stable `code`, a message for people, and the field at fault when there is one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// `invalid`, `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `ambiguous`, `payload_too_large`, `unsupported_media_type`, `method_not_allowed`,
    /// `audit_unavailable`, `store_unavailable`, `keyring_unavailable`, `unavailable` (the
    /// server was started without what the request needs, e.g. a flight runner), `internal`.
    pub code: String,
    /// What went wrong and what to do. Never a secret value. For errors on the server's side
    /// (`store_unavailable`, `keyring_unavailable`, `audit_unavailable`, `internal`) only a
    /// generic message and the request id under which the server logged the cause.
    pub message: String,
    /// The request field at fault (`fields.secret`, `name`, `type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `forbidden`: the role that was needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_needed: Option<String>,
}
