//! Several keyrings behind one: new data keys come from the current member; a stored data key
//! opens with the member whose prefix its key id carries (`local:` for the key file, `kms:`
//! for AWS KMS). This is how a store moves from one keyring to another: switch the current
//! member, then rotate (every data key is wrapped again under the new current one) while the
//! old member still opens what it wrapped.

use crate::error::{CryptoError, Result};
use crate::keyring::{DataKey, HeldKey, Keyring, WrappedKey};

/// A keyring made of named members.
pub struct KeyringSet {
    members: Vec<(String, Box<dyn Keyring>)>,
    current: usize,
}

impl std::fmt::Debug for KeyringSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringSet")
            .field(
                "members",
                &self.members.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
            )
            .field("current", &self.members.get(self.current).map(|(p, _)| p.as_str()))
            .finish()
    }
}

impl KeyringSet {
    /// A set of `(key id prefix, keyring)` members; `current` names the prefix of the one new
    /// data keys come from.
    ///
    /// # Errors
    /// [`CryptoError::UnknownKey`] when no member has the prefix `current`.
    pub fn new(members: Vec<(String, Box<dyn Keyring>)>, current: &str) -> Result<Self> {
        let current = members
            .iter()
            .position(|(p, _)| p == current)
            .ok_or_else(|| CryptoError::UnknownKey(format!("{current}: no such keyring is configured")))?;
        Ok(KeyringSet { members, current })
    }

    fn current(&self) -> &dyn Keyring {
        self.members[self.current].1.as_ref()
    }

    fn member_for(&self, key_id: &str) -> Result<&dyn Keyring> {
        self.members
            .iter()
            .find(|(p, _)| key_id.starts_with(p.as_str()))
            .map(|(_, k)| k.as_ref())
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_string()))
    }
}

impl Keyring for KeyringSet {
    fn current_key_id(&self) -> String {
        self.current().current_key_id()
    }

    fn generate_data_key(&self, context: &[u8]) -> Result<(DataKey, WrappedKey)> {
        self.current().generate_data_key(context)
    }

    fn decrypt_data_key(&self, wrapped: &WrappedKey, context: &[u8]) -> Result<DataKey> {
        self.member_for(&wrapped.key_id)?.decrypt_data_key(wrapped, context)
    }

    fn wrap_data_key(&self, key: &DataKey, context: &[u8]) -> Result<WrappedKey> {
        self.current().wrap_data_key(key, context)
    }

    fn rewrap(&self, wrapped: &WrappedKey, context: &[u8]) -> Result<WrappedKey> {
        let owner = self.member_for(&wrapped.key_id)?;
        if std::ptr::addr_eq(owner, self.current()) {
            return owner.rewrap(wrapped, context);
        }
        let key = owner.decrypt_data_key(wrapped, context)?;
        self.current().wrap_data_key(&key, context)
    }

    fn rotate(&self) -> Result<String> {
        self.current().rotate()
    }

    fn held_keys(&self) -> Result<Vec<HeldKey>> {
        let current = self.current_key_id();
        let mut out = Vec::new();
        for (_, member) in &self.members {
            for mut k in member.held_keys()? {
                k.current |= k.key_id == current;
                out.push(k);
            }
        }
        Ok(out)
    }

