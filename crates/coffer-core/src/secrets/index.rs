//! The scope index of each project: which secret DuckDB would pick for a path
//! (`which_secret`), over all three storages.

use super::Secrets;
use crate::caller::{Caller, Role};
use crate::error::Result;
use crate::types::secrets::WhichSecret;
use coffer_model::{ScopeIndex, Storage};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// One [`ScopeIndex`] per project, built on first use and dropped whenever the store's
/// generation moved (another process changed it).
pub(crate) struct ScopeIndexes {
    indexes: Mutex<HashMap<String, ScopeIndex>>,
    seen_version: AtomicI64,
}

impl Default for ScopeIndexes {
    fn default() -> Self {
        ScopeIndexes {
            indexes: Mutex::new(HashMap::new()),
            seen_version: AtomicI64::new(i64::MIN),
        }
    }
}

impl ScopeIndexes {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, ScopeIndex>> {
        self.indexes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `f` on the index of `project`, if it is built.
    pub(super) fn with<R>(&self, project: &str, f: impl FnOnce(&mut ScopeIndex) -> R) -> Option<R> {
        let mut indexes = self.lock();
        indexes.get_mut(project).map(f)
    }

    /// Drops every index.
    pub(super) fn clear(&self) {
        self.lock().clear();
    }

    /// Drops the index of `project`.
    pub(super) fn forget(&self, project: &str) {
        self.lock().remove(project);
    }
}

impl Secrets<'_> {
    pub(super) fn load_index(&self, project: &str) -> Result<()> {
        // Another process (a CLI in local mode beside `coffer serve`) may have changed the
        // store: then every cached index is stale.
        let version = self.store.generation()?;
        if self.indexes.seen_version.swap(version, Ordering::Relaxed) != version {
            self.indexes.clear();
        }
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
