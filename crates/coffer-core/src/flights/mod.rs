//! Flights (seed 003): definitions, runs and their logs, as use cases of
//! [`Service`](crate::Service).
//!
//! - A flight is defined by a caller with `write` in its project; its runs act as the identity
//!   of the flight's named token, or as its owner when none is named. The secrets a run gets
//!   are opened as that identity (so it needs `use`), audited with purpose `flight:NAME#N`.
//! - Starting a run ([`Service::start_run`](crate::Service::start_run)) records it first and then
//!   resolves its environment: a run whose attached secret was dropped is recorded `failed` with a
//!   message naming the secret, before anything starts. Values are read at start, so a replaced
//!   secret needs no redeploy.
//! - Each run gets its own `COFFER_TOKEN`: a token of the run's identity named
//!   `run.<flight id>.<n>`, minted at start, expiring with the run's timeout and revoked when
//!   the run ends (the named token itself is stored only as a hash and cannot be handed out).
//! - Running processes is not done here: see the `coffer-flights` crate.
//!
//! The part is `Flights` (`part`), a view over the store and the access and secrets parts, with one
//! file per use case: `define` (create, update, show, delete), `versions` (a flight's kept
//! versions, each immutable), `runs` (start, finish, cancel,
//! list, logs), `launch` (the run's identity and environment), `templates`
//! (`{{ secret(...) }}`), `run_tokens`, `schedule` and `recovery` (runs whose process is
//! gone).

mod define;
mod launch;
mod part;
mod recovery;
mod run_tokens;
mod runs;
mod schedule;
mod templates;
mod versions;

pub use crate::types::flights::{
    FlightInfo, FlightSaved, FlightUpdate, FlightVersionInfo, Launch, LaunchStep, RunInfo, RunRequest, Started,
};
pub(crate) use part::Flights;
#[cfg(test)] // for the node tests, which look the run tokens up
pub(crate) use run_tokens::run_token_name;
pub use runs::LOG_PAGE_BYTES;
pub use schedule::scheduler_caller;
