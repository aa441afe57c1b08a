//! The key use cases of [`Service`], carried out by the keys part.

use super::Service;
use crate::caller::Caller;
use crate::error::Result;
use crate::types::keys::{KeyUsage, PruneReport, RotationReport, VerifyReport};
#[cfg(doc)]
use crate::{error::CoreError, types::keys::VerifyFailure};

impl Service {
    /// Opens every stored version of every secret (current and kept) with this service's
    /// keyring, as a read would, and drops the values at once: proves a copied or restored
    /// store is usable with this keyring (superusers). Nothing is written, not even an audit
    /// event: no value leaves this function.
    ///
    /// # Errors
    /// [`CoreError::NeedsSuperuser`]; store errors. A version that does not open is not an
    /// error but a [`VerifyFailure`] in the report.
    pub fn verify_all(&self, caller: &Caller) -> Result<VerifyReport> {
        self.keys().verify_all(caller)
    }

    /// Like [`Service::verify_all`] but opens only one stored version per key-encryption key:
    /// a quick check, before a long job, that this keyring holds every key the store needs.
    ///
    /// # Errors
    /// As [`Service::verify_all`].
    pub fn verify_each_key(&self, caller: &Caller) -> Result<VerifyReport> {
        self.keys().verify_each_key(caller)
    }

    /// How many stored data keys each key-encryption key wraps (superusers).
    ///
    /// # Errors
    /// [`CoreError::NeedsSuperuser`]; store errors.
    pub fn key_status(&self, caller: &Caller) -> Result<Vec<KeyUsage>> {
        self.keys().key_status(caller)
    }

    /// Rotates the key-encryption key (superusers): adds a new key and wraps every stored
    /// data key (current and kept versions) again under it. When data keys are still wrapped
    /// by older keys (an interrupted rotation), it finishes that instead of adding a key.
    ///
    /// # Errors
    /// [`CoreError::NeedsSuperuser`]; keyring and store errors (what was rewrapped stays).
    pub fn rotate_keys(&self, caller: &Caller) -> Result<RotationReport> {
        self.keys().rotate_keys(caller)
    }

    /// Removes from the key file (superusers) every old key-encryption key under which no
    /// stored data key is wrapped: no secret version, current or kept. The current key (of
    /// the keyring, and of the key file) stays, as does every key something still uses; the
    /// report says what uses it. The key file is written whole (a new file, mode 0600, synced
    /// and renamed over it); the store is searched again after the write and a key that a
    /// version written meanwhile uses is put back. Audited (`key.prune`) before the write.
    ///
    /// With AWS KMS as the only keyring nothing is held here: the report says so
    /// (`holds_keys: false`).
    ///
    /// # Errors
    /// [`CoreError::NeedsSuperuser`]; keyring and store errors.
    pub fn prune_keys(&self, caller: &Caller) -> Result<PruneReport> {
        self.keys().prune_keys(caller)
    }
}
