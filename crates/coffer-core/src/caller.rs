//! Who makes a request ([`Caller`]) and the roles it may hold in a project ([`Role`]).
//!
//! [`Role::parse`] is defined in [`crate::error`], beside the error it returns, so that this
//! module needs nothing from the error module (which names [`Role`] in its `Forbidden`).

use crate::clock::now_ms;
use coffer_store::AuditEvent;
use serde::{Deserialize, Serialize};

/// A role in a project. Each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Names and metadata only.
    Read,
    /// Values injected into runs and the data plane, never shown.
    Use,
    /// Create, replace and drop secrets.
    Write,
    /// Manage members, service accounts and tokens; read the project's audit log.
    Admin,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 4] = [Role::Read, Role::Use, Role::Write, Role::Admin];

    /// The role's name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Use => "use",
            Role::Write => "write",
            Role::Admin => "admin",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The identity's id; `None` in local mode.
    pub identity_id: Option<i64>,
    /// The identity's name (`admin`, `flights-prod`), or `local:<user>` in local mode.
    pub name: String,
    /// Whether it may do everything everywhere.
    pub superuser: bool,
    /// The name of the token it authenticated with.
    pub token_name: Option<String>,
    /// The client's address, or `local`.
    pub client: String,
}

impl Caller {
    /// The local machine's owner, as in local mode: `local:<user>`, a superuser (whoever can
    /// read the key file can open every secret anyway).
    pub fn local() -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .ok()
            .filter(|u| !u.is_empty())
            .or_else(|| whoami::fallible::username().ok())
            .unwrap_or_else(|| "unknown".into());
        Caller {
            identity_id: None,
            name: format!("local:{user}"),
            superuser: true,
            token_name: None,
            client: "local".into(),
        }
    }

    /// An audit event by this caller, now.
    pub fn event(&self, project: &str, object: &str, action: &str, result: &str, detail: Option<String>) -> AuditEvent {
        AuditEvent {
            id: 0,
            at: now_ms(),
            actor: self.name.clone(),
            token_name: self.token_name.clone(),
            project: project.to_string(),
            object: object.to_string(),
            action: action.to_string(),
            result: result.to_string(),
            client: self.client.clone(),
            detail,
        }
    }
}
