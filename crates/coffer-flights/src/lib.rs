//! coffer's flight runner: executes the runs that [`coffer_core::Service::start_run`] starts.
//!
//! - Every run is a process in its own process group (`command`: the argv; `python`: the
//!   script under `python3` with coffer's DuckDB hook on `PYTHONPATH`; `sql`: `coffer-engine
//!   flight-sql` on the script), in a fresh working directory that is removed afterwards,
//!   with an environment built from nothing by [`coffer_core::runenv::RunEnv`]: the run's
//!   variables, `PATH` (`/usr/local/bin:/usr/bin:/bin`), `HOME` and `TMPDIR` (the working
//!   directory), and the variables of coffer's own environment named in
//!   [`Settings::env_allow`]. Nothing else of the runner's environment leaks in.
//! - Every run is sandboxed ([`Isolation::Sandboxed`]): started through `coffer __sandbox`,
//!   which applies a [`coffer_sandbox::Policy`] to itself (its own Landlock domain: the
//!   system's directories and what its kind needs read-only, its working directory writable,
//!   nothing else; signals scoped; no_new_privs; the run user when coffer is root) and execs
//!   the program.
//! - stdout and stderr are masked as they stream ([`coffer_model::mask`]: every sensitive
//!   value and its base64 forms become `****`, also across writes) and then logged in the
//!   store in batches, and handed to a sink (`--wait`/`--follow`).
//! - A run past its timeout gets SIGTERM on its whole process group, then SIGKILL after
//!   [`Settings::kill_grace`], and ends `timed_out`; `flight cancel` (seen by polling the
//!   store, so it works from any process) does the same and ends `cancelled`. When the main
//!   process exits, whatever it left in its process group is killed.
//! - [`Scheduler`] starts the runs of cron schedules: one per due tick, one tick per flight
//!   however many were missed, claimed in the store so several nodes never double-run.

mod log;
mod runner;
mod scheduler;
mod settings;
mod step;
mod venv;

pub use log::Sink;
pub use runner::{host_name, Runner};
pub use scheduler::Scheduler;
pub use settings::{DuckDbEnv, ExtraEnv, Isolation, Sandbox, Settings, DEFAULT_PATH};
