//! The flights part itself ([`Flights`]) and what its use cases share: finding a flight by
//! name or id, the project's secrets' metadata, ids and audit objects.

use crate::access::Access;
use crate::error::{CoreError, Result};
use crate::secrets::Secrets;
use crate::types::secrets::SecretInfo;
use coffer_store::{FlightRecord, Store};

/// The flights part: a view over the store and the parts it uses.
#[derive(Clone, Copy)]
pub(crate) struct Flights<'a> {
    pub store: &'a dyn Store,
    pub access: Access<'a>,
    pub secrets: Secrets<'a>,
}

/// The audit object of flight `name`.
pub(super) fn flight_object(name: &str) -> String {
    format!("flight:{name}")
}

/// A new flight id: a random (version 4) UUID.
pub(super) fn new_id() -> String {
    let mut b = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Whether `s` has the shape of a flight id.
fn looks_like_id(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

impl Flights<'_> {
    /// The flight of `project` named `name_or_id`, or with that id.
    pub(super) fn find_flight(&self, project: &str, name_or_id: &str) -> Result<FlightRecord> {
        let found = if looks_like_id(name_or_id) {
            self.store
                .get_flight_by_id(&name_or_id.to_ascii_lowercase())?
                .filter(|f| f.project.eq_ignore_ascii_case(project))
        } else {
            None
        };
        let found = match found {
            Some(f) => Some(f),
            None => self.store.get_flight(project, name_or_id)?,
        };
        found.ok_or_else(|| CoreError::Missing(format!("no flight named '{name_or_id}' in project '{project}'")))
    }

    /// The metadata of every secret of the project, temporary ones of this process included.
    pub(super) fn secret_infos(&self, project: &str) -> Result<Vec<SecretInfo>> {
        let mut out = self.secrets.temporary_infos(project);
        out.extend(self.store.list_secrets(project)?.iter().map(SecretInfo::from_record));
        Ok(out)
    }
}
