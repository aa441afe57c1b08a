//! Keyrings: who wraps and unwraps data keys.
//!
//! A [`Keyring`] hands out fresh data keys together with their wrapped form (like KMS
//! `GenerateDataKey`) and unwraps them again (like KMS `Decrypt`). The wrapping binds a
//! context (the envelope's AAD) so a wrapped key moved to another secret does not open.

use crate::{CryptoError, Result, SecretBytes};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A 256-bit data key. Zeroized on drop.
#[derive(Debug)]
pub struct DataKey(SecretBytes);

impl DataKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut k = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        DataKey(SecretBytes::new(k))
    }

    /// Wraps existing key bytes (must be 32 bytes).
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] when the length is not 32.
    pub fn from_bytes(bytes: SecretBytes) -> Result<Self> {
        if bytes.expose_secret().len() != 32 {
            return Err(CryptoError::Malformed("data key is not 32 bytes"));
        }
        Ok(DataKey(bytes))
    }

    /// The key bytes.
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

/// A data key as stored: wrapped by the key-encryption key `key_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// Which key-encryption key wrapped it (`local:1`, a KMS key ARN, ...).
    pub key_id: String,
    /// The wrapped key bytes.
    pub blob: Vec<u8>,
}

/// Wraps and unwraps data keys. Implementations: [`LocalKeyFile`]; AWS KMS.
pub trait Keyring: Send + Sync {
    /// The key id new data keys are wrapped with.
    fn current_key_id(&self) -> String;

    /// A fresh data key and its wrapped form, bound to `context`.
    ///
    /// # Errors
    /// When the key-encryption key cannot be used.
    fn generate_data_key(&self, context: &[u8]) -> Result<(DataKey, WrappedKey)>;

    /// Unwraps a data key wrapped with the same `context`.
    ///
    /// # Errors
    /// [`CryptoError::Integrity`] when the blob or context do not match,
    /// [`CryptoError::UnknownKey`] when the key id is not in this keyring.
    fn decrypt_data_key(&self, wrapped: &WrappedKey, context: &[u8]) -> Result<DataKey>;
}

const HEADER: &str = "coffer-keyfile 1";
const NONCE_LEN: usize = 12;

/// AES-256-GCM with a random 96-bit nonce prepended to the output.
pub(crate) fn aead_seal(key: &[u8], plaintext: &[u8], aad: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| CryptoError::Malformed("key is not 32 bytes"))?;
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad })
        .map_err(|_| CryptoError::Malformed("encryption failed"))?;
    Ok((nonce.to_vec(), ct))
}

pub(crate) fn aead_open(key: &[u8], nonce: &[u8], ciphertext: &[u8], aad: &[u8]) -> Result<SecretBytes> {
    if nonce.len() != NONCE_LEN {
        return Err(CryptoError::Integrity);
    }
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| CryptoError::Malformed("key is not 32 bytes"))?;
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad })
        .map(SecretBytes::new)
        .map_err(|_| CryptoError::Integrity)
}

/// A local key file holding versioned 256-bit key-encryption keys.
///
/// Format (text, `0600`):
/// ```text
/// # comment lines
/// coffer-keyfile 1
/// key 1 <64 hex digits>
/// current 1
/// ```
pub struct LocalKeyFile {
    path: PathBuf,
    keys: BTreeMap<u32, SecretBytes>,
    current: u32,
}

impl std::fmt::Debug for LocalKeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalKeyFile")
            .field("path", &self.path)
            .field("versions", &self.keys.keys().collect::<Vec<_>>())
            .field("current", &self.current)
            .finish()
    }
}

