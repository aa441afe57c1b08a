//! Flights, their runs and the runs' logs (not counted by the generation: no cache holds
//! them).

use super::backend::{write_audit, SqlBackend};
use super::codec::{chunk_row, conflict, flight_row, flight_version_row, json, moved, run_row};
use super::conn::{first, rows, Conn};
use super::statements::flights::FlightSql;
use super::value::args;
use crate::error::{Result, StoreError};
use crate::records::{AuditEvent, FlightRecord, FlightVersionRecord, LogChunk, RunEnd, RunRecord};
use crate::store::{FlightStore, RunStore};

/// Inserts a flight unless one has its id or name; returns whether it did.
pub(crate) fn insert_flight(tx: &dyn Conn, sql: &FlightSql, f: &FlightRecord) -> Result<bool> {
    let spec = json(&f.spec)?;
    let params = args![
        &f.id,
        &f.project,
        &f.name,
        &spec,
        f.version,
        &f.owner,
        f.owner_id,
        f.created_at,
        f.updated_at,
        f.last_tick,
    ];
    Ok(tx.execute(&sql.insert, &params)? > 0)
}

/// Inserts a version of a flight. A plain insert: a version the flight already has is an
/// error (and the whole write with it), never a replacement.
pub(crate) fn insert_flight_version(tx: &dyn Conn, sql: &FlightSql, v: &FlightVersionRecord) -> Result<()> {
    let spec = json(&v.spec)?;
    tx.execute(
        &sql.version_insert,
        &args![&v.flight_id, v.version, &spec, v.created_at, &v.created_by],
    )?;
    Ok(())
}

/// The version a create or update of `f` by `by` writes.
fn version_of(f: &FlightRecord, by: &str) -> FlightVersionRecord {
    FlightVersionRecord {
        flight_id: f.id.clone(),
        version: f.version,
        spec: f.spec.clone(),
        created_at: f.updated_at,
        created_by: by.to_string(),
    }
}

/// Inserts a run under `number`.
pub(crate) fn insert_run(tx: &dyn Conn, sql: &FlightSql, run: &RunRecord, number: i64) -> Result<()> {
    let config = json(&run.config)?;
    let params = args![
        &run.flight_id,
        number,
        &run.status,
        run.flight_version,
        &config,
        run.exit_code,
        &run.trigger,
        &run.started_by,
        run.started_at,
        run.finished_at,
        &run.message,
        &run.runner,
        run.cancel_requested,
        run.scheduled_for,
    ];
    tx.execute(&sql.run_insert, &params)?;
    Ok(())
}

impl<B: SqlBackend> FlightStore for B {
    fn create_flight(&self, f: &FlightRecord, audit: &[AuditEvent]) -> Result<()> {
        let sql = self.statements();
        let done = self.write(|tx| {
            if !insert_flight(tx, &sql.flights, f)? {
                return Ok(None);
            }
            insert_flight_version(tx, &sql.flights, &version_of(f, &f.owner))?;
            write_audit(tx, sql, audit)?;
            Ok(Some(()))
        })?;
        done.ok_or_else(|| conflict("flight", &f.name))
    }

    fn update_flight(&self, f: &FlightRecord, expect_version: i64, by: &str, audit: &[AuditEvent]) -> Result<()> {
        let sql = self.statements();
        let spec = json(&f.spec)?;
        let params = args![&f.id, &spec, f.version, f.updated_at, expect_version];
        self.write(|tx| {
            if tx.execute(&sql.flights.update, &params)? == 0 {
                let found = first(tx, &sql.flights.version, &args![&f.id], |r| r.get(0))?;
                return Err(moved(&f.name, found, |v| {
                    format!("changed since it was read (version {v})")
                }));
            }
            insert_flight_version(tx, &sql.flights, &version_of(f, by))?;
            write_audit(tx, sql, audit)?;
            Ok(Some(()))
        })?;
        Ok(())
    }

    fn get_flight(&self, project: &str, name: &str) -> Result<Option<FlightRecord>> {
        let s = &self.statements().flights;
        self.read(|c| first(c, &s.get, &args![project, name], flight_row))
    }

    fn get_flight_by_id(&self, id: &str) -> Result<Option<FlightRecord>> {
        let s = &self.statements().flights;
        self.read(|c| first(c, &s.by_id, &args![id], flight_row))
    }

    fn get_flight_version(&self, flight_id: &str, version: i64) -> Result<Option<FlightVersionRecord>> {
        let s = &self.statements().flights;
        self.read(|c| first(c, &s.version_get, &args![flight_id, version], flight_version_row))
    }

    fn list_flight_versions(&self, flight_id: &str) -> Result<Vec<FlightVersionRecord>> {
        let s = &self.statements().flights;
        self.read(|c| rows(c, &s.version_list, &args![flight_id], flight_version_row))
    }

    fn list_flights(&self, project: Option<&str>) -> Result<Vec<FlightRecord>> {
        let s = &self.statements().flights;
        self.read(|c| rows(c, &s.list, &args![project], flight_row))
    }

