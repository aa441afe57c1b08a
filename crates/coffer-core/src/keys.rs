//! Key rotation: a new key-encryption key, and every stored data key wrapped again under it,
//! while reads and writes go on. Values and their ciphertexts never change: only the wrapped
//! data keys do, each by compare-and-swap, so a concurrent replace is never undone and an
//! interrupted rotation is finished by running it again.

use crate::access::{Caller, SERVER_PROJECT};
use crate::error::Result;
use crate::service::Service;
use crate::{aad, CoreError};
use coffer_crypto::keyring::WrappedKey;
use coffer_store::SecretRecord;
use std::collections::BTreeMap;

pub use crate::types::keys::{KeyUsage, RotationReport, VerifyFailure, VerifyReport};

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
        self.require_superuser(caller, "key.verify", "keys")?;
        Ok(self.verify(self.store.all_versions()?))
    }

    /// Like [`Service::verify_all`] but opens only one stored version per key-encryption key:
    /// a quick check, before a long job, that this keyring holds every key the store needs.
    ///
    /// # Errors
    /// As [`Service::verify_all`].
    pub fn verify_each_key(&self, caller: &Caller) -> Result<VerifyReport> {
        self.require_superuser(caller, "key.verify", "keys")?;
        let mut seen = std::collections::BTreeSet::new();
        let sample: Vec<SecretRecord> = self
            .store
            .all_versions()?
            .into_iter()
            .filter(|r| seen.insert(r.sealed.key_id.clone()))
            .collect();
        Ok(self.verify(sample))
    }

    fn verify(&self, records: Vec<SecretRecord>) -> VerifyReport {
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
    fn check_version(&self, r: &SecretRecord) -> Result<()> {
        self.open_record(r).map(drop)
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CreateRequest, OnConflict};
    use coffer_crypto::LocalKeyFile;
    use coffer_model::{InputValue, Storage};
    use coffer_store_sqlite::SqliteStore;
    use std::path::Path;

    fn service(dir: &Path, key: &str) -> Service {
        let (kr, _) = LocalKeyFile::open_or_create(&dir.join(key)).expect("key");
        Service::new(
            Box::new(SqliteStore::open(&dir.join("coffer.db")).expect("db")),
            Box::new(kr),
        )
    }

    fn put(svc: &Service, name: &str, value: &str, on_conflict: OnConflict) {
        let req = CreateRequest {
            name: Some(name.into()),
            secret_type: "generic".into(),
            provider: None,
            scopes: vec![],
            storage: Storage::Coffer,
            on_conflict,
            values: vec![(
                "value".into(),
                InputValue::Text(coffer_crypto::SecretString::from(value)),
            )],
        };
        svc.create_secret(&Caller::local(), "default", req).expect("create");
    }

    #[test]
    fn verify_opens_every_version_and_names_the_ones_that_fail() {
        let dir = tempfile::tempdir().expect("tempdir");
        let svc = service(dir.path(), "master.key");
        put(&svc, "api", "VERIFY-v1", OnConflict::Error);
        put(&svc, "api", "VERIFY-v2", OnConflict::Replace);
        put(&svc, "db", "VERIFY-db", OnConflict::Error);
        let report = svc.verify_all(&Caller::local()).expect("verify");
        assert_eq!(
            report,
            VerifyReport {
                opened: 3,
                failed: vec![]
            }
        );
        let report = svc.verify_each_key(&Caller::local()).expect("verify each key");
        assert_eq!((report.opened, report.failed.len()), (1, 0));

        let reader = Caller {
            superuser: false,
            ..Caller::local()
        };
        assert!(matches!(svc.verify_all(&reader), Err(CoreError::NeedsSuperuser { .. })));

        // A kept version whose ciphertext was changed fails alone, by name and version.
        let conn = rusqlite::Connection::open(dir.path().join("coffer.db")).expect("raw");
        conn.execute(
            "UPDATE secret_versions SET ciphertext = zeroblob(length(ciphertext)) WHERE name = 'api'",
            [],
        )
        .expect("tamper");
        let report = svc.verify_all(&Caller::local()).expect("verify");
        assert_eq!(report.opened, 2);
        let [f] = &report.failed[..] else {
            panic!("one failure expected: {report:?}")
        };
        assert_eq!((f.project.as_str(), f.name.as_str(), f.version), ("default", "api", 1));
        assert!(f.reason.contains("integrity"), "{}", f.reason);
        assert!(!f.reason.contains("VERIFY"), "{}", f.reason);

        // Another key file opens nothing.
        let other = service(dir.path(), "other.key");
        let report = other.verify_all(&Caller::local()).expect("verify");
        assert_eq!((report.opened, report.failed.len()), (0, 3));
        let report = other.verify_each_key(&Caller::local()).expect("verify each key");
        assert_eq!((report.opened, report.failed.len()), (0, 1));
    }
}
