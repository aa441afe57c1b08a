//! Everything at once, for `coffer migrate`: rows exactly as stored, ids kept.

use super::backend::{bump, SqlBackend};
use super::codec::{
    audit_args, audit_row, chunk_row_at, flight_row, flight_version_row, grant_row, identity_row, project_row, run_row,
    secret_row, source_row, token_args, token_row, with_id,
};
use super::conn::{rows, Conn, Notice};
use super::flights::{insert_flight, insert_flight_version, insert_run};
use super::secrets::insert_secret;
use super::sources::insert_source;
use super::statements::Statements;
use super::value::args;
use crate::error::{Result, StoreError};
use crate::records::Dump;
use crate::store::DumpStore;

/// The tables an import needs empty, in the order they are checked. `projects` is not one: a
/// fresh store holds `default` there (the first migration inserts it), and an import replaces
/// it whole.
const MUST_BE_EMPTY: [&str; 11] = [
    "secrets",
    "secret_versions",
    "identities",
    "tokens",
    "grants",
    "flights",
    "flight_versions",
    "flight_runs",
    "flight_run_logs",
    "sources",
    "audit_events",
];

/// Inserts every row of `d`, ids kept, parents before children (foreign keys are on).
fn import_rows(tx: &dyn Conn, sql: &Statements, d: &Dump) -> Result<()> {
    let s = &sql.dump;
    for p in &d.projects {
        tx.execute(&s.project_insert, &args![&p.name, p.created_at, &p.created_by])?;
    }
    for (insert, records) in sql.secrets.insert.iter().zip([&d.secrets, &d.versions]) {
        for r in records {
            insert_secret(tx, insert, r)?;
        }
    }
    for i in &d.identities {
        let params = args![
            i.id,
            &i.name,
            &i.kind,
            i.superuser,
            &i.project,
            i.created_at,
            &i.created_by
        ];
        tx.execute(&s.identity_insert, &params)?;
    }
    for t in &d.tokens {
        tx.execute(&s.token_insert, &with_id(t.id, token_args(t)))?;
    }
    for g in &d.grants {
        tx.execute(
            &s.grant_insert,
            &args![&g.project, g.identity_id, &g.role, g.granted_at, &g.granted_by],
        )?;
    }
    for e in &d.audit {
        tx.execute(&s.audit_insert, &with_id(e.id, audit_args(e)))?;
    }
    for f in &d.flights {
        insert_flight(tx, &sql.flights, f)?;
    }
    for v in &d.flight_versions {
        insert_flight_version(tx, &sql.flights, v)?;
    }
    // A dump without versions (from a store that kept none) gets each flight's current one.
    tx.execute(&sql.flights.version_backfill, &[])?;
    for run in &d.runs {
        insert_run(tx, &sql.flights, run, run.run_number)?;
    }
    for (flight_id, run_number, c) in &d.logs {
        let params = args![flight_id, *run_number, c.seq, &c.stream, c.at, &c.data];
        tx.execute(&sql.flights.log_insert, &params)?;
    }
    for source in &d.sources {
        insert_source(tx, &sql.sources, source)?;
    }
    for statement in &s.after {
        tx.execute(statement, &[])?;
    }
    Ok(())
}

impl<B: SqlBackend> DumpStore for B {
    fn export(&self) -> Result<Dump> {
        let s = &self.statements().dump;
        self.snapshot(|c| {
            let [secrets, versions] = &s.secrets;
            Ok(Dump {
                projects: rows(c, &s.projects, &[], project_row)?,
                secrets: rows(c, secrets, &[], secret_row)?,
                versions: rows(c, versions, &[], secret_row)?,
                identities: rows(c, &s.identities, &[], identity_row)?,
                tokens: rows(c, &s.tokens, &[], token_row)?,
                grants: rows(c, &s.grants, &[], grant_row)?,
                audit: rows(c, &s.audit, &[], audit_row)?,
                flights: rows(c, &s.flights, &[], flight_row)?,
                flight_versions: rows(c, &s.flight_versions, &[], flight_version_row)?,
                runs: rows(c, &s.runs, &[], run_row)?,
                logs: rows(c, &s.logs, &[], |r| Ok((r.get(0)?, r.get(1)?, chunk_row_at(r, 2)?)))?,
                sources: rows(c, &s.sources, &[], source_row)?,
            })
        })
    }

    fn import(&self, dump: &Dump) -> Result<()> {
        let sql = self.statements();
        self.write(|tx| {
            bump(tx)?;
            for table in MUST_BE_EMPTY {
                let mut used = false;
                tx.query(&format!("SELECT 1 FROM {table} LIMIT 1"), &[], &mut |_| {
                    used = true;
                    Ok(())
                })?;
                if used {
                    return Err(StoreError::Conflict {
                        name: table.into(),
                        what: "is not empty: migrate into a fresh database".into(),
                    });
                }
            }
            tx.execute("DELETE FROM projects", &[])?;
            import_rows(tx, sql, dump)?;
            tx.notify(Notice::Reloaded)?;
            Ok(Some(()))
        })?;
        Ok(())
    }
}
