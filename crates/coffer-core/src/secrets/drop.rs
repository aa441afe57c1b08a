//! Dropping a secret, as DuckDB's `DROP [TEMPORARY|PERSISTENT] SECRET [IF EXISTS]`.

use super::env::env_read_only;
use super::part::{Located, Secrets};
use super::state::key;
use crate::caller::{Caller, Role};
use crate::error::{CoreError, Result};
use crate::types::secrets::SecretChange;
use coffer_model::Storage;
use tracing::{info, instrument};

impl Secrets<'_> {
    /// See [`Service::drop_secret`](crate::Service::drop_secret).
    #[instrument(skip_all, fields(project = project, name = name))]
    pub(crate) fn drop_secret(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        if_exists: bool,
        storage: Option<Storage>,
    ) -> Result<Option<Storage>> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Write, "drop", &format!("secret:{name}"))?;
        if storage == Some(Storage::Env) {
            let found = self.env.lock().get(project, name).map(|t| t.info.name.clone());
            return Err(env_read_only(found.as_deref()));
        }
        let target = match self.locate_one(project, name, storage) {
            Ok(Located::Env(info)) => return Err(env_read_only(Some(&info.name))),
            Ok(l) => l.storage(),
            Err(CoreError::NotFound { .. }) if if_exists => return Ok(None),
            Err(e) => return Err(e),
        };
        let event = caller.event(
            project,
            &format!("secret:{name}"),
            "drop",
            "ok",
            Some(format!("storage={}", target.name())),
        );
        let dropped = match target {
            Storage::Memory => {
                let mut temp = self.temporary.lock();
                if temp.contains_key(&key(project, name)) {
                    self.store.append_audit(&[event])?;
                    temp.remove(&key(project, name)).is_some()
                } else {
                    false
                }
            }
            _ => self.store.delete_secret(project, name, &[event])?,
        };
        if !dropped && !if_exists {
            return Err(CoreError::NotFound {
                name: name.to_string(),
                storage,
            });
        }
        self.indexes.with(project, |idx| {
            idx.remove(name, target);
        });
        info!(storage = target.name(), "secret dropped");
        if dropped {
            self.changes.changed(
                project,
                SecretChange::Dropped {
                    name: name.to_string(),
                    storage: target,
                },
            );
        }
        Ok(dropped.then_some(target))
    }
}
