//! The values a front end scrubs from what it sends out ([`Service::output_masker`]).
//!
//! [`Service::output_masker`]: crate::Service::output_masker

use super::part::Secrets;
use crate::error::{CoreError, Result};
use coffer_model::mask::Masker;
use coffer_model::SensitiveValue;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A project's masker and what it was built from: the store's generation and the count of
/// this process's changes.
type Built = ((i64, u64), Arc<Masker>);

/// The maskers of [`Service::output_masker`](crate::Service::output_masker), one per project,
/// each kept until a secret changes: in this process (every change is counted) or in another
/// one on the same database (the store's generation moves).
#[derive(Default)]
pub(crate) struct Maskers {
    changes: AtomicU64,
    built: Mutex<HashMap<String, Built>>,
}

impl Maskers {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Built>> {
        self.built.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A secret changed in this process.
    pub(crate) fn changed(&self) {
        self.changes.fetch_add(1, Ordering::SeqCst);
    }
}

impl Secrets<'_> {
    /// See [`Service::output_masker`](crate::Service::output_masker): `project`'s masker from
    /// `maskers`, built again when a secret changed since.
    pub(crate) fn output_masker(&self, maskers: &Maskers, project: &str) -> Result<Arc<Masker>> {
        let project = &self.access.canonical_project(project)?;
        // Read before building: a change while building makes the next call build again.
        let key = (self.cache.fresh(self.store)?, maskers.changes.load(Ordering::SeqCst));
        if let Some((k, masker)) = maskers.lock().get(project) {
            if *k == key {
                return Ok(Arc::clone(masker));
            }
        }
        let masker = Arc::new(self.build_masker(project)?);
        maskers.lock().insert(project.clone(), (key, Arc::clone(&masker)));
        Ok(masker)
    }

    /// A masker of the values of every secret of `project` (canonical), in every storage.
    fn build_masker(&self, project: &String) -> Result<Masker> {
        let mut names: Vec<String> = self.temporary_infos(project).into_iter().map(|i| i.name).collect();
        names.extend(self.store.list_secrets(project)?.into_iter().map(|r| r.name));
        names.sort_unstable();
        names.dedup();
        let mut opened = Vec::new();
        for name in &names {
            for located in self.locate(project, name, None)? {
                opened.push(self.open_secret(project, name, Some(located.storage()))?);
            }
        }
        let values = opened
            .iter()
            .flat_map(|o| o.fields.sensitive.values())
            .flat_map(|v| match v {
                SensitiveValue::Text(v) => vec![v],
                SensitiveValue::Map(m) => m.values().collect(),
            });
        // Only the automaton's size limits fail here; a front end then sends nothing.
        Masker::from_secrets(values)
            .map_err(|e| CoreError::Conflict(format!("cannot set up masking of project '{project}': {e}")))
    }
}
