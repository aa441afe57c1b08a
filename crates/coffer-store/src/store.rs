//! The storage traits, one an area, and [`Store`], their sum: what `coffer-core` holds as a
//! `Box<dyn Store>`.
//!
//! Secret names keep the case they were written in but are compared case-insensitively
//! (ASCII), as DuckDB compares them: `get_secret(p, "MY_S3")` finds `my_s3`, and the two cannot
//! coexist. The same holds for the names of projects, identities, tokens and flights.

use crate::error::Result;
#[cfg(doc)]
use crate::error::StoreError;
use crate::records::{
    AuditEvent, AuditFilter, Dump, Expect, FlightRecord, FlightVersionRecord, GrantRecord, IdentityRecord, LogChunk,
    NodeRecord, ProjectRecord, RunEnd, RunRecord, SecretRecord, SourceRecord, StoreChange, TokenRecord,
};

/// A persistent store of secrets, and of everything else coffer keeps: every area's trait.
/// Implemented for every type that implements them all (a backend implements the areas; see
/// [`crate::sql`] for the SQL backends' shared implementation).
pub trait Store:
    SecretStore
    + ProjectStore
    + AccessStore
    + AuditStore
    + FlightStore
    + RunStore
    + SourceStore
    + NodeStore
    + DumpStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: SecretStore
        + ProjectStore
        + AccessStore
        + AuditStore
        + FlightStore
        + RunStore
        + SourceStore
        + NodeStore
        + DumpStore
        + Send
        + Sync
        + ?Sized
{
}

/// Secrets: their current and kept versions, written with optimistic checks.
pub trait SecretStore {
    /// Writes `record` if `expect` holds, together with `audit`, atomically: either both are
    /// written or neither. A replaced version is kept as history (see
    /// [`SecretStore::set_keep_versions`]).
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when it does not hold; [`StoreError::Backend`].
    fn put_secret(&self, record: &SecretRecord, expect: Expect, audit: &[AuditEvent]) -> Result<()>;

    /// How many earlier versions of each secret a replace keeps (default 10; 0 keeps none).
    fn set_keep_versions(&self, keep: usize);

    /// Every version of the secret `name` still kept, oldest first, the current one last.
    ///
    /// # Errors
    /// As [`SecretStore::get_secret`].
    fn secret_history(&self, project: &str, name: &str) -> Result<Vec<SecretRecord>>;

    /// Every stored version of every secret in every project (current and kept), for key
    /// rotation and key status.
    ///
    /// # Errors
    /// As [`SecretStore::get_secret`].
    fn all_versions(&self) -> Result<Vec<SecretRecord>>;

    /// Replaces the wrapped data key of one stored version if it is still `old` (compare and
    /// swap: a concurrent replace is never undone); returns whether it was replaced.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn rewrap_version(
        &self,
        project: &str,
        name: &str,
        version: i64,
        old: (&str, &[u8]),
        new: (&str, &[u8]),
    ) -> Result<bool>;

    /// The secret `name` of `project`.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn get_secret(&self, project: &str, name: &str) -> Result<Option<SecretRecord>>;

    /// Every secret of `project`, ordered by name.
    ///
    /// # Errors
    /// As [`SecretStore::get_secret`].
    fn list_secrets(&self, project: &str) -> Result<Vec<SecretRecord>>;

    /// Deletes the secret (with its earlier versions) and writes `audit` with it, atomically;
    /// returns whether it existed (when it did not, nothing is written).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn delete_secret(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool>;
}

/// Projects, which every secret, grant, service account and audit event belongs to.
pub trait ProjectStore {
    /// Creates a project, with `audit`.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when it exists.
    fn create_project(&self, project: &ProjectRecord, audit: &[AuditEvent]) -> Result<()>;

    /// The project of that name (case-insensitive).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn get_project(&self, name: &str) -> Result<Option<ProjectRecord>>;

    /// Every project, by name.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn list_projects(&self) -> Result<Vec<ProjectRecord>>;

    /// Deletes a project with its secrets, grants, service accounts (and their tokens),
    /// flights and data sources, with `audit`; its audit events stay. Returns whether it existed.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn delete_project(&self, name: &str, audit: &[AuditEvent]) -> Result<bool>;
}

/// Who may do what: identities (users and service accounts), their tokens and their grants.
pub trait AccessStore {
    /// Creates an identity, with `audit`; returns its id.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the name is taken.
    fn create_identity(&self, identity: &IdentityRecord, audit: &[AuditEvent]) -> Result<i64>;

    /// The identity of that name (case-insensitive).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn get_identity(&self, name: &str) -> Result<Option<IdentityRecord>>;

