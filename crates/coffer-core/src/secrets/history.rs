//! The kept versions of a persistent secret, and rollback to one of them.

use super::part::Secrets;
use super::read::open_record;
use crate::caller::{Caller, Role};
use crate::error::{CoreError, Result};
use crate::types::secrets::{CreateRequest, OnConflict, SecretInfo, SecretVersionInfo};
use coffer_model::{FieldValue, InputValue, SecretFields, SensitiveValue, Storage};

fn input_of_public(v: &FieldValue) -> InputValue {
    match v {
        FieldValue::Bool(b) => InputValue::Bool(*b),
        FieldValue::Int(i) => InputValue::Int(*i),
        FieldValue::Text(t) => InputValue::Text(t.as_str().into()),
        FieldValue::Map(m) => InputValue::Map(m.iter().map(|(k, v)| (k.clone(), v.as_str().into())).collect()),
    }
}

/// A secret's fields as the inputs that would create them again.
pub(super) fn inputs_of(fields: &SecretFields) -> Vec<(String, InputValue)> {
    let mut values: Vec<(String, InputValue)> = Vec::new();
    for (k, v) in &fields.public {
        values.push((k.clone(), input_of_public(v)));
    }
    for (k, v) in &fields.sensitive {
        values.push((
            k.clone(),
            match v {
                SensitiveValue::Text(s) => InputValue::Text(s.duplicate()),
                SensitiveValue::Map(m) => InputValue::Map(m.iter().map(|(k, v)| (k.clone(), v.duplicate())).collect()),
            },
        ));
    }
    values
}
use tracing::instrument;

impl Secrets<'_> {
    /// See [`Service::secret_history`](crate::Service::secret_history).
    pub(crate) fn secret_history(&self, caller: &Caller, project: &str, name: &str) -> Result<Vec<SecretVersionInfo>> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Read, "history", &format!("secret:{name}"))?;
        let history = self.store.secret_history(project, name)?;
        if history.is_empty() {
            return Err(CoreError::NotFound {
                name: name.to_string(),
                storage: Some(Storage::Coffer),
            });
        }
        let last = history.len() - 1;
        Ok(history
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (fields, sensitive_keys) =
                    coffer_model::validate::shown_fields(&r.secret_type, &r.public_fields, &r.sensitive_keys);
                SecretVersionInfo {
                    version: r.version,
                    current: i == last,
                    secret_type: r.secret_type.clone(),
                    provider: r.provider.clone(),
                    scope: r.scopes.clone(),
                    fields,
                    sensitive_keys,
                    updated_at: r.updated_at,
                    updated_by: r.updated_by.clone(),
                }
            })
            .collect())
    }

    /// See [`Service::rollback_secret`](crate::Service::rollback_secret).
    #[instrument(skip_all, fields(project = project, name = name, version = version))]
    pub(crate) fn rollback_secret(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        version: i64,
    ) -> Result<SecretInfo> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Write, "rollback", &format!("secret:{name}"))?;
        let history = self.store.secret_history(project, name)?;
        let Some(current) = history.last() else {
            return Err(CoreError::NotFound {
                name: name.to_string(),
                storage: Some(Storage::Coffer),
            });
        };
        if current.version == version {
            return Err(CoreError::Conflict(format!(
                "version {version} is already the current version of secret '{}'",
                current.name
            )));
        }
        let Some(target) = history.iter().find(|r| r.version == version) else {
            let kept: Vec<String> = history.iter().map(|r| r.version.to_string()).collect();
            return Err(CoreError::Missing(format!(
                "secret '{}' has no version {version} (kept: {})",
                current.name,
                kept.join(", ")
            )));
        };
        let fields = open_record(self.keyring, target)?;
        let req = CreateRequest {
            name: Some(current.name.clone()),
            secret_type: target.secret_type.clone(),
            provider: Some(target.provider.clone()),
            scopes: target.scopes.clone(),
            storage: Storage::Coffer,
            on_conflict: OnConflict::Replace,
            values: inputs_of(&fields),
        };
        let outcome = self.create_secret_as(
            caller,
            project,
            req,
            Some(("rollback", format!("to version {version}"))),
        )?;
        Ok(outcome.info().clone())
    }
}
