//! The requests and answers of the access use cases: projects, identities, tokens, members
//! and the audit log.

use coffer_crypto::SecretString;
use coffer_store::{AuditEvent, IdentityRecord};
use serde::{Deserialize, Serialize};

/// A project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectInfo {
    /// Its name.
    pub name: String,
    /// Created, Unix milliseconds.
    pub created_at: i64,
    /// Creator.
    pub created_by: String,
    /// The caller's role in it (`admin` for a superuser).
    pub role: String,
}

/// A user or service account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityInfo {
    /// Its name.
    pub name: String,
    /// `user` or `service_account`.
    pub kind: String,
    /// Whether it may do everything everywhere.
    pub superuser: bool,
    /// A service account's project.
    pub project: Option<String>,
    /// Created, Unix milliseconds.
    pub created_at: i64,
    /// Creator.
    pub created_by: String,
}

impl From<&IdentityRecord> for IdentityInfo {
    fn from(r: &IdentityRecord) -> Self {
        IdentityInfo {
            name: r.name.clone(),
            kind: r.kind.clone(),
            superuser: r.superuser,
            project: r.project.clone(),
            created_at: r.created_at,
            created_by: r.created_by.clone(),
        }
    }
}

/// A token's metadata: never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    /// Its name (`flights-prod-ingest`).
    pub token_name: String,
    /// The identity it acts as.
    pub owner: String,
    /// `user` or `service_account`.
    pub owner_kind: String,
    /// Created, Unix milliseconds.
    pub created_at: i64,
    /// Creator.
    pub created_by: String,
    /// Last used, Unix milliseconds (at most a minute off).
    pub last_used_at: Option<i64>,
    /// Expiry, Unix milliseconds.
    pub expires_at: Option<i64>,
    /// Revoked, Unix milliseconds.
    pub revoked_at: Option<i64>,
    /// `active`, `expired` or `revoked` (itself, or a token above it).
    pub status: String,
    /// The token that created it; `None` when it was created with no token (local mode, the
    /// bootstrap token) or before tokens recorded their parent.
    pub parent: Option<String>,
    /// In the answer to a revoke: the tokens below it that were revoked with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked_with: Vec<String>,
}

/// A member of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberInfo {
    /// The project.
    pub project: String,
    /// The identity.
    pub identity: String,
    /// `user` or `service_account`.
    pub kind: String,
    /// Its role.
    pub role: String,
    /// Granted, Unix milliseconds.
    pub granted_at: i64,
    /// By whom.
    pub granted_by: String,
}

/// One audit event, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditInfo {
    /// Sequence number.
    pub id: i64,
    /// When, Unix milliseconds.
    pub at: i64,
    /// The identity.
    pub actor: String,
    /// The token it used.
    pub token_name: Option<String>,
    /// The project (`-` for server-wide events).
    pub project: String,
    /// What was acted on (`secret:NAME`).
    pub object: String,
    /// What was done.
    pub action: String,
    /// `ok` or `denied`.
    pub result: String,
    /// The client's address.
    pub client: String,
    /// More (never a value).
    pub detail: Option<String>,
}

impl From<AuditEvent> for AuditInfo {
    fn from(e: AuditEvent) -> Self {
        AuditInfo {
            id: e.id,
            at: e.at,
            actor: e.actor,
            token_name: e.token_name,
            project: e.project,
            object: e.object,
            action: e.action,
            result: e.result,
            client: e.client,
            detail: e.detail,
        }
    }
}

/// A token just created: its metadata, and the token, shown this once.
#[derive(Debug)]
pub struct NewToken {
    /// Metadata.
    pub info: TokenInfo,
    /// The token.
    pub token: SecretString,
    /// Why it was not made as asked (its expiry capped to its parent's), if it was not.
    pub notice: Option<String>,
}
