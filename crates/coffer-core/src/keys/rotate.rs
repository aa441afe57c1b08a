//! Key status and rotation: a new key-encryption key, and every stored data key wrapped
//! again under it, each by compare-and-swap.

use super::part::Keys;
use crate::aad;
use crate::access::SERVER_PROJECT;
use crate::caller::Caller;
use crate::error::{CoreError, Result};
use crate::types::keys::{KeyUsage, RotationReport};
use coffer_crypto::keyring::WrappedKey;
use std::collections::BTreeMap;

impl Keys<'_> {
    /// See [`Service::key_status`](crate::Service::key_status).
    pub(crate) fn key_status(&self, caller: &Caller) -> Result<Vec<KeyUsage>> {
        self.access.require_superuser(caller, "key.status", "keys")?;
        let current = self.keyring.current_key_id();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        counts.insert(current.clone(), 0);
        for r in self.store.all_versions()? {
            *counts.entry(r.sealed.key_id).or_default() += 1;
        }
        Ok(counts
            .into_iter()
            .map(|(key_id, data_keys)| KeyUsage {
                current: key_id == current,
                key_id,
                data_keys,
            })
            .collect())
    }

    /// See [`Service::rotate_keys`](crate::Service::rotate_keys).
    pub(crate) fn rotate_keys(&self, caller: &Caller) -> Result<RotationReport> {
        self.access.require_superuser(caller, "key.rotate", "keys")?;
        let before = self.keyring.current_key_id();
        let pending = self
            .store
            .all_versions()?
            .iter()
            .filter(|r| r.sealed.key_id != before)
            .count();
        let new_key = if pending == 0 {
            Some(self.keyring.rotate()?)
        } else {
            None
        };
        let current = self.keyring.current_key_id();
        let detail = match &new_key {
            Some(k) => format!("new key {k}; wrapping every data key again"),
            None => format!("finishing an interrupted rotation to {current}: {pending} data keys left"),
        };
        self.store
            .append_audit(&[caller.event(SERVER_PROJECT, "keys", "key.rotate", "ok", Some(detail))])
            .map_err(CoreError::Audit)?;
        let mut report = RotationReport {
            new_key,
            current_key: current.clone(),
            rewrapped: 0,
            changed_meanwhile: 0,
        };
        for r in self.store.all_versions()? {
            if r.sealed.key_id == current {
                continue;
            }
            let old = WrappedKey {
                key_id: r.sealed.key_id.clone(),
                blob: r.sealed.wrapped_key.clone(),
            };
            let new = self.keyring.rewrap(&old, &aad::for_record(&r))?;
            if self.store.rewrap_version(
                &r.project,
                &r.name,
                r.version,
                (&old.key_id, &old.blob),
                (&new.key_id, &new.blob),
            )? {
                report.rewrapped += 1;
            } else {
                report.changed_meanwhile += 1;
            }
        }
        tracing::info!(rewrapped = report.rewrapped, key = %current, "key rotation done");
        Ok(report)
    }
}
