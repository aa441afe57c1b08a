//! Reading metadata: where a secret is (and which one a name means), one secret's metadata,
//! the list of a project's secrets; and opening a stored record's values.

use super::part::{Located, Secrets};
use super::state::{key, TempSecret};
use crate::aad;
use crate::cache::StoredSecret;
use crate::caller::{Caller, Role};
use crate::error::{CoreError, Result};
use crate::types::secrets::{OpenedSecret, SecretInfo};
use coffer_crypto::{envelope, Keyring, Sealed};
use coffer_model::{SecretFields, Storage};
use coffer_store::SecretRecord;
use std::sync::Arc;

impl Secrets<'_> {
    /// Where `name` is, filtered by `storage`: the temporary entry's metadata and/or the
    /// stored record, read once.
    pub(super) fn locate(&self, project: &str, name: &str, storage: Option<Storage>) -> Result<Vec<Located>> {
        let mut found = Vec::new();
        if storage.is_none_or(|s| s == Storage::Memory) {
            if let Some(t) = self.temporary.lock().get(&key(project, name)) {
                found.push(Located::Memory(Box::new(t.info.clone())));
            }
        }
        if storage.is_none_or(|s| s == Storage::Coffer) {
            if let Some(r) = self.record(project, name)? {
                found.push(Located::Coffer(r));
            }
        }
        if storage.is_none_or(|s| s == Storage::Env) {
            if let Some(t) = self.env.lock().get(project, name) {
                found.push(Located::Env(Box::new(t.info.clone())));
            }
        }
        Ok(found)
    }

    /// The stored record of `name`, through the cache.
    pub(super) fn record(&self, project: &str, name: &str) -> Result<Option<Arc<StoredSecret>>> {
        let generation = self.cache.fresh(self.store)?;
        if let Some(hit) = self.cache.lock().record(project, name) {
            return Ok(hit);
        }
        let r = self.store.get_secret(project, name)?.map(|record| {
            Arc::new(StoredSecret {
                info: SecretInfo::from_record(&record),
                record,
            })
        });
        self.cache.lock().put_record(generation, project, name, r.clone());
        Ok(r)
    }

    /// Exactly one location of `name`, or the DuckDB-style error: a name in several storages
    /// (memory, coffer, env: any two) is ambiguous unless `storage` says which, as DuckDB's
    /// lookup by name refuses a name found in several storages. (Only lookups by path rank
    /// storages, memory before coffer before env:
    /// [`Service::which_secret`](crate::Service::which_secret).)
    pub(super) fn locate_one(&self, project: &str, name: &str, storage: Option<Storage>) -> Result<Located> {
        let mut found = self.locate(project, name, storage)?;
        match found.len() {
            0 => Err(CoreError::NotFound {
                name: name.to_string(),
                storage,
            }),
            1 => Ok(found.remove(0)),
            _ => Err(CoreError::Ambiguous {
                // The env secret's name as its variable spells it, for the hint.
                name: found
                    .iter()
                    .find_map(|l| match l {
                        Located::Env(i) => Some(i.name.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| name.to_string()),
                storages: found.iter().map(Located::storage).collect(),
            }),
        }
    }

    /// See [`Service::list_secrets`](crate::Service::list_secrets).
    pub(crate) fn list_secrets(&self, caller: &Caller, project: &str) -> Result<Vec<SecretInfo>> {
        let project = &self.access.canonical_project(project)?;
        self.access.authorize(caller, project, Role::Read, "list", "secrets")?;
        let mut out: Vec<SecretInfo> = self.temporary_infos(project);
        out.extend(self.store.list_secrets(project)?.iter().map(SecretInfo::from_record));
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.storage.cmp(&b.storage)));
        Ok(out)
    }

    /// See [`Service::secret_info`](crate::Service::secret_info).
    pub(crate) fn secret_info(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        storage: Option<Storage>,
    ) -> Result<SecretInfo> {
        let project = &self.access.canonical_project(project)?;
        self.access
            .authorize(caller, project, Role::Read, "show", &format!("secret:{name}"))?;
        Ok(self.locate_one(project, name, storage)?.into_info())
    }

    /// The metadata of every secret `name` names in `project` (the project's stored name), in
    /// any storage, without a check or an audit event: for the other parts' checks of the
    /// secrets they refer to.
    pub(crate) fn infos_named(&self, project: &str, name: &str) -> Result<Vec<SecretInfo>> {
        Ok(self
            .locate(project, name, None)?
            .into_iter()
            .map(Located::into_info)
            .collect())
    }

    /// Opens a secret's values without any check or audit: for this crate's own use.
    pub(super) fn open_secret(&self, project: &str, name: &str, storage: Option<Storage>) -> Result<OpenedSecret> {
        let stored = match self.locate_one(project, name, storage)? {
            Located::Coffer(r) => r,
            located @ (Located::Memory(_) | Located::Env(_)) => {
                let missing = || CoreError::NotFound {
                    name: name.to_string(),
                    storage,
                };
                let opened = |t: &TempSecret| OpenedSecret {
                    info: t.info.clone(),
                    fields: t.fields.duplicate(),
                };
                return match located {
                    Located::Memory(_) => self
                        .temporary
                        .lock()
                        .get(&key(project, name))
                        .map(opened)
                        .ok_or_else(missing),
                    _ => self.env.lock().get(project, name).map(opened).ok_or_else(missing),
                };
            }
        };
        Ok(OpenedSecret {
            info: stored.info.clone(),
            fields: open_record(self.keyring, &stored.record)?,
        })
    }
}