    /// The identity with that id.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn get_identity_by_id(&self, id: i64) -> Result<Option<IdentityRecord>>;

    /// Every identity, by name.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn list_identities(&self) -> Result<Vec<IdentityRecord>>;

    /// Creates a token, with `audit`; returns its id.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the name is taken.
    fn create_token(&self, token: &TokenRecord, audit: &[AuditEvent]) -> Result<i64>;

    /// The token with that public id.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn token_by_public_id(&self, public_id: &str) -> Result<Option<TokenRecord>>;

    /// The token of that name (case-insensitive).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn get_token(&self, name: &str) -> Result<Option<TokenRecord>>;

    /// Every token, by name.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn list_tokens(&self) -> Result<Vec<TokenRecord>>;

    /// The tokens above the token with id `id`: its parent, the parent's parent, and so on,
    /// nearest first (empty for a token with no parent). When the list ends with a token whose
    /// parent is not in it, that parent no longer exists (it went with its identity).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn token_ancestors(&self, id: i64) -> Result<Vec<TokenRecord>>;

    /// Revokes the token `name` and every token below it (those it created, transitively,
    /// through [`TokenRecord::parent_id`]) that is not revoked yet, at `at`, in one
    /// transaction with the events `audit` makes from the tokens revoked. Returns those
    /// tokens (revoked, the named one first); empty, writing nothing, when there is no such
    /// unrevoked token.
    ///
    /// # Errors
    /// [`StoreError::Backend`]; [`StoreError::Audit`].
    fn revoke_token(
        &self,
        name: &str,
        at: i64,
        audit: &dyn Fn(&[TokenRecord]) -> Vec<AuditEvent>,
    ) -> Result<Vec<TokenRecord>>;

    /// Records that the token was used at `at`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn touch_token(&self, id: i64, at: i64) -> Result<()>;

    /// Gives an identity its role in a project (replacing any), with `audit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn set_grant(&self, grant: &GrantRecord, audit: &[AuditEvent]) -> Result<()>;

    /// Removes an identity's role in a project, with `audit`; false when it had none.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn remove_grant(&self, project: &str, identity_id: i64, audit: &[AuditEvent]) -> Result<bool>;

    /// The identity's role in the project.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn get_grant(&self, project: &str, identity_id: i64) -> Result<Option<GrantRecord>>;

    /// The grants of a project (all projects when `None`).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn list_grants(&self, project: Option<&str>) -> Result<Vec<GrantRecord>>;
}

/// The audit log.
pub trait AuditStore {
    /// Writes audit events, atomically. A request whose event cannot be written fails.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn append_audit(&self, events: &[AuditEvent]) -> Result<()>;

    /// Audit events matching `filter`, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>>;
}

/// Flights: their definitions, every version of them, and schedule ticks (not counted by the
/// generation: no cache holds them).
///
/// Each create and update also writes the flight's new version ([`FlightVersionRecord`]: the
/// whole definition, when and by whom) in the same transaction, so a flight and its versions
/// never disagree. A version, once written, is never changed: writing one whose number the
/// flight already has fails, and the schema refuses an `UPDATE` of one.
pub trait FlightStore {
    /// Creates a flight and its version `flight.version` (written by its owner), with `audit`.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the project has a flight of that name (case-insensitive).
    fn create_flight(&self, flight: &FlightRecord, audit: &[AuditEvent]) -> Result<()>;

    /// Replaces a flight's definition (spec, version, updated_at; not its id, owner or
    /// last_tick) if its stored version is still `expect_version`, and writes its version
    /// `flight.version` as written by `by`, with `audit`.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when it is gone or its version moved on;
    /// [`StoreError::Backend`] when the version already exists (versions are immutable).
    fn update_flight(&self, flight: &FlightRecord, expect_version: i64, by: &str, audit: &[AuditEvent]) -> Result<()>;

    /// Version `version` of the flight with id `flight_id`.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn get_flight_version(&self, flight_id: &str, version: i64) -> Result<Option<FlightVersionRecord>>;

    /// Every kept version of the flight with id `flight_id`, newest first (empty when there is
    /// no such flight). A flight from before versions were kept has its versions from the one
    /// current then.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn list_flight_versions(&self, flight_id: &str) -> Result<Vec<FlightVersionRecord>>;

    /// The flight of that name in the project (case-insensitive).
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn get_flight(&self, project: &str, name: &str) -> Result<Option<FlightRecord>>;

    /// The flight with that id.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn get_flight_by_id(&self, id: &str) -> Result<Option<FlightRecord>>;

    /// The flights of a project (all projects when `None`), by project then name.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn list_flights(&self, project: Option<&str>) -> Result<Vec<FlightRecord>>;

