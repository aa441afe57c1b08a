//! Key rotation: a new key-encryption key, and every stored data key wrapped again under it,
//! while reads and writes go on. Values and their ciphertexts never change: only the wrapped
//! data keys do, each by compare-and-swap, so a concurrent replace is never undone and an
//! interrupted rotation is finished by running it again.

use crate::access::{Caller, SERVER_PROJECT};
use crate::error::Result;
use crate::service::Service;
use crate::{aad, CoreError};
use coffer_crypto::keyring::WrappedKey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many stored data keys a key-encryption key wraps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyUsage {
    /// The key-encryption key (`local:2`, a KMS key).
    pub key_id: String,
    /// How many stored secret versions' data keys it wraps.
    pub data_keys: usize,
    /// Whether new data keys are wrapped with it.
    pub current: bool,
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotationReport {
    /// The key added, or `None` when an interrupted rotation was finished instead.
    pub new_key: Option<String>,
    /// The key every data key is now wrapped with.
    pub current_key: String,
    /// Data keys wrapped again.
    pub rewrapped: usize,
    /// Versions replaced or dropped while the rotation ran (written under the current key).
    pub changed_meanwhile: usize,
}

impl Service {
    /// How many stored data keys each key-encryption key wraps (superusers).
    ///
    /// # Errors
    /// [`CoreError::NeedsSuperuser`]; store errors.
    pub fn key_status(&self, caller: &Caller) -> Result<Vec<KeyUsage>> {
        self.require_superuser(caller, "key.status", "keys")?;
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

    /// Rotates the key-encryption key (superusers): adds a new key and wraps every stored
    /// data key (current and kept versions) again under it. When data keys are still wrapped
    /// by older keys (an interrupted rotation), it finishes that instead of adding a key.
    ///
    /// # Errors
    /// [`CoreError::NeedsSuperuser`]; keyring and store errors (what was rewrapped stays).
    pub fn rotate_keys(&self, caller: &Caller) -> Result<RotationReport> {
        self.require_superuser(caller, "key.rotate", "keys")?;
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