    fn delete_flight(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool> {
        let sql = self.statements();
        let done = self.write(|tx| {
            let Some(id) = first(tx, &sql.flights.find, &args![project, name], |r| r.get::<String>(0))? else {
                return Ok(None);
            };
            for statement in &sql.flights.cascade {
                tx.execute(statement, &args![&id])?;
            }
            write_audit(tx, sql, audit)?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }

    fn claim_tick(&self, flight_id: &str, expect: Option<i64>, tick: i64) -> Result<bool> {
        // One statement: PostgreSQL re-checks the condition on the newest row version after
        // waiting for a concurrent claim, so of two nodes claiming one tick exactly one wins.
        let s = &self.statements().flights;
        let done = self.write(|tx| Ok((tx.execute(&s.claim, &args![flight_id, expect, tick])? > 0).then_some(())))?;
        Ok(done.is_some())
    }
}

impl<B: SqlBackend> RunStore for B {
    fn create_run(&self, run: &RunRecord, max_running: u32, audit: &[AuditEvent]) -> Result<i64> {
        let sql = self.statements();
        let s = &sql.flights;
        let number = self.write(|tx| {
            // The flight's row lock (where there are row locks) orders concurrent starts of one
            // flight: the count of running runs and the next number are read by one starter at
            // a time.
            let flight = args![&run.flight_id];
            let Some(name) = first(tx, &s.run_flight, &flight, |r| r.get::<String>(0))? else {
                return Err(StoreError::Conflict {
                    name: run.flight_id.clone(),
                    what: "does not exist (no flight has that id)".into(),
                });
            };
            let counts = first(tx, &s.run_counts, &flight, |r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?)))?;
            let (running, number) = counts.unwrap_or((0, 1));
            if running >= i64::from(max_running) {
                return Err(StoreError::Conflict {
                    name,
                    what: format!("has {running} running runs (concurrency {max_running})"),
                });
            }
            insert_run(tx, s, run, number)?;
            write_audit(tx, sql, audit)?;
            Ok(Some(number))
        })?;
        number.ok_or_else(|| StoreError::Backend("the run was not recorded".into()))
    }

    fn get_run(&self, flight_id: &str, run_number: i64) -> Result<Option<RunRecord>> {
        let s = &self.statements().flights;
        self.read(|c| first(c, &s.run_get, &args![flight_id, run_number], run_row))
    }

    fn list_runs(&self, flight_id: &str, limit: usize) -> Result<Vec<RunRecord>> {
        let sql = self.statements();
        let params = args![flight_id, sql.limit(Some(limit))];
        self.read(|c| rows(c, &sql.flights.run_list, &params, run_row))
    }

    fn running_runs(&self) -> Result<Vec<RunRecord>> {
        let s = &self.statements().flights;
        self.read(|c| rows(c, &s.running, &[], run_row))
    }

    fn finish_run(&self, flight_id: &str, run_number: i64, end: &RunEnd, audit: &[AuditEvent]) -> Result<bool> {
        let sql = self.statements();
        let params = args![
            flight_id,
            run_number,
            &end.status,
            end.exit_code,
            end.finished_at,
            &end.message,
        ];
        let done = self.write(|tx| {
            if tx.execute(&sql.flights.run_finish, &params)? == 0 {
                return Ok(None);
            }
            write_audit(tx, sql, audit)?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }

    fn request_cancel(&self, flight_id: &str, run_number: i64, audit: &[AuditEvent]) -> Result<bool> {
        let sql = self.statements();
        let done = self.write(|tx| {
            if tx.execute(&sql.flights.run_cancel, &args![flight_id, run_number])? == 0 {
                return Ok(None);
            }
            write_audit(tx, sql, audit)?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }

    fn append_log(&self, flight_id: &str, run_number: i64, chunks: &[LogChunk]) -> Result<()> {
        if chunks.is_empty() {
            return Ok(());
        }
        let s = &self.statements().flights;
        self.write(|tx| {
            let run = args![flight_id, run_number];
            // The run's row lock (where there are row locks) orders concurrent appends to one run.
            if let Some(lock) = &s.log_lock {
                tx.query(lock, &run, &mut |_| Ok(()))?;
            }
            let last: i64 = first(tx, &s.log_last, &run, |r| r.get(0))?.unwrap_or(0);
            for (seq, c) in (last + 1..).zip(chunks) {
                tx.execute(
                    &s.log_insert,
                    &args![flight_id, run_number, seq, &c.stream, c.at, &c.data],
                )?;
            }
            Ok(Some(()))
        })?;
        Ok(())
    }

    fn read_log(&self, flight_id: &str, run_number: i64, after: i64, limit: usize) -> Result<Vec<LogChunk>> {
        let sql = self.statements();
        let params = args![flight_id, run_number, after, sql.limit(Some(limit))];
        self.read(|c| rows(c, &sql.flights.log_read, &params, chunk_row))
    }
}
