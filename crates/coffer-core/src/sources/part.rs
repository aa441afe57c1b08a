//! The sources part itself ([`Sources`]) and what its use cases share: finding a source,
//! the audit object, and the check of the secret a source names.

use crate::access::Access;
use crate::error::{CoreError, Result};
use crate::secrets::{Changes, Secrets};
use coffer_model::source::{secret_type_of, SourceSpec};
use coffer_store::{SourceRecord, Store};

/// The sources part: a view over the store, the parts it uses, and where it reports changes.
#[derive(Clone, Copy)]
pub(crate) struct Sources<'a> {
    pub store: &'a dyn Store,
    pub access: Access<'a>,
    pub secrets: Secrets<'a>,
    pub changes: &'a dyn Changes,
}

/// The audit object of source `name`.
pub(super) fn source_object(name: &str) -> String {
    format!("source:{name}")
}

/// The error of a source `name` that `project` does not have.
pub(super) fn missing(project: &str, name: &str) -> CoreError {
    CoreError::Missing(format!("no data source named '{name}' in project '{project}'"))
}

/// What became of the secret a source names.
pub(super) enum SecretCheck {
    /// It exists with the type the source takes (or the source takes none).
    Fine,
    /// No secret of that name is in the project.
    Missing {
        /// The secret's name.
        secret: String,
    },
    /// It exists, of another type.
    WrongType {
        /// The secret's name.
        secret: String,
        /// The type the source takes.
        need: &'static str,
        /// The type it has.
        found: String,
    },
}

impl SecretCheck {
    /// "source 'w' needs a postgres secret; 'pg' is a mysql secret", for a wrong type.
    pub(super) fn wrong_type(source: &str, secret: &str, need: &str, found: &str) -> String {
        format!("source '{source}' needs a {need} secret; '{secret}' is a {found} secret")
    }
}

impl Sources<'_> {
    /// The source `name` of `project` (the stored name), or the not-found error naming both.
    pub(super) fn find(&self, project: &str, name: &str) -> Result<SourceRecord> {
        self.store
            .get_source(project, name)?
            .ok_or_else(|| missing(project, name))
    }

    /// Whether the secret `spec` names is in `project` with the type its source takes. A name
    /// in several storages is fine when one of them has that type.
    pub(super) fn check_secret(&self, project: &str, spec: &SourceSpec) -> Result<SecretCheck> {
        let (Some(secret), Some(need)) = (&spec.secret, secret_type_of(&spec.source_type)) else {
            return Ok(SecretCheck::Fine);
        };
        let found = self.secrets.infos_named(project, secret)?;
        if found.iter().any(|i| i.secret_type == need) {
            return Ok(SecretCheck::Fine);
        }
        Ok(match found.into_iter().next() {
            None => SecretCheck::Missing { secret: secret.clone() },
            Some(other) => SecretCheck::WrongType {
                secret: other.name,
                need,
                found: other.secret_type,
            },
        })
    }
}
