//! [`Hint`]: what a user can do about an error, as data. The core says *what* to do (replace
//! the secret, name the storage, have a role granted); each front end words it in its own
//! terms: the CLI names its flags and commands (`--or-replace`, `coffer grant ...`), the SQL
//! front its clauses (`OR REPLACE`), the HTTP API its request fields. [`Hint`]'s `Display` is
//! the neutral wording, for readers of the HTTP API and the logs. [`crate::ModelError::hint`]
//! and coffer-core's `CoreError::hint` give an error's hint.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What the user can do about an error. Serialized with its `action` as the tag
/// (`{"action":"grant_role","role":"use",...}`), so a remote client words it as a local one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Hint {
    /// A secret of that name exists: replace it, or keep it and go on.
    ReplaceOrKeep,
    /// A name exists in several storages: say which storage is meant.
    NameStorage,
    /// A project admin can grant `role` in `project` to `identity`.
    GrantRole {
        /// The role needed.
        role: String,
        /// Who needs it.
        identity: String,
        /// Where.
        project: String,
    },
    /// The project does not exist: create it.
    CreateProject {
        /// The project.
        project: String,
    },
    /// Say which project is meant (a request that is not about one project by default).
    NameProject,
    /// Say which identity the token is for (local mode acts as no identity).
    NameTokenOwner,
    /// Delete the project with what it still holds.
    ForceDelete,
    /// Create the secret first (a `flights` secret holds a flight's key-value pairs).
    CreateSecret {
        /// The secret's name.
        name: String,
    },
    /// An update that changes nothing: name at least one thing to change.
    NameAChange,
    /// A flight at its concurrency: wait, cancel one of its runs, or raise its concurrency.
    CancelOrRaiseConcurrency {
        /// The flight.
        flight: String,
    },
    /// A `flights` secret without params: set at least one.
    SetAParam,
    /// A Python or SQL flight (or step) without its script: give it.
    GiveAScript,
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hint::ReplaceOrKeep => f.write_str("replace it (or_replace) or keep it (if_not_exists)"),
            Hint::NameStorage => f.write_str("say which storage (temporary or persistent)"),
            Hint::GrantRole {
                role,
                identity,
                project,
            } => {
                write!(f, "a project admin of '{project}' can grant '{role}' to '{identity}'")
            }
            Hint::CreateProject { project } => write!(f, "create project '{project}' first"),
            Hint::NameProject => f.write_str("say which project"),
            Hint::NameTokenOwner => f.write_str("say which identity the token is for"),
            Hint::ForceDelete => f.write_str("drop them first or delete the project with force"),
            Hint::CreateSecret { name } => write!(f, "create secret '{name}' (type flights) first"),
            Hint::NameAChange => f.write_str("give at least one thing to change"),
            Hint::CancelOrRaiseConcurrency { .. } => {
                f.write_str("wait, cancel one of its runs or raise its concurrency")
            }
            Hint::SetAParam => f.write_str("set at least one param (params.NAME)"),
            Hint::GiveAScript => f.write_str("give the script"),
        }
    }
}