    fn remove_keys(&self, ids: &[String], still_used: &dyn Fn(&[String]) -> Vec<String>) -> Result<Vec<String>> {
        if ids.contains(&self.current_key_id()) {
            return Err(CryptoError::Unsupported(
                "the current key-encryption key is never removed",
            ));
        }
        // Each id goes to the member `member_for` would open it with.
        let mut batches: Vec<Vec<String>> = vec![Vec::new(); self.members.len()];
        for id in ids {
            let i = self
                .members
                .iter()
                .position(|(p, _)| id.starts_with(p.as_str()))
                .ok_or_else(|| CryptoError::UnknownKey(id.clone()))?;
            batches[i].push(id.clone());
        }
        let mut removed = Vec::new();
        for ((_, member), batch) in self.members.iter().zip(batches) {
            if !batch.is_empty() {
                removed.extend(member.remove_keys(&batch, still_used)?);
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LocalKeyFile;

    #[test]
    fn data_keys_move_between_members() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, _) = LocalKeyFile::open_or_create(&dir.path().join("a.key")).expect("a");
        let (dek, wrapped) = a.generate_data_key(b"ctx").expect("wrap");
        // A second key file plays "another keyring" under its own prefix.
        struct Renamed(LocalKeyFile);
        impl Keyring for Renamed {
            fn current_key_id(&self) -> String {
                format!("other-{}", self.0.current_key_id())
            }
            fn generate_data_key(&self, c: &[u8]) -> Result<(DataKey, WrappedKey)> {
                let (k, mut w) = self.0.generate_data_key(c)?;
                w.key_id = format!("other-{}", w.key_id);
                Ok((k, w))
            }
            fn decrypt_data_key(&self, w: &WrappedKey, c: &[u8]) -> Result<DataKey> {
                let inner = WrappedKey {
                    key_id: w.key_id.trim_start_matches("other-").to_string(),
                    blob: w.blob.clone(),
                };
                self.0.decrypt_data_key(&inner, c)
            }
            fn wrap_data_key(&self, k: &DataKey, c: &[u8]) -> Result<WrappedKey> {
                let mut w = self.0.wrap_data_key(k, c)?;
                w.key_id = format!("other-{}", w.key_id);
                Ok(w)
            }
        }
        let (b, _) = LocalKeyFile::open_or_create(&dir.path().join("b.key")).expect("b");
        let set = KeyringSet::new(
            vec![("local:".into(), Box::new(a)), ("other-".into(), Box::new(Renamed(b)))],
            "other-",
        )
        .expect("set");
        assert_eq!(
            set.decrypt_data_key(&wrapped, b"ctx").expect("old").expose_secret(),
            dek.expose_secret()
        );
        let moved = set.rewrap(&wrapped, b"ctx").expect("move");
        assert_eq!(moved.key_id, "other-local:1");
        assert_eq!(
            set.decrypt_data_key(&moved, b"ctx").expect("new").expose_secret(),
            dek.expose_secret()
        );
        assert!(matches!(set.rewrap(&wrapped, b"nope"), Err(CryptoError::Integrity)));
        assert!(matches!(
            set.decrypt_data_key(
                &WrappedKey {
                    key_id: "kms:x".into(),
                    blob: vec![0; 40]
                },
                b"ctx"
            ),
            Err(CryptoError::UnknownKey(_))
        ));
        assert!(KeyringSet::new(Vec::new(), "kms:").is_err());
    }

    #[test]
    fn held_keys_and_removal_go_to_the_member_that_holds_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("master.key");
        let (a, _) = LocalKeyFile::open_or_create(&path).expect("a");
        a.rotate().expect("rotate");
        // A member that holds no keys itself, as AWS KMS.
        struct Remote;
        impl Keyring for Remote {
            fn current_key_id(&self) -> String {
                "kms:arn".into()
            }
            fn generate_data_key(&self, _: &[u8]) -> Result<(DataKey, WrappedKey)> {
                Err(CryptoError::Unsupported("test"))
            }
            fn decrypt_data_key(&self, _: &WrappedKey, _: &[u8]) -> Result<DataKey> {
                Err(CryptoError::Unsupported("test"))
            }
        }
        let set = KeyringSet::new(
            vec![("local:".into(), Box::new(a)), ("kms:".into(), Box::new(Remote))],
            "kms:",
        )
        .expect("set");
        assert_eq!(
            set.held_keys().expect("held"),
            vec![
                HeldKey {
                    key_id: "local:1".into(),
                    current: false
                },
                HeldKey {
                    key_id: "local:2".into(),
                    current: true
                },
            ]
        );
        let none = |_: &[String]| Vec::new();
        assert!(matches!(
            set.remove_keys(&["kms:arn".into()], &none),
            Err(CryptoError::Unsupported(_))
        ));
        assert!(matches!(
            set.remove_keys(&["other:1".into()], &none),
            Err(CryptoError::UnknownKey(_))
        ));
        assert!(matches!(
            set.remove_keys(&["local:2".into()], &none),
            Err(CryptoError::Unsupported(_))
        ));
        assert_eq!(
            set.remove_keys(&["local:1".into()], &none).expect("remove"),
            ["local:1"]
        );
        assert_eq!(set.held_keys().expect("held").len(), 1);

        // A set of one key file: its current key is the set's.
        let (b, _) = LocalKeyFile::open_or_create(&dir.path().join("b.key")).expect("b");
        let only = KeyringSet::new(vec![("local:".into(), Box::new(b))], "local:").expect("set");
        assert!(matches!(
            only.remove_keys(&["local:1".into()], &none),
            Err(CryptoError::Unsupported(_))
        ));
    }
}
