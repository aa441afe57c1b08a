//! Pruning: old key-encryption keys leave the key file once no stored data key is wrapped
//! under them.

use super::part::Keys;
use crate::access::SERVER_PROJECT;
use crate::caller::Caller;
use crate::error::{CoreError, Result};
use crate::types::keys::{KeptKey, PruneReport};
use std::collections::BTreeMap;

/// At most this many versions are named for a key still in use.
const USED_BY_SHOWN: usize = 5;

impl Keys<'_> {
    /// See [`Service::prune_keys`](crate::Service::prune_keys).
    pub(crate) fn prune_keys(&self, caller: &Caller) -> Result<PruneReport> {
        self.access.require_superuser(caller, "key.prune", "keys")?;
        let current = self.keyring.current_key_id();
        let held = self.keyring.held_keys()?;
        let mut report = PruneReport {
            current_key: current.clone(),
            holds_keys: !held.is_empty(),
            removed: Vec::new(),
            kept: Vec::new(),
        };
        if held.is_empty() {
            return Ok(report);
        }
        let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in self.store.all_versions()? {
            users
                .entry(r.sealed.key_id)
                .or_default()
                .push(format!("{}/{} version {}", r.project, r.name, r.version));
        }
        // `used_by` is filled for a key kept because it is used, not for a current one.
        let kept = |key_id: &str, reason: String, users: Option<&Vec<String>>, name_users: bool| KeptKey {
            key_id: key_id.to_string(),
            reason,
            data_keys: users.map_or(0, Vec::len),
            used_by: users
                .filter(|_| name_users)
                .map_or_else(Vec::new, |u| u.iter().take(USED_BY_SHOWN).cloned().collect()),
        };
        let mut candidates = Vec::new();
        for k in &held {
            let used = users.get(&k.key_id);
            if k.key_id == current {
                report.kept.push(kept(
                    &k.key_id,
                    "current: new data keys are wrapped with it".into(),
                    used,
                    false,
                ));
            } else if k.current {
                report.kept.push(kept(
                    &k.key_id,
                    "the key file's current key (a key file keeps one)".into(),
                    used,
                    false,
                ));
            } else if let Some(u) = used {
                report.kept.push(kept(
                    &k.key_id,
                    format!(
                        "still wraps {} data key{}: run `coffer key rotate` to wrap them under {current} first",
                        u.len(),
                        if u.len() == 1 { "" } else { "s" }
                    ),
                    used,
                    true,
                ));
            } else {
                candidates.push(k.key_id.clone());
            }
        }
        if candidates.is_empty() {
            return Ok(report);
        }
        self.store
            .append_audit(&[caller.event(
                SERVER_PROJECT,
                "keys",
                "key.prune",
                "ok",
                Some(format!("removing unused key-encryption keys {}", candidates.join(", "))),
            )])
            .map_err(CoreError::Audit)?;
        // Asked after the key file was written: a version written meanwhile under a removed
        // key puts that key back. A store that cannot answer puts them all back.
        let still_used = |ids: &[String]| -> Vec<String> {
            match self.store.all_versions() {
                Ok(all) => ids
                    .iter()
                    .filter(|id| all.iter().any(|r| &r.sealed.key_id == *id))
                    .cloned()
                    .collect(),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot check the store after pruning keys: putting them back");
                    ids.to_vec()
                }
            }
        };
        report.removed = self.keyring.remove_keys(&candidates, &still_used)?;
        let back: Vec<String> = candidates.into_iter().filter(|c| !report.removed.contains(c)).collect();
        if !back.is_empty() {
            self.store
                .append_audit(&[caller.event(
                    SERVER_PROJECT,
                    "keys",
                    "key.prune",
                    "ok",
                    Some(format!(
                        "kept {}: a data key was wrapped under it while pruning",
                        back.join(", ")
                    )),
                )])
                .map_err(CoreError::Audit)?;
            for k in back {
                report.kept.push(kept(
                    &k,
                    "a data key was wrapped under it while pruning: run `coffer key rotate` again".into(),
                    None,
                    false,
                ));
            }
        }
        tracing::info!(removed = ?report.removed, "key prune done");
        Ok(report)
    }
}
