//! The flights use cases of [`Service`], carried out by the flights part.

use super::Service;
use crate::caller::Caller;
#[cfg(doc)]
use crate::error::CoreError;
use crate::error::Result;
use crate::types::flights::{
    FlightInfo, FlightSaved, FlightUpdate, FlightVersionInfo, Launch, RunInfo, RunRequest, Started,
};
use coffer_model::flight::FlightSpec;
use coffer_store::{LogChunk, RunEnd};

impl Service {
    /// Creates a flight (role `write`). Returns it with warnings for config values that look
    /// like credentials.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; [`CoreError::Invalid`] for a bad definition or two sources
    /// of one variable; [`CoreError::Usage`] for an unknown secret or token;
    /// [`CoreError::Conflict`] when the name is taken.
    pub fn create_flight(&self, caller: &Caller, project: &str, name: &str, spec: FlightSpec) -> Result<FlightSaved> {
        self.flights().create_flight(caller, project, name, spec)
    }

    /// Changes a flight (role `write`): an update that changes the definition makes its next
    /// version (kept, immutable); one that changes nothing makes none and returns the flight
    /// as it is, marked [`FlightSaved::unchanged`].
    ///
    /// # Errors
    /// As [`Service::create_flight`]; [`CoreError::Missing`]; [`CoreError::Usage`] for an
    /// update that changes nothing.
    pub fn update_flight(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        update: FlightUpdate,
    ) -> Result<FlightSaved> {
        self.flights().update_flight(caller, project, name, update)
    }

    /// One flight (role `read`); by name or by flight id.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`].
    pub fn get_flight(&self, caller: &Caller, project: &str, name: &str) -> Result<FlightInfo> {
        self.flights().get_flight(caller, project, name)
    }

    /// A flight's kept versions, newest first, each with who wrote it, when, and the fields
    /// it changed (role `read`, as for reading the flight); by name or by flight id.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`].
    pub fn list_flight_versions(&self, caller: &Caller, project: &str, name: &str) -> Result<Vec<FlightVersionInfo>> {
        self.flights().list_flight_versions(caller, project, name)
    }

    /// A flight as it was at `version`: its whole definition then (role `read`, as for
    /// reading the flight); by name or by flight id.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; [`CoreError::Missing`] for an unknown flight, or for a
    /// version it does not have (naming the flight, the version and its latest version).
    pub fn get_flight_version(&self, caller: &Caller, project: &str, name: &str, version: i64) -> Result<FlightInfo> {
        self.flights().get_flight_version(caller, project, name, version)
    }

    /// The project's flights (role `read`), by name.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`].
    pub fn list_flights(&self, caller: &Caller, project: &str) -> Result<Vec<FlightInfo>> {
        self.flights().list_flights(caller, project)
    }

    /// Deletes a flight with its runs and logs (role `write`); refused while a run is running.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`], [`CoreError::Conflict`].
    pub fn delete_flight(&self, caller: &Caller, project: &str, name: &str) -> Result<()> {
        self.flights().delete_flight(caller, project, name)
    }

    /// Starts a run of a flight (the caller needs `use`): records it as `running` and
    /// resolves its environment. A run that cannot start (a dropped secret, a revoked token)
    /// is recorded `failed` and returned as [`Started::Failed`].
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`]; [`CoreError::Invalid`] for an
    /// override of an unknown key (nothing is recorded); [`CoreError::Conflict`] when the
    /// flight already has as many runs running as its concurrency allows.
    pub fn start_run(&self, caller: &Caller, project: &str, name: &str, req: RunRequest) -> Result<Started> {
        self.flights().start_run(caller, project, name, req)
    }

    /// Ends a launched run: records how it ended and revokes its token.
    ///
    /// # Errors
    /// Store errors.
    pub fn finish_run(&self, launch: &Launch, end: &RunEnd) -> Result<RunInfo> {
        self.flights().finish_run(launch, end)
    }

    /// Whether someone asked to cancel this run (for the process running it).
    ///
    /// # Errors
    /// Store errors.
    pub fn cancel_requested(&self, flight_id: &str, run_number: i64) -> Result<bool> {
        self.flights().cancel_requested(flight_id, run_number)
    }

    /// Appends masked output to a run's log (for the process running it).
    ///
    /// # Errors
    /// Store errors.
    pub fn append_run_log(&self, flight_id: &str, run_number: i64, chunks: &[LogChunk]) -> Result<()> {
        self.flights().append_run_log(flight_id, run_number, chunks)
    }

    /// Asks the process running a run to stop it (role `use`); it ends as `cancelled`.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`], [`CoreError::Conflict`] when the
    /// run is not running.
    pub fn cancel_run(&self, caller: &Caller, project: &str, name: &str, run_number: i64) -> Result<RunInfo> {
        self.flights().cancel_run(caller, project, name, run_number)
    }

    /// A flight's runs, newest first (role `read`).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`].
    pub fn list_runs(&self, caller: &Caller, project: &str, name: &str, limit: usize) -> Result<Vec<RunInfo>> {
        self.flights().list_runs(caller, project, name, limit)
    }

    /// One run (role `read`).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`].
    pub fn get_run(&self, caller: &Caller, project: &str, name: &str, run_number: i64) -> Result<RunInfo> {
        self.flights().get_run(caller, project, name, run_number)
    }

    /// A run's (masked) log after chunk `after`, and the run (role `read`).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::Missing`].
    pub fn run_log(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        run_number: i64,
        after: i64,
        limit: usize,
    ) -> Result<(RunInfo, Vec<LogChunk>)> {
        self.flights().run_log(caller, project, name, run_number, after, limit)
    }

    /// The scheduled flights with a tick due at `now_ms`, each claimed (so that one node of
    /// several starts it): at most one tick per flight however many were missed.
    ///
    /// # Errors
    /// Store errors.
    pub fn claim_due_ticks(&self, now_ms: i64) -> Result<Vec<(String, String, i64)>> {
        self.flights().claim_due_ticks(now_ms)
    }

    /// Every run recorded `running` by a runner on `host` (`host:pid`) whose process is gone
    /// (`alive` says no): marked `failed`. Returns how many.
    ///
    /// # Errors
    /// Store errors.
    pub fn fail_orphaned_runs(&self, host: &str, alive: impl Fn(u32) -> bool) -> Result<usize> {
        self.flights().fail_orphaned_runs(host, alive)
    }
}
