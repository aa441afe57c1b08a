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

/// What [`Service::prune_keys`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PruneReport {
    /// The key new data keys are wrapped with.
    pub current_key: String,
    /// Whether the keyring holds key-encryption keys itself (a key file). `false`: its keys
    /// stay in a key service (AWS KMS), and there is nothing here to prune.
    pub holds_keys: bool,
    /// The keys removed from the key file.
    pub removed: Vec<String>,
    /// The keys kept, and why.
    pub kept: Vec<KeptKey>,
}

/// A key-encryption key [`Service::prune_keys`] kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeptKey {
    /// The key.
    pub key_id: String,
    /// Why it stays: it is current, or data keys are still wrapped under it.
    pub reason: String,
    /// How many stored secret versions' data keys it wraps.
    pub data_keys: usize,
    /// Some of those versions, `project/name version N` (at most five).
    pub used_by: Vec<String>,
}

/// At most this many versions are named for a key still in use.
const USED_BY_SHOWN: usize = 5;

/// What [`Service::verify_all`] found: every stored version opened, or which did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Stored versions (current and kept) that decrypted and passed their integrity checks.
    pub opened: usize,
    /// The versions that did not.
    pub failed: Vec<VerifyFailure>,
}

/// One stored version that does not open with this keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    /// Its project.
    pub project: String,
    /// The secret.
    pub name: String,
    /// The version.
    pub version: i64,
    /// The key-encryption key that wrapped its data key.
    pub key_id: String,
    /// Why it failed (a keyring or integrity error; never a value).
    pub reason: String,
}

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

impl Service {
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
        self.require_superuser(caller, "key.prune", "keys")?;
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

    fn values(svc: &Service) -> Vec<String> {
        let mut out = Vec::new();
        for r in svc.store.all_versions().expect("versions") {
            let fields = svc.open_record(&r).expect("every version opens");
            let value = match fields.sensitive.get("value") {
                Some(coffer_model::SensitiveValue::Text(t)) => t.expose_secret().to_string(),
                _ => panic!("a generic secret has a text value"),
            };
            out.push(format!("{}/{} v{}: {value}", r.project, r.name, r.version));
        }
        out
    }

    #[test]
    fn prune_removes_unused_old_keys_and_keeps_what_is_used() {
        let dir = tempfile::tempdir().expect("tempdir");
        let svc = service(dir.path(), "master.key");
        put(&svc, "api", "PRUNE-v1", OnConflict::Error);
        put(&svc, "api", "PRUNE-v2", OnConflict::Replace);
        put(&svc, "db", "PRUNE-db", OnConflict::Error);
        let before = values(&svc);
        // Nothing to prune yet: one key, the current one.
        let r = svc.prune_keys(&Caller::local()).expect("prune");
        assert!(r.holds_keys && r.removed.is_empty(), "{r:?}");
        assert_eq!(r.kept.len(), 1);

        // The kept version api v1's wrapped key under local:1, to put back later.
        let conn = rusqlite::Connection::open(dir.path().join("coffer.db")).expect("raw");
        let old: (String, Vec<u8>) = conn
            .query_row(
                "SELECT key_id, wrapped_key FROM secret_versions WHERE name = 'api' AND version = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .expect("kept version");
        assert_eq!(old.0, "local:1");

        svc.rotate_keys(&Caller::local()).expect("rotate");
        svc.rotate_keys(&Caller::local()).expect("rotate");
        let r = svc.prune_keys(&Caller::local()).expect("prune");
        assert_eq!(r.removed, ["local:1", "local:2"]);
        assert_eq!(r.current_key, "local:3");
        assert_eq!(values(&svc), before, "every version, kept ones too, still opens");
        let text = std::fs::read_to_string(dir.path().join("master.key")).expect("key file");
        assert!(!text.contains("key 1 ") && !text.contains("key 2 ") && text.contains("key 3 "));
        let status = svc.key_status(&Caller::local()).expect("status");
        assert_eq!(status.len(), 1);

        // A version still wrapped under an old key (here: one put back as a backup would)
        // keeps that key, and the report says which versions use it.
        svc.rotate_keys(&Caller::local()).expect("rotate"); // local:4
        let under3: (String, Vec<u8>) = conn
            .query_row(
                "SELECT key_id, wrapped_key FROM secret_versions WHERE name = 'api' AND version = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .expect("kept version");
        assert_eq!(under3.0, "local:4");
        drop(old);
        svc.rotate_keys(&Caller::local()).expect("rotate"); // local:5
        conn.execute(
            "UPDATE secret_versions SET key_id = ?1, wrapped_key = ?2 WHERE name = 'api' AND version = 1",
            rusqlite::params![under3.0, under3.1],
        )
        .expect("put back");
        let r = svc.prune_keys(&Caller::local()).expect("prune");
        assert_eq!(r.removed, ["local:3"]);
        let kept: Vec<(&str, usize, &[String])> = r
            .kept
            .iter()
            .map(|k| (k.key_id.as_str(), k.data_keys, &k.used_by[..]))
            .collect();
        assert_eq!(
            kept,
            [
                ("local:4", 1, &["default/api version 1".to_string()][..]),
                ("local:5", 2, &[][..]),
            ]
        );
        assert!(
            r.kept[0].reason.starts_with("still wraps 1 data key:"),
            "{}",
            r.kept[0].reason
        );
        assert!(r.kept[1].reason.starts_with("current"), "{}", r.kept[1].reason);
        assert_eq!(values(&svc), before);

        // Audited; and superusers only.
        let events = svc
            .store
            .list_audit(&coffer_store::AuditFilter::default())
            .expect("audit");
        let prunes: Vec<&str> = events
            .iter()
            .filter(|e| e.action == "key.prune")
            .filter_map(|e| e.detail.as_deref())
            .collect();
        assert_eq!(
            prunes,
            [
                "removing unused key-encryption keys local:1, local:2",
                "removing unused key-encryption keys local:3"
            ]
        );
        let reader = Caller {
            superuser: false,
            ..Caller::local()
        };
        assert!(matches!(svc.prune_keys(&reader), Err(CoreError::NeedsSuperuser { .. })));
    }

    #[test]
    fn prune_with_a_keyring_that_holds_no_keys_says_so() {
        struct Kms;
        impl coffer_crypto::Keyring for Kms {
            fn current_key_id(&self) -> String {
                "kms:arn:aws:kms:eu-west-1:1:key/k".into()
            }
            fn generate_data_key(&self, _: &[u8]) -> coffer_crypto::Result<(coffer_crypto::DataKey, WrappedKey)> {
                Err(coffer_crypto::CryptoError::Unsupported("test"))
            }
            fn decrypt_data_key(&self, _: &WrappedKey, _: &[u8]) -> coffer_crypto::Result<coffer_crypto::DataKey> {
                Err(coffer_crypto::CryptoError::Unsupported("test"))
            }
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let svc = Service::new(
            Box::new(SqliteStore::open(&dir.path().join("coffer.db")).expect("db")),
            Box::new(Kms),
        );
        let r = svc.prune_keys(&Caller::local()).expect("prune");
        assert!(!r.holds_keys && r.removed.is_empty() && r.kept.is_empty(), "{r:?}");
        assert_eq!(r.current_key, "kms:arn:aws:kms:eu-west-1:1:key/k");
    }
}
