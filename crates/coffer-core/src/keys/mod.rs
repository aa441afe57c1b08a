//! Key rotation: a new key-encryption key, and every stored data key wrapped again under it,
//! while reads and writes go on. Values and their ciphertexts never change: only the wrapped
//! data keys do, each by compare-and-swap, so a concurrent replace is never undone and an
//! interrupted rotation is finished by running it again.
//!
//! The part is `Keys` (`part`), a view over the store, the keyring and the access part: `verify`
//! (every stored version opens with this keyring), `rotate` (status and rotation) and `prune`
//! (old key-encryption keys leave the key file once nothing is wrapped under them).

mod part;
mod prune;
mod rotate;
mod verify;

pub use crate::types::keys::{KeptKey, KeyUsage, PruneReport, RotationReport, VerifyFailure, VerifyReport};
pub(crate) use part::Keys;
