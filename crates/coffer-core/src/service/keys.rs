//! The key use cases of [`Service`], carried out by the keys part.

use super::Service;
use crate::caller::Caller;
use crate::error::Result;
use crate::types::keys::{KeyUsage, RotationReport, VerifyReport};
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
}
