//! Keyrings: who wraps and unwraps data keys.
//!
//! A [`Keyring`] hands out fresh data keys together with their wrapped form (like KMS
//! `GenerateDataKey`) and unwraps them again (like KMS `Decrypt`). The wrapping binds a
//! context (the envelope's AAD) so a wrapped key moved to another secret does not open.

use crate::error::{CryptoError, Result};
use crate::secret::{SecretBytes, SecretString};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use nix::fcntl::{Flock, FlockArg};
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

/// A key-encryption key that a keyring holds itself (a key file's key), as
/// [`Keyring::held_keys`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldKey {
    /// Its id (`local:2`).
    pub key_id: String,
    /// Whether it is current where it is held (the key file's `current`): such a key is never
    /// removed.
    pub current: bool,
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

    /// Wraps an existing data key under the current key-encryption key, bound to `context`
    /// (KMS `Encrypt`): how data keys move into this keyring from another one.
    ///
    /// # Errors
    /// When the key-encryption key cannot be used; keyrings that cannot wrap say so.
    fn wrap_data_key(&self, key: &DataKey, context: &[u8]) -> Result<WrappedKey> {
        let _ = (key, context);
        Err(CryptoError::Unsupported("this keyring cannot wrap existing data keys"))
    }

    /// Wraps the data key inside `wrapped` again under the current key-encryption key, with
    /// the same `context`, without the data key leaving the keyring's care (key rotation).
    ///
    /// # Errors
    /// As [`Keyring::decrypt_data_key`]; keyrings that cannot rewrap say so.
    fn rewrap(&self, wrapped: &WrappedKey, context: &[u8]) -> Result<WrappedKey> {
        let _ = (wrapped, context);
        Err(CryptoError::Unsupported("this keyring cannot rewrap data keys"))
    }

    /// Adds a new key-encryption key and makes it current; returns its id. Older keys stay,
    /// so data keys wrapped by them still open, until [`Keyring::remove_keys`] removes them.
    ///
    /// # Errors
    /// Keyrings whose keys are managed elsewhere (KMS) say so.
    fn rotate(&self) -> Result<String> {
        Err(CryptoError::Unsupported(
            "this keyring's keys rotate where they live (AWS KMS: enable automatic key rotation, the key id stays); to move every data key to another key, run: coffer key rotate --to-kms KEY",
        ))
    }

    /// The key-encryption keys this keyring holds itself, as they are now where they live (a
    /// key file is read again). Empty for keyrings whose key material stays in a key service
    /// (AWS KMS).
    ///
    /// # Errors
    /// When the keys cannot be read.
    fn held_keys(&self) -> Result<Vec<HeldKey>> {
        Ok(Vec::new())
    }

    /// Removes the keys `ids` from where this keyring keeps them, never a current one (see
    /// [`HeldKey::current`]), so that the key material is gone. Then asks `still_used` which
    /// of the removed ids something uses after all (a writer that wrapped a data key under one
    /// before it was removed) and puts those back. Returns the ids removed for good.
    ///
    /// # Errors
    /// [`CryptoError::Unsupported`] for a current key or a keyring that holds no keys,
    /// [`CryptoError::UnknownKey`] for an id it does not hold; I/O errors writing the keys.
    fn remove_keys(&self, ids: &[String], still_used: &dyn Fn(&[String]) -> Vec<String>) -> Result<Vec<String>> {
        let _ = (ids, still_used);
        Err(CryptoError::Unsupported(
            "this keyring holds no key-encryption keys to remove",
        ))
    }
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
    state: std::sync::RwLock<KeyState>,
}

/// The keys as last read from the file, and the file's modification time then: another
/// process (`coffer key rotate` beside `coffer serve`) may add a key, and this one reloads.
struct KeyState {
    keys: BTreeMap<u32, SecretBytes>,
    current: u32,
    /// (inode, size, mtime): a rename over the file changes the inode even when the clock's
    /// granularity hides the new mtime.
    modified: Option<FileStamp>,
}

type FileStamp = (u64, u64, Option<std::time::SystemTime>);

fn stamp(meta: &fs::Metadata) -> FileStamp {
    use std::os::unix::fs::MetadataExt;
    (meta.ino(), meta.len(), meta.modified().ok())
}

