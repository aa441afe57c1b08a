//! The errors of the application layer: [`CoreError`] and the [`Result`] alias.
//!
//! A message says what went wrong in terms of the request, never in a front end's terms (no
//! CLI flag, no SQL clause): what the user can do about it is a [`Hint`] ([`CoreError::hint`]),
//! which each front end words itself.

use crate::caller::Role;
use coffer_model::hint::Hint;
use coffer_model::{ModelError, Storage};

/// Errors of the application layer. [`CoreError::hint`] says what the user can do about one;
/// how a front end reports it (an exit code, an HTTP status) is the front end's to say.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The input breaks a rule of the model.
    #[error(transparent)]
    Invalid(#[from] ModelError),
    /// The request cannot be carried out as asked (a usage error).
    #[error("{0}")]
    Usage(String),
    /// A secret of that name already exists in that storage.
    #[error("{} secret with name '{name}' already exists{}", if storage.persistent() { "Persistent" } else { "Temporary" }, if storage.persistent() { format!(" in secret storage '{}'", storage.name()) } else { String::new() })]
    AlreadyExists {
        /// The name.
        name: String,
        /// Where it exists.
        storage: Storage,
    },
    /// No secret of that name.
    #[error("secret '{name}' does not exist{}", storage.map(|s| format!(" in storage '{}'", s.name())).unwrap_or_default())]
    NotFound {
        /// The name.
        name: String,
        /// The storage searched, when one was named.
        storage: Option<Storage>,
    },
    /// A name that exists in several storages, used without saying which.
    #[error("secret '{name}' exists in several storages ({}){}", storages.iter().map(|s| s.name()).collect::<Vec<_>>().join(", "), env_hint(name, storages))]
    Ambiguous {
        /// The name.
        name: String,
        /// Where it exists.
        storages: Vec<Storage>,
    },
    /// Another writer changed the secret at the same time, several times in a row.
    #[error("secret '{0}' was changed by another writer at the same time; try again")]
    Contended(String),
    /// The storage cannot be written (`env`): the message says why and what to do instead.
    #[error("{0}")]
    ReadOnly(String),
    /// Encryption or decryption failed.
    #[error(transparent)]
    Crypto(#[from] coffer_crypto::CryptoError),
    /// The store failed.
    #[error(transparent)]
    Store(coffer_store::StoreError),
    /// A project, identity, token or grant of that name already exists (or is in a state
    /// that forbids the change).
    #[error("{0}")]
    Conflict(String),
    /// No project member, identity or token of that name.
    #[error("{0}")]
    Missing(String),
    /// No valid token.
    #[error("not authenticated: {0}")]
    Unauthenticated(String),
    /// The caller lacks the role.
    #[error("permission denied: '{caller}' needs the role '{need}' in project '{project}'")]
    Forbidden {
        /// Who asked.
        caller: String,
        /// Where.
        project: String,
        /// The role that was needed.
        need: Role,
    },
    /// The caller has the role but may not do this to this object (it may not act as a
    /// flight's run identity); the message says why and what to do.
    #[error("permission denied: {0}")]
    NotPermitted(String),
    /// Only a superuser may do this.
    #[error("permission denied: only a superuser may do this, and '{caller}' is not one")]
    NeedsSuperuser {
        /// Who asked.
        caller: String,
    },
    /// The caller's token may not do this, whatever its identity's roles (a flight run's
    /// token creating tokens).
    #[error("permission denied: {0}")]
    TokenRefused(String),
    /// No such project.
    #[error("project '{0}' does not exist")]
    ProjectNotFound(String),
    /// The audit event could not be written, so the request was refused.
    #[error("the request was refused because its audit event cannot be written (fail closed): {0}")]
    Audit(coffer_store::StoreError),
    /// An error with what the user can do about it, when its variant does not say so itself.
    #[error("{error}")]
    Hinted {
        /// The error.
        error: Box<CoreError>,
        /// What to do.
        hint: Hint,
    },
}

impl CoreError {
    /// `self` with what the user can do about it.
    #[must_use]
    pub fn with_hint(self, hint: Hint) -> CoreError {
        CoreError::Hinted {
            error: Box::new(self),
            hint,
        }
    }

    /// The error itself, without its hint (the variant to match on).
    pub fn inner(&self) -> &CoreError {
        match self {
            CoreError::Hinted { error, .. } => error.inner(),
            other => other,
        }
    }

    /// What the user can do about this error, if anything.
    pub fn hint(&self) -> Option<Hint> {
        Some(match self {
            CoreError::Hinted { hint, .. } => hint.clone(),
            CoreError::Invalid(e) => return e.hint(),
            CoreError::AlreadyExists { .. } => Hint::ReplaceOrKeep,
            CoreError::Ambiguous { .. } => Hint::NameStorage,
            CoreError::Forbidden { caller, project, need } => Hint::GrantRole {
                role: need.name().to_string(),
                identity: caller.clone(),
                project: project.clone(),
            },
            CoreError::ProjectNotFound(project) => Hint::CreateProject {
                project: project.clone(),
            },
            _ => return None,
        })
    }
}

/// For [`CoreError::Ambiguous`]: where the `env` one comes from and how to resolve the clash,
/// when one of the storages is `env` (which no flag can pick).
fn env_hint(name: &str, storages: &[Storage]) -> String {
    if storages.contains(&Storage::Env) {
        format!(
            "; the one in storage 'env' comes from the environment variable SECRET_{name}: to use the other one by name (in runs too), unset SECRET_{name} and restart coffer, or rename one of them"
        )
    } else {
        String::new()
    }
}

/// A `Result` with [`CoreError`].
pub type Result<T> = std::result::Result<T, CoreError>;

impl From<coffer_store::StoreError> for CoreError {
    fn from(e: coffer_store::StoreError) -> Self {
        match e {
            e @ coffer_store::StoreError::Audit(_) => CoreError::Audit(e),
            other => CoreError::Store(other),
        }
    }
}

impl Role {
    /// Parses a role name (any case).
    ///
    /// # Errors
    /// [`CoreError::Usage`] naming the valid roles.
    pub fn parse(s: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| CoreError::Usage(format!("unknown role '{s}'; valid roles: admin, write, use, read")))
    }
}
