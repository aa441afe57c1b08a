//! Several keyrings behind one: new data keys come from the current member; a stored data key
//! opens with the member whose prefix its key id carries (`local:` for the key file, `kms:`
//! for AWS KMS). This is how a store moves from one keyring to another: switch the current
//! member, then rotate (every data key is wrapped again under the new current one) while the
//! old member still opens what it wrapped.

use crate::keyring::{DataKey, Keyring, WrappedKey};
use crate::{CryptoError, Result};

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
}
