//! Changing some fields of a secret, keeping the others (pg_duckdb's `UPDATE duckdb.secrets`).

use super::history::inputs_of;
use super::part::Secrets;
use crate::caller::{Caller, Role};
use crate::error::Result;
use crate::types::secrets::{CreateRequest, OnConflict, SecretInfo, SecretUpdate};
use coffer_model::Storage;
use tracing::instrument;

impl Secrets<'_> {
    /// See [`Service::update_secret`](crate::Service::update_secret).
    #[instrument(skip_all, fields(project = project, name = name))]
    pub(crate) fn update_secret(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        storage: Option<Storage>,
        update: SecretUpdate,
    ) -> Result<SecretInfo> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Write, "replace", &format!("secret:{name}"))?;
        let opened = self.open_secret(project, name, storage)?;
        let mut values = inputs_of(&opened.fields);
        for (k, v) in update.set {
            let lower = k.to_ascii_lowercase();
            values.retain(|(existing, _)| *existing != lower);
            if let Some(v) = v {
                values.push((lower, v));
            }
        }
        let secret_type = update.secret_type.unwrap_or_else(|| opened.info.secret_type.clone());
        let provider =
            (secret_type.eq_ignore_ascii_case(&opened.info.secret_type)).then(|| opened.info.provider.clone());
        let req = CreateRequest {
            name: Some(opened.info.name.clone()),
            secret_type,
            provider,
            scopes: update.scopes.unwrap_or_else(|| opened.info.scope.clone()),
            storage: opened.info.storage,
            on_conflict: OnConflict::Replace,
            values,
        };
        Ok(self.create_secret(caller, project, req)?.info().clone())
    }
}
