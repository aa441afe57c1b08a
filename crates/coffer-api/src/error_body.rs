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
    /// What went wrong (what to do is `hint`). Never a secret value. For errors on the
    /// server's side (`store_unavailable`, `keyring_unavailable`, `audit_unavailable`, `internal`) only a
    /// generic message and the request id under which the server logged the cause.
    pub message: String,
    /// The request field at fault (`fields.secret`, `name`, `type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `forbidden`: the role that was needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_needed: Option<String>,
    /// What the client can do about it, as data: `action` names it (`replace_or_keep`,
    /// `name_storage`, `grant_role`, `create_project`, `name_project`, `name_token_owner`,
    /// `force_delete`, `create_secret`, `name_a_change`, `cancel_or_raise_concurrency`) and
    /// the other members are its details (`grant_role`: `role`, `identity`, `project`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<coffer_core::Hint>,
}