    /// Deletes a flight with its versions, runs and logs, with `audit`; false when there was
    /// none.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn delete_flight(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool>;

    /// Moves a flight's `last_tick` from `expect` to `tick` (compare-and-set, so one node of
    /// several handles a tick); false when it had moved already.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn claim_tick(&self, flight_id: &str, expect: Option<i64>, tick: i64) -> Result<bool>;
}

/// Flight runs and their logs.
pub trait RunStore {
    /// Starts a run: gives it the next run number of its flight and stores it, with `audit`,
    /// unless the flight already has `max_running` runs in status `running`.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when `max_running` runs are running; [`StoreError::Backend`].
    fn create_run(&self, run: &RunRecord, max_running: u32, audit: &[AuditEvent]) -> Result<i64>;

    /// One run.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn get_run(&self, flight_id: &str, run_number: i64) -> Result<Option<RunRecord>>;

    /// A flight's runs, newest first, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn list_runs(&self, flight_id: &str, limit: usize) -> Result<Vec<RunRecord>>;

    /// Every run in status `running`, of every flight.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn running_runs(&self) -> Result<Vec<RunRecord>>;

    /// Ends a run that is still `running`, with `audit`; false when it had already ended.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn finish_run(&self, flight_id: &str, run_number: i64, end: &RunEnd, audit: &[AuditEvent]) -> Result<bool>;

    /// Marks a running run for cancellation, with `audit`; false when it is not running.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn request_cancel(&self, flight_id: &str, run_number: i64, audit: &[AuditEvent]) -> Result<bool>;

    /// Appends log chunks to a run (their `seq` is ignored and given by the store).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn append_log(&self, flight_id: &str, run_number: i64, chunks: &[LogChunk]) -> Result<()>;

    /// A run's log chunks with `seq > after`, in order, at most `limit`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn read_log(&self, flight_id: &str, run_number: i64, after: i64, limit: usize) -> Result<Vec<LogChunk>>;
}

/// Data sources: the databases and lakes a project's DuckDB attaches by name. Written like
/// secrets: with an optimistic version check and their audit events in one transaction, each
/// write moving the generation and telling the change feed
/// ([`StoreChange::SourceChanged`]).
pub trait SourceStore {
    /// Writes `source` if `expect` holds, together with `audit`, atomically.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when it does not hold (a source of that name, case-insensitive,
    /// exists for [`Expect::Absent`]; none, or another version, for [`Expect::Version`]);
    /// [`StoreError::Backend`].
    fn put_source(&self, source: &SourceRecord, expect: Expect, audit: &[AuditEvent]) -> Result<()>;

    /// The source `name` of `project` (case-insensitive).
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn get_source(&self, project: &str, name: &str) -> Result<Option<SourceRecord>>;

    /// Every source of `project`, ordered by name.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn list_sources(&self, project: &str) -> Result<Vec<SourceRecord>>;

    /// Deletes the source and writes `audit` with it, atomically; returns whether it existed
    /// (when it did not, nothing is written).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn delete_source(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool>;
}

/// Several processes on one database: the generation that tells caches they are stale, the change feed that pushes changes, and the heartbeats of `coffer serve` nodes.
pub trait NodeStore {
    /// A number that changes, in the same transaction, whenever a secret, data source, project,
    /// identity, token or grant changes, whichever process changed it (audit events and token use do not
    /// count), so caches can tell they are stale.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn generation(&self) -> Result<i64>;

    /// The changes other processes commit from now on, for a store that can push them
    /// (PostgreSQL's LISTEN/NOTIFY); `None` for one that cannot (SQLite: readers see changes
    /// through [`NodeStore::generation`] on their next request).
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the feed cannot be started.
    fn subscribe(&self) -> Result<Option<std::sync::mpsc::Receiver<StoreChange>>> {
        Ok(None)
    }

    /// Records a node's heartbeat (creating its row on the first).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn node_heartbeat(&self, node: &NodeRecord) -> Result<()>;

    /// Every node that has a row, by id.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn list_nodes(&self) -> Result<Vec<NodeRecord>>;

    /// Removes a node's row (it stopped, or was found lost); false when there was none.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn remove_node(&self, id: &str) -> Result<bool>;
}

/// Everything at once, for `coffer migrate`.
pub trait DumpStore {
    /// Everything the store holds, read in one consistent snapshot.
    ///
    /// # Errors
    /// [`StoreError::Backend`], [`StoreError::Corrupt`].
    fn export(&self) -> Result<Dump>;

    /// Writes `dump` into this store, which must hold no secret, identity, token, flight, data
    /// source or audit event yet (a fresh one), in one transaction.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the store is not empty; [`StoreError::Backend`].
    fn import(&self, dump: &Dump) -> Result<()>;
}
