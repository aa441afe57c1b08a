//! The keys part itself ([`Keys`]).

use crate::access::Access;
use coffer_crypto::Keyring;
use coffer_store::Store;

/// The keys part: a view over the store, the keyring and the access part.
#[derive(Clone, Copy)]
pub(crate) struct Keys<'a> {
    pub store: &'a dyn Store,
    pub keyring: &'a dyn Keyring,
    pub access: Access<'a>,
}
