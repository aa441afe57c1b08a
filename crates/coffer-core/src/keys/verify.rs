//! Verifying a store against this keyring: every stored version, or one per key.

use super::part::Keys;
use crate::caller::Caller;
use crate::error::Result;
use crate::secrets::open_record;
use crate::types::keys::{VerifyFailure, VerifyReport};
use coffer_store::SecretRecord;

impl Keys<'_> {
    /// See [`Service::verify_all`](crate::Service::verify_all)(crate::Service::verify_all).
    pub(crate) fn verify_all(&self, caller: &Caller) -> Result<VerifyReport> {
        self.access.require_superuser(caller, "key.verify", "keys")?;
        Ok(self.verify(self.store.all_versions()?))
    }

    /// See [`Service::verify_each_key`](crate::Service::verify_each_key).
    pub(crate) fn verify_each_key(&self, caller: &Caller) -> Result<VerifyReport> {
        self.access.require_superuser(caller, "key.verify", "keys")?;
        let mut seen = std::collections::BTreeSet::new();
        let sample: Vec<SecretRecord> = self
            .store
            .all_versions()?
            .into_iter()
            .filter(|r| seen.insert(r.sealed.key_id.clone()))
            .collect();
        Ok(self.verify(sample))
    }

    pub(super) fn verify(&self, records: Vec<SecretRecord>) -> VerifyReport {
        let mut report = VerifyReport {
            opened: 0,
            failed: Vec::new(),
        };
        for r in records {
            match self.check_version(&r) {
                Ok(()) => report.opened += 1,
                Err(e) => report.failed.push(VerifyFailure {
                    reason: e.to_string(),
                    project: r.project,
                    name: r.name,
                    version: r.version,
                    key_id: r.sealed.key_id,
                }),
            }
        }
        report
    }

    /// Decrypts one stored version and checks it as a read does (AAD, then the sealed value
    /// names against the clear ones); the plaintext is dropped (zeroized) here.
    pub(super) fn check_version(&self, r: &SecretRecord) -> Result<()> {
        open_record(self.keyring, r).map(drop)
    }
}
