//! Flights (seed 003): definitions, runs and their logs, as use cases of [`Service`](crate::Service).
//!
//! - A flight is defined by a caller with `write` in its project; its runs act as the identity
//!   of the flight's named token, or as its owner when none is named. The secrets a run gets
//!   are opened as that identity (so it needs `use`), audited with purpose `flight:NAME#N`.
//! - Starting a run ([`Service::start_run`](crate::Service::start_run)) records it first and then resolves its
//!   environment: a run whose attached secret was dropped is recorded `failed` with a message
//!   naming the secret, before anything starts. Values are read at start, so a replaced secret
//!   needs no redeploy.
//! - Each run gets its own `COFFER_TOKEN`: a token of the run's identity named
//!   `run.<flight id>.<n>`, minted at start, expiring with the run's timeout and revoked when
//!   the run ends (the named token itself is stored only as a hash and cannot be handed out).
//! - Running processes is not done here: see the `coffer-flights` crate.
//!
//! The part is `Flights`, a view over the store and the access and secrets parts, with one
//! file per use case: `define` (create, update, show, delete), `runs` (start, finish, cancel,
//! list, logs), `launch` (the run's identity and environment), `templates`
//! (`{{ secret(...) }}`), `run_tokens`, `schedule` and `recovery` (runs whose process is
//! gone).

mod define;
mod launch;
mod recovery;
mod run_tokens;
mod runs;
mod schedule;
mod templates;

use crate::access::Access;
use crate::caller::Caller;
use crate::error::{CoreError, Result};
use crate::secrets::Secrets;
use crate::types::secrets::SecretInfo;
use coffer_store::{FlightRecord, Store};

pub use crate::types::flights::{
    FlightInfo, FlightSaved, FlightUpdate, Launch, LaunchStep, RunInfo, RunRequest, Started,
};
#[cfg(test)] // for the node tests, which look the run tokens up
pub(crate) use run_tokens::run_token_name;

/// The most log bytes one [`Service::run_log`](crate::Service::run_log) answer carries (at least one chunk).
pub const LOG_PAGE_BYTES: usize = 1 << 20;

/// The one identity the scheduler acts as when it starts runs.
pub fn scheduler_caller() -> Caller {
    Caller {
        identity_id: None,
        name: "scheduler".into(),
        superuser: true,
        token_name: None,
        client: "scheduler".into(),
    }
}

/// The flights part: a view over the store and the parts it uses.
#[derive(Clone, Copy)]
pub(crate) struct Flights<'a> {
    pub store: &'a dyn Store,
    pub access: Access<'a>,
    pub secrets: Secrets<'a>,
}

pub(super) fn flight_object(name: &str) -> String {
    format!("flight:{name}")
}

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

fn looks_like_id(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

impl Flights<'_> {
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