impl LocalKeyFile {
    /// Opens the key file at `path`, creating it (mode `0600`, one fresh key) when it does
    /// not exist. Returns whether it was created.
    ///
    /// # Errors
    /// [`CryptoError::KeyFilePermissions`] when the file is group- or world-readable,
    /// [`CryptoError::KeyFileFormat`] when it is not a key file, [`CryptoError::Io`].
    pub fn open_or_create(path: &Path) -> Result<(Self, bool)> {
        match fs::metadata(path) {
            Ok(_) => Ok((Self::open(path)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((Self::create(path)?, true)),
            Err(e) => Err(io(path, e)),
        }
    }

    /// Creates a new key file with one fresh key; fails if it exists.
    ///
    /// # Errors
    /// [`CryptoError::Io`], also when the file already exists.
    pub fn create(path: &Path) -> Result<Self> {
        let mut key = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let mut keys = BTreeMap::new();
        keys.insert(1, SecretBytes::new(key));
        let kf = LocalKeyFile {
            path: path.to_path_buf(),
            keys,
            current: 1,
        };
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| io(path, e))?;
        let text = kf.render();
        file.write_all(text.expose_secret()).map_err(|e| io(path, e))?;
        file.sync_all().map_err(|e| io(path, e))?;
        Ok(kf)
    }

    /// Opens an existing key file.
    ///
    /// # Errors
    /// As [`LocalKeyFile::open_or_create`].
    pub fn open(path: &Path) -> Result<Self> {
        let meta = fs::metadata(path).map_err(|e| io(path, e))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CryptoError::KeyFilePermissions {
                path: path.display().to_string(),
                mode,
            });
        }
        let text = SecretBytes::new(fs::read(path).map_err(|e| io(path, e))?);
        let bad = |reason: &str| CryptoError::KeyFileFormat {
            path: path.display().to_string(),
            reason: reason.to_string(),
        };
        let text = std::str::from_utf8(text.expose_secret()).map_err(|_| bad("it is not text"))?;
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        if lines.next() != Some(HEADER) {
            return Err(bad("the first line must be 'coffer-keyfile 1'"));
        }
        let mut keys = BTreeMap::new();
        let mut current = None;
        for line in lines {
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                ["key", v, hexkey] => {
                    let v: u32 = v.parse().map_err(|_| bad("a key version is not a number"))?;
                    let bytes = SecretBytes::new(hex::decode(hexkey).map_err(|_| bad("a key is not hex"))?);
                    if bytes.expose_secret().len() != 32 {
                        return Err(bad("a key is not 32 bytes"));
                    }
                    keys.insert(v, bytes);
                }
                ["current", v] => current = Some(v.parse().map_err(|_| bad("'current' is not a number"))?),
                _ => return Err(bad("unexpected line (expected 'key N HEX' or 'current N')")),
            }
        }
        let current = current.ok_or_else(|| bad("no 'current' line"))?;
        if !keys.contains_key(&current) {
            return Err(bad("the current key version has no key"));
        }
        Ok(LocalKeyFile {
            path: path.to_path_buf(),
            keys,
            current,
        })
    }

    fn render(&self) -> SecretBytes {
        let mut out = String::from(
            "# coffer key file: the key-encryption keys of this store.\n\
             # Keep it secret (mode 0600) and back it up: without it no stored secret can be opened.\n",
        );
        out.push_str(HEADER);
        out.push('\n');
        for (v, k) in &self.keys {
            out.push_str(&format!("key {v} {}\n", hex::encode(k.expose_secret())));
        }
        out.push_str(&format!("current {}\n", self.current));
        SecretBytes::new(out.into_bytes())
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn key_for(&self, key_id: &str) -> Result<&SecretBytes> {
        key_id
            .strip_prefix("local:")
            .and_then(|v| v.parse::<u32>().ok())
            .and_then(|v| self.keys.get(&v))
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_string()))
    }
}

fn io(path: &Path, source: std::io::Error) -> CryptoError {
    CryptoError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Keyring for LocalKeyFile {
    fn current_key_id(&self) -> String {
        format!("local:{}", self.current)
    }

    fn generate_data_key(&self, context: &[u8]) -> Result<(DataKey, WrappedKey)> {
        let dek = DataKey::generate();
        let key_id = self.current_key_id();
        let kek = self.key_for(&key_id)?;
        let (nonce, ct) = aead_seal(kek.expose_secret(), dek.expose_secret(), context)?;
        let mut blob = nonce;
        blob.extend_from_slice(&ct);
        Ok((dek, WrappedKey { key_id, blob }))
    }

    fn decrypt_data_key(&self, wrapped: &WrappedKey, context: &[u8]) -> Result<DataKey> {
        let kek = self.key_for(&wrapped.key_id)?;
        if wrapped.blob.len() < NONCE_LEN {
            return Err(CryptoError::Integrity);
        }
        let (nonce, ct) = wrapped.blob.split_at(NONCE_LEN);
        DataKey::from_bytes(aead_open(kek.expose_secret(), nonce, ct, context)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_open_and_permissions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("master.key");
        let (kf, created) = LocalKeyFile::open_or_create(&path).expect("create");
        assert!(created);
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (dek, wrapped) = kf.generate_data_key(b"ctx").expect("gen");
        let (kf2, created) = LocalKeyFile::open_or_create(&path).expect("open");
        assert!(!created);
        let back = kf2.decrypt_data_key(&wrapped, b"ctx").expect("unwrap");
        assert_eq!(back.expose_secret(), dek.expose_secret());
        assert!(matches!(
            kf2.decrypt_data_key(&wrapped, b"other"),
            Err(CryptoError::Integrity)
        ));

        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = LocalKeyFile::open(&path).expect_err("must refuse");
        assert_eq!(
            err.to_string(),
            format!(
                "key file {p} is readable by group or others (mode 644); fix it with: chmod 600 {p}",
                p = path.display()
            )
        );
        assert!(!format!("{kf2:?}").contains(&hex::encode(dek.expose_secret())));
    }
}
