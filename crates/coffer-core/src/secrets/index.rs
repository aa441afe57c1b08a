//! The scope index of each project: which secret DuckDB would pick for a path
//! (`which_secret`), over all three storages.

use super::part::Secrets;
use crate::caller::{Caller, Role};
use crate::error::Result;
use crate::types::secrets::WhichSecret;
use coffer_model::{ScopeIndex, Storage};

impl Secrets<'_> {
    pub(super) fn load_index(&self, project: &str) -> Result<()> {
        // Another process (a CLI in local mode beside `coffer serve`) may have changed the
        // store: then every cached index is stale.
        let version = self.store.generation()?;
        self.indexes.sync(version);
        if self.indexes.lock().contains_key(project) {
            return Ok(());
        }
        let mut idx = ScopeIndex::new();
        for r in self.store.list_secrets(project)? {
            idx.upsert(&r.name, Storage::Coffer, &r.secret_type, &r.scopes);
        }
        for ((p, _), t) in self.temporary.lock().iter() {
            if p == project {
                idx.upsert(&t.info.name, Storage::Memory, &t.info.secret_type, &t.info.scope);
            }
        }
        for i in self.env.lock().infos(project) {
            idx.upsert(&i.name, Storage::Env, &i.secret_type, &i.scope);
        }
        self.indexes.lock().entry(project.to_string()).or_insert(idx);
        Ok(())
    }

    /// See [`Service::which_secret`](crate::Service::which_secret).
    pub(crate) fn which_secret(
        &self,
        caller: &Caller,
        project: &str,
        path: &str,
        secret_type: &str,
    ) -> Result<Option<WhichSecret>> {
        let project = &self.access.canonical_project(project)?;
        self.access.authorize(caller, project, Role::Read, "which", "secrets")?;
        coffer_model::validate::lookup_type(secret_type)?;
        self.load_index(project)?;
        Ok(self
            .indexes
            .with(project, |idx| idx.lookup(path, secret_type))
            .flatten()
            .map(|m| WhichSecret {
                name: m.name,
                // Env secrets are not persistent for coffer (see `load_env_secrets_in`).
                persistent: if m.storage == Storage::Coffer {
                    "PERSISTENT"
                } else {
                    "TEMPORARY"
                }
                .to_string(),
                storage: m.storage.name().to_string(),
            }))
    }
}
