//! The statements of flights, their runs and the runs' logs, in a backend's dialect.

use crate::sql::codec::{CHUNK_COLUMNS, FLIGHT_COLUMNS as F, FLIGHT_VERSION_COLUMNS as V, RUN_COLUMNS as R};
use crate::sql::dialect::Sql;

/// Writes each flight's current version when it has none, as written by whoever made it: the
/// actor of the flight's latest successful create or update in the audit log, else its owner.
/// The same statement is in the migrations that add `flight_versions` (keep them alike).
pub(crate) const VERSION_BACKFILL: &str =
    "INSERT INTO flight_versions (flight_id, version, spec, created_at, created_by) \
     SELECT f.id, f.version, f.spec, f.updated_at, COALESCE((SELECT a.actor FROM audit_events a \
     WHERE a.project = f.project AND a.object = 'flight:' || f.name \
     AND a.action IN ('flight.create', 'flight.update') AND a.result = 'ok' ORDER BY a.id DESC LIMIT 1), f.owner) \
     FROM flights f WHERE NOT EXISTS (SELECT 1 FROM flight_versions v WHERE v.flight_id = f.id)";

/// The statements of flights, runs and logs.
#[derive(Debug, Clone)]
pub(crate) struct FlightSql {
    pub(crate) insert: String,
    pub(crate) update: String,
    pub(crate) version: String,
    pub(crate) get: String,
    pub(crate) by_id: String,
    pub(crate) list: String,
    pub(crate) find: String,
    /// Writes a version (a plain insert: one whose number is taken fails).
    pub(crate) version_insert: String,
    pub(crate) version_get: String,
    pub(crate) version_list: String,
    /// Writes the current version of every flight that has none (a flight from before
    /// versions were kept, or imported without them).
    pub(crate) version_backfill: String,
    /// What goes with a flight, in order.
    pub(crate) cascade: Vec<String>,
    pub(crate) claim: String,
    pub(crate) run_flight: String,
    pub(crate) run_counts: String,
    pub(crate) run_insert: String,
    pub(crate) run_get: String,
    pub(crate) run_list: String,
    pub(crate) running: String,
    pub(crate) run_finish: String,
    pub(crate) run_cancel: String,
    /// Locks a run's row, where rows can be locked.
    pub(crate) log_lock: Option<String>,
    pub(crate) log_last: String,
    pub(crate) log_insert: String,
    pub(crate) log_read: String,
}

impl FlightSql {
    pub(crate) fn new(q: &Sql<'_>) -> Self {
        let (p1, p2) = (q.p(1), q.p(2));
        let by_name = format!("{} AND {}", q.ci("project", 1), q.ci("name", 2));
        let run = format!("flight_id = {p1} AND run_number = {p2}");
        let lock = q.lock();
        FlightSql {
            insert: q.insert_ignore(&format!("flights ({F}) VALUES ({})", q.ps(10))),
            update: format!(
                "UPDATE flights SET spec = {p2}, version = {}, updated_at = {} WHERE id = {p1} AND version = {}",
                q.p(3),
                q.p(4),
                q.p(5)
            ),
            version: format!("SELECT version FROM flights WHERE id = {p1}"),
            get: format!("SELECT {F} FROM flights WHERE {by_name}"),
            by_id: format!("SELECT {F} FROM flights WHERE id = {p1}"),
            list: format!(
                "SELECT {F} FROM flights WHERE {} IS NULL OR {} ORDER BY {}, {}",
                q.typed(1, "text"),
                q.ci("project", 1),
                q.fold("project"),
                q.fold("name")
            ),
            find: format!("SELECT id FROM flights WHERE {by_name}{lock}"),
            version_insert: format!("INSERT INTO flight_versions ({V}) VALUES ({})", q.ps(5)),
            version_get: format!("SELECT {V} FROM flight_versions WHERE flight_id = {p1} AND version = {p2}"),
            version_list: format!("SELECT {V} FROM flight_versions WHERE flight_id = {p1} ORDER BY version DESC"),
            version_backfill: VERSION_BACKFILL.into(),
            cascade: vec![
                format!("DELETE FROM flight_versions WHERE flight_id = {p1}"),
                format!("DELETE FROM flight_run_logs WHERE flight_id = {p1}"),
                format!("DELETE FROM flight_runs WHERE flight_id = {p1}"),
                format!("DELETE FROM flights WHERE id = {p1}"),
            ],
            claim: format!(
                "UPDATE flights SET last_tick = {} WHERE id = {p1} AND last_tick IS NOT DISTINCT FROM {p2}",
                q.p(3)
            ),
            run_flight: format!("SELECT name FROM flights WHERE id = {p1}{lock}"),
            run_counts: format!(
                "SELECT (SELECT COUNT(*) FROM flight_runs WHERE flight_id = {p1} AND status = 'running'), \
                 (SELECT COALESCE(MAX(run_number), 0) + 1 FROM flight_runs WHERE flight_id = {p1})"
            ),
            run_insert: format!("INSERT INTO flight_runs ({R}) VALUES ({})", q.ps(14)),
            run_get: format!("SELECT {R} FROM flight_runs WHERE {run}"),
            run_list: format!("SELECT {R} FROM flight_runs WHERE flight_id = {p1} ORDER BY run_number DESC LIMIT {p2}"),
            running: format!("SELECT {R} FROM flight_runs WHERE status = 'running' ORDER BY flight_id, run_number"),
            run_finish: format!(
                "UPDATE flight_runs SET status = {}, exit_code = {}, finished_at = {}, message = {} \
                 WHERE {run} AND status = 'running'",
                q.p(3),
                q.p(4),
                q.p(5),
                q.p(6)
            ),
            run_cancel: format!("UPDATE flight_runs SET cancel_requested = true WHERE {run} AND status = 'running'"),
            log_lock: (!lock.is_empty()).then(|| format!("SELECT 1 FROM flight_runs WHERE {run}{lock}")),
            log_last: format!("SELECT COALESCE(MAX(seq), 0) FROM flight_run_logs WHERE {run}"),
            log_insert: format!(
                "INSERT INTO flight_run_logs (flight_id, run_number, {CHUNK_COLUMNS}) VALUES ({})",
                q.ps(6)
            ),
            log_read: format!(
                "SELECT {CHUNK_COLUMNS} FROM flight_run_logs WHERE {run} AND seq > {} ORDER BY seq LIMIT {}",
                q.p(3),
                q.p(4)
            ),
        }
    }
}
