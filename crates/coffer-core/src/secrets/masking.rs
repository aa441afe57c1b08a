//! The values a front end scrubs from what it sends out ([`Service::output_masker`]).
//!
//! [`Service::output_masker`]: crate::Service::output_masker

use super::part::Secrets;
use crate::error::{CoreError, Result};
use coffer_model::mask::Masker;
use coffer_model::SensitiveValue;

impl Secrets<'_> {
    /// See [`Service::output_masker`](crate::Service::output_masker).
    pub(crate) fn output_masker(&self, project: &str) -> Result<Masker> {
        let project = &self.access.canonical_project(project)?;
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
