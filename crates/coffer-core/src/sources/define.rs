//! Defining data sources: create (or replace, or keep), list, show and drop.

use super::part::{missing, source_object, SecretCheck, Sources};
use crate::caller::{Caller, Role};
use crate::clock::now_ms;
use crate::error::{CoreError, Result};
use crate::types::secrets::OnConflict;
use crate::types::sources::{SourceInfo, SourceOutcome};
use coffer_model::hint::Hint;
use coffer_model::source::{validate_source, SourceSpec};
use coffer_store::{Expect, SourceRecord, StoreError};
use tracing::{info, instrument};

/// How many times a create is tried again when another writer changed the source meanwhile.
const RETRIES: usize = 5;

/// The audit detail of a write: name, type and secret, never an option's value.
fn detail(r: &SourceRecord) -> String {
    format!(
        "type={} secret={} version={}",
        r.source_type,
        r.secret.as_deref().unwrap_or("none"),
        r.version
    )
}

impl Sources<'_> {
    /// See [`Service::define_source`](crate::Service::define_source).
    #[instrument(skip_all, fields(project = project))]
    pub(crate) fn define_source(
        &self,
        caller: &Caller,
        project: &str,
        spec: &SourceSpec,
        on_conflict: OnConflict,
    ) -> Result<SourceOutcome> {
        let project = &self.access.canonical_project(project)?;
        self.access.authorize(
            caller,
            project,
            Role::Write,
            "source.create",
            &source_object(&spec.name),
        )?;
        let spec = validate_source(spec)?;
        if !caller.superuser {
            refuse_local(&spec)?;
        }
        let name = &spec.name;
        match self.check_secret(project, &spec)? {
            SecretCheck::Fine => {}
            SecretCheck::Missing { secret } => {
                let ty = coffer_model::source::secret_type_of(&spec.source_type).unwrap_or("postgres");
                return Err(CoreError::Usage(format!(
                    "source '{name}' uses the secret '{secret}', which does not exist in project '{project}'; create it first (coffer secret create {secret} --type {ty} ...) or name another secret"
                )));
            }
            SecretCheck::WrongType { secret, need, found } => {
                return Err(CoreError::Usage(SecretCheck::wrong_type(name, &secret, need, &found)));
            }
        }
        for _ in 0..RETRIES {
            let existing = self.store.get_source(project, name)?;
            let now = now_ms();
            let (version, created_at, created_by) = match (&existing, on_conflict) {
                (Some(_), OnConflict::Error) => {
                    return Err(CoreError::Conflict(format!(
                        "data source '{name}' already exists in project '{project}'"
                    ))
                    .with_hint(Hint::ReplaceOrKeep))
                }
                (Some(old), OnConflict::Ignore) => return Ok(SourceOutcome::Kept(SourceInfo::from_record(old))),
                (Some(old), OnConflict::Replace) => (old.version + 1, old.created_at, old.created_by.clone()),
                (None, _) => (1, now, caller.name.clone()),
            };
            let record = SourceRecord {
                project: project.clone(),
                name: name.clone(),
                source_type: spec.source_type.clone(),
                secret: spec.secret.clone(),
                options: spec.options.clone(),
                read_only: spec.read_only,
                version,
                created_at,
                created_by,
                updated_at: now,
                updated_by: caller.name.clone(),
            };
            let (expect, action) = match &existing {
                Some(old) => (Expect::Version(old.version), "source.replace"),
                None => (Expect::Absent, "source.create"),
            };
            let event = caller.event(project, &source_object(name), action, "ok", Some(detail(&record)));
            match self.store.put_source(&record, expect, &[event]) {
                Ok(()) => {
                    info!(source = %name, version, "data source written");
                    self.changes.source_changed(project, name);
                    let info = SourceInfo::from_record(&record);
                    return Ok(match existing {
                        Some(_) => SourceOutcome::Replaced(info),
                        None => SourceOutcome::Created(info),
                    });
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CoreError::Conflict(format!(
            "data source '{name}' was changed by another writer at the same time; try again"
        )))
    }

    /// See [`Service::list_sources`](crate::Service::list_sources).
    pub(crate) fn list_sources(&self, caller: &Caller, project: &str) -> Result<Vec<SourceInfo>> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Read, "source.list", "sources")?;
        Ok(self
            .store
            .list_sources(project)?
            .iter()
            .map(SourceInfo::from_record)
            .collect())
    }

    /// See [`Service::get_source`](crate::Service::get_source).
    pub(crate) fn get_source(&self, caller: &Caller, project: &str, name: &str) -> Result<SourceInfo> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Read, "source.show", &source_object(name))?;
        Ok(SourceInfo::from_record(&self.find(project, name)?))
    }

    /// See [`Service::drop_source`](crate::Service::drop_source).
    #[instrument(skip_all, fields(project = project, source = name))]
    pub(crate) fn drop_source(&self, caller: &Caller, project: &str, name: &str, if_exists: bool) -> Result<bool> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Write, "source.drop", &source_object(name))?;
        let Some(found) = self.store.get_source(project, name)? else {
            return if if_exists {
                Ok(false)
            } else {
                Err(missing(project, name))
            };
        };
        let event = caller.event(
            project,
            &source_object(&found.name),
            "source.drop",
            "ok",
            Some(detail(&found)),
        );
        let dropped = self.store.delete_source(project, &found.name, &[event])?;
        if dropped {
            info!("data source dropped");
            self.changes.source_changed(project, &found.name);
        } else if !if_exists {
            return Err(missing(project, name));
        }
        Ok(dropped)
    }
}

/// A member's source may not name a file or a socket of this machine (coffer_model::local): a
/// `sqlite` source is one, and a connection string may name libpq's or MySQL's files or a
/// local socket.
fn refuse_local(spec: &SourceSpec) -> Result<()> {
    let invalid =
        |field: String, rule: String| -> CoreError { coffer_model::ModelError::InvalidSource { field, rule }.into() };
    if spec.source_type == "sqlite" {
        return Err(invalid(
            "type".into(),
            "a sqlite source is a file on the coffer machine; only the machine's owner (the local CLI) or a superuser defines one".into(),
        ));
    }
    let mysql = spec.source_type == "mysql";
    if matches!(spec.source_type.as_str(), "postgres" | "mysql" | "ducklake") {
        if let Some(path) = spec.options.get("path") {
            if let Some((key, rule)) = coffer_model::local::local_reference_in_conninfo(path, mysql) {
                return Err(invalid(format!("option 'path' ({key})"), rule));
            }
        }
    }
    Ok(())
}
