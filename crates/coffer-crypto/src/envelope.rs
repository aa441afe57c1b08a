//! Envelope encryption: a fresh data key per sealed blob, wrapped by a [`Keyring`].

use crate::error::Result;
use crate::keyring::{aead_open, aead_seal, Keyring, WrappedKey};
use crate::secret::SecretBytes;

/// A sealed value as stored: the wrapped data key and the AES-256-GCM ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The data key, wrapped by the keyring.
    pub wrapped_key: WrappedKey,
    /// The 96-bit nonce of the ciphertext.
    pub nonce: Vec<u8>,
    /// Ciphertext with its 128-bit tag.
    pub ciphertext: Vec<u8>,
}

/// Seals `plaintext` under a fresh data key, binding `aad` to both the ciphertext and the
/// wrapped key.
///
/// # Errors
/// When the keyring cannot issue a data key.
pub fn seal(keyring: &dyn Keyring, aad: &[u8], plaintext: &[u8]) -> Result<Sealed> {
    let (dek, wrapped_key) = keyring.generate_data_key(aad)?;
    let (nonce, ciphertext) = aead_seal(dek.expose_secret(), plaintext, aad)?;
    Ok(Sealed {
        wrapped_key,
        nonce,
        ciphertext,
    })
}

/// Opens a blob sealed by [`seal`] with the same `aad`.
///
/// # Errors
/// [`crate::CryptoError::Integrity`] when anything was changed or moved; errors of the keyring.
pub fn open(keyring: &dyn Keyring, aad: &[u8], sealed: &Sealed) -> Result<SecretBytes> {
    let dek = keyring.decrypt_data_key(&sealed.wrapped_key, aad)?;
    aead_open(dek.expose_secret(), &sealed.nonce, &sealed.ciphertext, aad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CryptoError, LocalKeyFile};
    use proptest::prelude::*;

    fn keyring() -> (tempfile::TempDir, LocalKeyFile) {
        let dir = tempfile::tempdir().expect("tempdir");
        let kf = LocalKeyFile::create(&dir.path().join("k")).expect("key");
        (dir, kf)
    }

    #[test]
    fn every_flipped_byte_fails() {
        let (_d, kr) = keyring();
        let sealed = seal(&kr, b"p/n/s3/1", b"top secret value").expect("seal");
        for i in 0..sealed.ciphertext.len() {
            let mut s = sealed.clone();
            s.ciphertext[i] ^= 1;
            assert!(matches!(open(&kr, b"p/n/s3/1", &s), Err(CryptoError::Integrity)));
        }
        for i in 0..sealed.wrapped_key.blob.len() {
            let mut s = sealed.clone();
            s.wrapped_key.blob[i] ^= 0x80;
            assert!(matches!(open(&kr, b"p/n/s3/1", &s), Err(CryptoError::Integrity)));
        }
        for i in 0..sealed.nonce.len() {
            let mut s = sealed.clone();
            s.nonce[i] ^= 0x01;
            assert!(matches!(open(&kr, b"p/n/s3/1", &s), Err(CryptoError::Integrity)));
        }
        assert!(matches!(open(&kr, b"p/n/s3/2", &sealed), Err(CryptoError::Integrity)));
        let mut s = sealed.clone();
        s.wrapped_key.key_id = "local:9".into();
        assert!(matches!(open(&kr, b"p/n/s3/1", &s), Err(CryptoError::UnknownKey(_))));
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..512), aad in proptest::collection::vec(any::<u8>(), 0..64)) {
            let (_d, kr) = keyring();
            let sealed = seal(&kr, &aad, &data).expect("seal");
            let back = open(&kr, &aad, &sealed).expect("open");
            prop_assert_eq!(back.expose_secret(), &data[..]);
        }
    }
}