/// Decrypts one stored version's values, checked against its clear metadata.
pub(crate) fn open_record(keyring: &dyn Keyring, record: &SecretRecord) -> Result<SecretFields> {
    let sealed = Sealed {
        wrapped_key: coffer_crypto::keyring::WrappedKey {
            key_id: record.sealed.key_id.clone(),
            blob: record.sealed.wrapped_key.clone(),
        },
        nonce: record.sealed.nonce.clone(),
        ciphertext: record.sealed.ciphertext.clone(),
    };
    let plain = envelope::open(keyring, &aad::for_record(record), &sealed)?;
    let sensitive = SecretFields::sensitive_from_bytes(plain.expose_secret())
        .map_err(|_| CoreError::Crypto(coffer_crypto::CryptoError::Integrity))?;
    let mut fields = SecretFields {
        public: record.public_fields.clone(),
        sensitive,
    };
    if fields.sensitive_keys() != record.sensitive_keys {
        return Err(CoreError::Crypto(coffer_crypto::CryptoError::Integrity));
    }
    // Values stored in clear before their field became sensitive (old secrets'
    // `extra_http_headers`) are sensitive from here on: masked in runs, redacted, sealed when
    // the secret is next written.
    let (public, moved) = coffer_model::validate::split_legacy_sensitive(&record.secret_type, &fields.public);
    if !moved.is_empty() {
        fields.public = public;
        fields.sensitive.extend(moved);
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_crypto::LocalKeyFile;
    use coffer_model::{FieldValue, SensitiveValue};
    use coffer_store::{Expect, SealedRecord, SecretStore};
    use coffer_store_sqlite::SqliteStore;
    use std::collections::BTreeMap;

    /// A secret stored before `extra_http_headers` became sensitive: its header values are in
    /// the public fields (and in the AAD). Shown, they are sensitive keys; opened, sensitive
    /// values; the stored row still opens.
    #[test]
    fn header_values_stored_in_clear_are_treated_as_sensitive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (keyring, _) = LocalKeyFile::open_or_create(&dir.path().join("master.key")).expect("key");
        let store = SqliteStore::open(&dir.path().join("coffer.db")).expect("db");
        let mut public = BTreeMap::new();
        public.insert("key_id".to_string(), FieldValue::Text("AKIA".into()));
        public.insert("region".to_string(), FieldValue::Text("us-east-1".into()));
        let mut headers = indexmap::IndexMap::new();
        headers.insert("Authorization".to_string(), "Bearer LEGACY-TOKEN".to_string());
        public.insert("extra_http_headers".to_string(), FieldValue::Map(headers));
        let mut sensitive = BTreeMap::new();
        sensitive.insert(
            "secret".to_string(),
            SensitiveValue::Text(coffer_crypto::SecretString::from("s3-secret")),
        );
        let fields = SecretFields { public, sensitive };
        let mut record = SecretRecord {
            project: "default".into(),
            name: "old".into(),
            secret_type: "s3".into(),
            provider: "config".into(),
            scopes: vec!["s3://b".into()],
            public_fields: fields.public.clone(),
            sensitive_keys: fields.sensitive_keys(),
            sealed: SealedRecord {
                key_id: String::new(),
                wrapped_key: Vec::new(),
                nonce: Vec::new(),
                ciphertext: Vec::new(),
            },
            version: 1,
            created_at: 1,
            created_by: "local".into(),
            updated_at: 1,
            updated_by: "local".into(),
        };
        let plain = fields.sensitive_to_bytes();
        let sealed = envelope::seal(&keyring, &aad::for_record(&record), plain.expose_secret()).expect("seal");
        record.sealed = SealedRecord {
            key_id: sealed.wrapped_key.key_id,
            wrapped_key: sealed.wrapped_key.blob,
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
        };
        store.put_secret(&record, Expect::Absent, &[]).expect("put");

        let info = SecretInfo::from_record(&record);
        assert!(!info.fields.contains_key("extra_http_headers"), "{:?}", info.fields);
        assert!(info
            .sensitive_keys
            .contains(&"extra_http_headers.Authorization".to_string()));
        assert!(!info.secret_string.contains("LEGACY-TOKEN"), "{}", info.secret_string);
        let opened = open_record(&keyring, &record).expect("opens");
        assert!(!opened.public.contains_key("extra_http_headers"));
        match opened.sensitive.get("extra_http_headers") {
            Some(SensitiveValue::Map(m)) => assert_eq!(
                m.get("Authorization").map(|v| v.expose_secret()),
                Some("Bearer LEGACY-TOKEN")
            ),
            other => panic!("not sensitive: {other:?}"),
        }
        let svc = crate::Service::new(Box::new(store), Box::new(keyring));
        let listed = svc
            .secret_info(&Caller::local(), "default", "old", Some(Storage::Coffer))
            .expect("info");
        assert!(!format!("{listed:?}").contains("LEGACY-TOKEN"));
    }
}
