//! The data sources use cases of [`Service`], carried out by the sources part.

use super::Service;
use crate::caller::Caller;
#[cfg(doc)]
use crate::error::CoreError;
use crate::error::Result;
use crate::types::secrets::OnConflict;
use crate::types::sources::{SourceInfo, SourceOutcome};
use coffer_model::source::SourceSpec;

impl Service {
    /// Creates (or replaces, or keeps) a data source (role `write`): `spec` is checked with
    /// [`coffer_model::source::validate_source`] and stored normalised; the secret it names
    /// must exist in the project with the type the source takes
    /// ([`coffer_model::source::secret_type_of`]). Audited as `source.create` or
    /// `source.replace` (name, type and secret; never an option's value).
    ///
    /// # Errors
    /// As [`Service::define_source`].
    pub fn create_source(
        &self,
        caller: &Caller,
        project: &str,
        spec: &SourceSpec,
        on_conflict: OnConflict,
    ) -> Result<SourceInfo> {
        self.define_source(caller, project, spec, on_conflict)
            .map(SourceOutcome::into_info)
    }

    /// [`Service::create_source`], saying whether the source was created, replaced or kept.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; [`CoreError::Invalid`] (a `ModelError::InvalidSource` naming
    /// the field) for a bad definition; [`CoreError::Usage`] naming the secret when it does not
    /// exist or is of another type; [`CoreError::Conflict`] when the name is taken and
    /// `on_conflict` is [`OnConflict::Error`].
    pub fn define_source(
        &self,
        caller: &Caller,
        project: &str,
        spec: &SourceSpec,
        on_conflict: OnConflict,
    ) -> Result<SourceOutcome> {
        self.sources().define_source(caller, project, spec, on_conflict)
    }

    /// The project's data sources, by name (role `read`).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; store errors.
    pub fn list_sources(&self, caller: &Caller, project: &str) -> Result<Vec<SourceInfo>> {
        self.sources().list_sources(caller, project)
    }

    /// One data source (role `read`).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; [`CoreError::Missing`] naming the source and the project.
    pub fn get_source(&self, caller: &Caller, project: &str, name: &str) -> Result<SourceInfo> {
        self.sources().get_source(caller, project, name)
    }

    /// Drops a data source (role `write`), audited as `source.drop`; returns whether there
    /// was one (with `if_exists`, a missing one is no error).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; [`CoreError::Missing`] without `if_exists`.
    pub fn drop_source(&self, caller: &Caller, project: &str, name: &str, if_exists: bool) -> Result<bool> {
        self.sources().drop_source(caller, project, name, if_exists)
    }

    /// What an engine calls before it attaches the data source `name` (role `use`): the
    /// source, once its secret is checked to still exist with the right type. Audited as
    /// `source.attach` (the use of the secret by name; its values are handed to the engine by
    /// its own registration, audited there).
    ///
    /// # Errors
    /// [`CoreError::NotPermitted`] without role `use` (with a hint naming the grant);
    /// [`CoreError::Missing`] for an unknown source or a secret that no longer exists (naming
    /// it); [`CoreError::Usage`] for a secret now of another type.
    pub fn attach_source(&self, caller: &Caller, project: &str, name: &str) -> Result<SourceInfo> {
        self.sources().attach_source(caller, project, name)
    }
}