impl std::fmt::Debug for LocalKeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.read();
        f.debug_struct("LocalKeyFile")
            .field("path", &self.path)
            .field("versions", &st.keys.keys().collect::<Vec<_>>())
            .field("current", &st.current)
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
            state: std::sync::RwLock::new(KeyState {
                keys,
                current: 1,
                modified: None,
            }),
        };
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| io(path, e))?;
        let text = kf.render();
        // Leaves the process: the key file.
        file.write_all(text.expose_secret()).map_err(|e| io(path, e))?;
        file.sync_all().map_err(|e| io(path, e))?;
        Ok(kf)
    }

    /// Opens an existing key file.
    ///
    /// # Errors
    /// As [`LocalKeyFile::open_or_create`].
    pub fn open(path: &Path) -> Result<Self> {
        Ok(LocalKeyFile {
            path: path.to_path_buf(),
            state: std::sync::RwLock::new(Self::load(path)?),
        })
    }

    fn load(path: &Path) -> Result<KeyState> {
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
        Ok(KeyState {
            keys,
            current,
            modified: Some(stamp(&meta)),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, KeyState> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Reloads the file if it changed since it was read.
    fn refresh(&self) -> Result<()> {
        let modified = fs::metadata(&self.path).ok().map(|m| stamp(&m));
        if modified.is_some() && modified != self.read().modified {
            let fresh = Self::load(&self.path)?;
            *self.state.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        }
        Ok(())
    }

    fn render(&self) -> SecretBytes {
        Self::render_state(&self.read())
    }

    /// The key file's text, in a buffer zeroized on drop (each key's hex form too).
    fn render_state(st: &KeyState) -> SecretBytes {
        let mut out = SecretString::with_capacity(256 + 96 * st.keys.len());
        out.push_str(
            "# coffer key file: the key-encryption keys of this store.\n\
             # Keep it secret (mode 0600) and back it up: without it no stored secret can be opened.\n",
        );
        out.push_str(HEADER);
        out.push('\n');
        for (v, k) in &st.keys {
            let mut hex_key = SecretBytes::new(vec![0; 2 * k.expose_secret().len()]);
            hex::encode_to_slice(k.expose_secret(), hex_key.expose_secret_mut()).expect("twice the key's length");
            out.push_str(&format!("key {v} "));
            out.push_str(std::str::from_utf8(hex_key.expose_secret()).expect("hex is ASCII"));
            out.push('\n');
        }
        out.push_str(&format!("current {}\n", st.current));
        out.into()
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the key-encryption key `key_id`, reloading the file once if it is not
    /// known yet (another process may have rotated).
    fn with_key<R>(&self, key_id: &str, f: impl Fn(&SecretBytes) -> Result<R>) -> Result<R> {
        let version = key_id
            .strip_prefix("local:")
            .and_then(|v| v.parse::<u32>().ok())
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_string()))?;
        if let Some(k) = self.read().keys.get(&version) {
            return f(k);
        }
        self.refresh()?;
        match self.read().keys.get(&version) {
            Some(k) => f(k),
            None => Err(CryptoError::UnknownKey(key_id.to_string())),
        }
    }

    fn wrap(&self, key_id: &str, dek: &DataKey, context: &[u8]) -> Result<WrappedKey> {
        self.with_key(key_id, |kek| {
            let (nonce, ct) = aead_seal(kek.expose_secret(), dek.expose_secret(), context)?;
            let mut blob = nonce;
            blob.extend_from_slice(&ct);
            Ok(WrappedKey {
                key_id: key_id.to_string(),
                blob,
            })
        })
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
        format!("local:{}", self.read().current)
    }

    fn generate_data_key(&self, context: &[u8]) -> Result<(DataKey, WrappedKey)> {
        // A key added by another process becomes current here too.
        self.refresh()?;
        let dek = DataKey::generate();
        let wrapped = self.wrap(&self.current_key_id(), &dek, context)?;
        Ok((dek, wrapped))
    }

    fn decrypt_data_key(&self, wrapped: &WrappedKey, context: &[u8]) -> Result<DataKey> {
        if wrapped.blob.len() < NONCE_LEN {
            return Err(CryptoError::Integrity);
        }
        let (nonce, ct) = wrapped.blob.split_at(NONCE_LEN);
        self.with_key(&wrapped.key_id, |kek| {
            DataKey::from_bytes(aead_open(kek.expose_secret(), nonce, ct, context)?)
        })
    }

    fn wrap_data_key(&self, key: &DataKey, context: &[u8]) -> Result<WrappedKey> {
        self.refresh()?;
        self.wrap(&self.current_key_id(), key, context)
    }

    fn rewrap(&self, wrapped: &WrappedKey, context: &[u8]) -> Result<WrappedKey> {
        let dek = self.decrypt_data_key(wrapped, context)?;
        self.refresh()?;
        self.wrap(&self.current_key_id(), &dek, context)
    }

    fn rotate(&self) -> Result<String> {
        let _lock = self.lock()?;
        self.refresh()?;
        let mut st = self.state.write().unwrap_or_else(|p| p.into_inner());
        let next = st.keys.keys().max().copied().unwrap_or(0) + 1;
        let mut key = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        st.keys.insert(next, SecretBytes::new(key));
        st.current = next;
        self.write_state(&mut st)?;
        Ok(format!("local:{next}"))
    }

    fn held_keys(&self) -> Result<Vec<HeldKey>> {
        self.refresh()?;
        let st = self.read();
        Ok(st
            .keys
            .keys()
            .map(|v| HeldKey {
                key_id: format!("local:{v}"),
                current: *v == st.current,
            })
            .collect())
    }

    fn remove_keys(&self, ids: &[String], still_used: &dyn Fn(&[String]) -> Vec<String>) -> Result<Vec<String>> {
        let _lock = self.lock()?;
        self.refresh()?;
        let mut st = self.state.write().unwrap_or_else(|p| p.into_inner());
        let mut versions = Vec::new();
        for id in ids {
            let v = id
                .strip_prefix("local:")
                .and_then(|v| v.parse::<u32>().ok())
                .filter(|v| st.keys.contains_key(v))
                .ok_or_else(|| CryptoError::UnknownKey(id.clone()))?;
            if v == st.current {
                return Err(CryptoError::Unsupported(
                    "the key file's current key-encryption key is never removed",
                ));
            }
            versions.push(v);
        }
        // Held here until `still_used` has answered: a key something turned out to use goes
        // back into the file. Zeroized on drop.
        let mut removed: Vec<(u32, SecretBytes)> = versions
            .iter()
            .filter_map(|v| st.keys.remove(v).map(|k| (*v, k)))
            .collect();
        if removed.is_empty() {
            return Ok(Vec::new());
        }
        self.write_state(&mut st)?;
        let names: Vec<String> = removed.iter().map(|(v, _)| format!("local:{v}")).collect();
        let used = still_used(&names);
        if used.is_empty() {
            return Ok(names);
        }
        let mut gone = Vec::new();
        for (v, k) in removed.drain(..) {
            let id = format!("local:{v}");
            if used.contains(&id) {
                st.keys.insert(v, k);
            } else {
                gone.push(id);
            }
        }
        self.write_state(&mut st)?;
        Ok(gone)
    }
}

impl LocalKeyFile {
    /// Writes `st` as the key file: a new file (mode 0600 from creation) beside the old one,
    /// synced, renamed over it, and the directory synced; a crash leaves one or the other,
    /// whole. Records the new file's stamp in `st`.
    fn write_state(&self, st: &mut KeyState) -> Result<()> {
        let tmp = self.path.with_extension("key.new");
        let _ = fs::remove_file(&tmp);
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| io(&tmp, e))?;
        // Leaves the process: the key file.
        file.write_all(Self::render_state(st).expose_secret())
            .map_err(|e| io(&tmp, e))?;
        file.sync_all().map_err(|e| io(&tmp, e))?;
        fs::rename(&tmp, &self.path).map_err(|e| io(&self.path, e))?;
        if let Some(dir) = self.path.parent() {
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        st.modified = fs::metadata(&self.path).ok().map(|m| stamp(&m));
        Ok(())
    }

    /// An exclusive lock on `<key file>.lock` (created empty, mode 0600) for a change of the
    /// key file, so that two processes (`coffer key rotate` and a prune) never both read the
    /// file, change it and write it back, one undoing the other. Released on drop.
    fn lock(&self) -> Result<Flock<fs::File>> {
        let path = self.path.with_extension("key.lock");
        let file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| io(&path, e.into()))
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

    #[test]
    fn rotate_rewrap_and_reload_in_another_process() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("master.key");
        let (a, _) = LocalKeyFile::open_or_create(&path).expect("create");
        let b = LocalKeyFile::open(&path).expect("second instance, as another process");
        let (dek, wrapped) = a.generate_data_key(b"ctx").expect("wrap");
        assert_eq!(wrapped.key_id, "local:1");
        assert_eq!(a.rotate().expect("rotate"), "local:2");
        assert_eq!(
            std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
            0o600
        );
        // The other instance picks the new key up: for new data keys and for rewrapped ones.
        assert_eq!(b.generate_data_key(b"ctx").expect("wrap").1.key_id, "local:2");
        let re = a.rewrap(&wrapped, b"ctx").expect("rewrap");
        assert_eq!(re.key_id, "local:2");
        assert_ne!(re.blob, wrapped.blob);
        assert_eq!(
            b.decrypt_data_key(&re, b"ctx").expect("open").expose_secret(),
            dek.expose_secret()
        );
        // The old key stays: what was wrapped with it still opens; the context still binds.
        assert_eq!(
            b.decrypt_data_key(&wrapped, b"ctx").expect("old").expose_secret(),
            dek.expose_secret()
        );
        assert!(matches!(a.rewrap(&wrapped, b"other"), Err(CryptoError::Integrity)));
    }

    #[test]
    fn remove_keys_drops_old_keys_from_the_file_and_puts_back_what_is_used() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("master.key");
        let (kf, _) = LocalKeyFile::open_or_create(&path).expect("create");
        let (_, w1) = kf.generate_data_key(b"ctx").expect("wrap");
        kf.rotate().expect("rotate");
        let (dek2, w2) = kf.generate_data_key(b"ctx").expect("wrap");
        kf.rotate().expect("rotate");
        let other = LocalKeyFile::open(&path).expect("another process");
        assert_eq!(
            other.held_keys().expect("held"),
            vec![
                HeldKey {
                    key_id: "local:1".into(),
                    current: false
                },
                HeldKey {
                    key_id: "local:2".into(),
                    current: false
                },
                HeldKey {
                    key_id: "local:3".into(),
                    current: true
                },
            ]
        );
        let nothing_used = |_: &[String]| Vec::new();

        // The current key and unknown keys are refused, and nothing changes.
        let before = fs::read(&path).expect("read");
        assert!(matches!(
            kf.remove_keys(&["local:1".into(), "local:3".into()], &nothing_used),
            Err(CryptoError::Unsupported(_))
        ));
        assert!(matches!(
            kf.remove_keys(&["local:9".into()], &nothing_used),
            Err(CryptoError::UnknownKey(_))
        ));
        assert!(matches!(
            kf.remove_keys(&["kms:x".into()], &nothing_used),
            Err(CryptoError::UnknownKey(_))
        ));
        assert_eq!(fs::read(&path).expect("read"), before);

        // A key something turns out to use (asked after the file was written) goes back.
        let asked = std::sync::Mutex::new(Vec::new());
        let used = |ids: &[String]| {
            asked.lock().expect("lock").extend(ids.iter().cloned());
            vec!["local:2".to_string()]
        };
        assert_eq!(
            kf.remove_keys(&["local:1".into(), "local:2".into()], &used)
                .expect("remove"),
            ["local:1"]
        );
        assert_eq!(*asked.lock().expect("lock"), ["local:1", "local:2"]);
        let text = fs::read_to_string(&path).expect("read");
        assert!(
            !text.contains("key 1 ") && text.contains("key 2 ") && text.contains("key 3 "),
            "{text}"
        );
        assert_eq!(fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        let lock = dir.path().join("master.key.lock");
        assert_eq!(
            fs::metadata(&lock).expect("lock file").permissions().mode() & 0o777,
            0o600
        );
        assert!(!dir.path().join("master.key.new").exists());

        // Another process reloads: local:1 is gone, local:2 still opens.
        let fresh = LocalKeyFile::open(&path).expect("open");
        assert!(matches!(
            fresh.decrypt_data_key(&w1, b"ctx"),
            Err(CryptoError::UnknownKey(k)) if k == "local:1"
        ));
        assert_eq!(
            fresh.decrypt_data_key(&w2, b"ctx").expect("open").expose_secret(),
            dek2.expose_secret()
        );
        // The process that held local:1 in memory drops it at its next reload.
        assert_eq!(other.rotate().expect("rotate"), "local:4");
        assert!(matches!(
            other.decrypt_data_key(&w1, b"ctx"),
            Err(CryptoError::UnknownKey(_))
        ));
        assert_eq!(
            fs::read_to_string(&path).expect("read").matches("\nkey ").count(),
            3,
            "rotation kept what the prune wrote"
        );
    }
}
