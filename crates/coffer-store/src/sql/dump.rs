//! Everything at once, for `coffer migrate`: rows exactly as stored, ids kept.

use super::codec::{
    audit_args, audit_row, chunk_row_at, flight_row, grant_row, identity_row, project_row, run_row, secret_row,
    token_args, token_row, with_id, AUDIT_COLUMNS, CHUNK_COLUMNS, FLIGHT_COLUMNS, GRANT_COLUMNS, IDENTITY_COLUMNS,
    PROJECT_COLUMNS, RUN_COLUMNS, SECRET_COLUMNS, TOKEN_COLUMNS,
};
use super::conn::args;
use super::dialect::Sql;
use super::flights::{insert_flight, insert_run};
use super::secrets::insert_secret;
use super::{bump, rows, Conn, Notice, SqlBackend, Statements};
use crate::{Dump, DumpStore, Result, StoreError};

/// The tables an import needs empty, in the order they are checked. `projects` is not one: a
/// fresh store holds `default` there (the first migration inserts it), and an import replaces
/// it whole.
const MUST_BE_EMPTY: [&str; 9] = [
    "secrets",
    "secret_versions",
    "identities",
    "tokens",
    "grants",
    "flights",
    "flight_runs",
    "flight_run_logs",
    "audit_events",
];

/// The statements of export and import.
#[derive(Debug, Clone)]
pub(crate) struct DumpSql {
    projects: String,
    /// Current versions, kept versions.
    secrets: [String; 2],
    identities: String,
    tokens: String,
    grants: String,
    audit: String,
    flights: String,
    runs: String,
    logs: String,
    project_insert: String,
    identity_insert: String,
    token_insert: String,
    grant_insert: String,
    audit_insert: String,
    /// Statements that end an import.
    after: Vec<String>,
}

impl DumpSql {
    pub(crate) fn new(q: &Sql<'_>, after: Vec<String>) -> Self {
        let secrets = |table: &str| {
            format!(
                "SELECT {SECRET_COLUMNS} FROM {table} ORDER BY project, {}, version",
                q.fold("name")
            )
        };
        DumpSql {
            projects: format!("SELECT {PROJECT_COLUMNS} FROM projects ORDER BY {}", q.order("name")),
            secrets: [secrets("secrets"), secrets("secret_versions")],
            identities: format!("SELECT {IDENTITY_COLUMNS} FROM identities ORDER BY id"),
            tokens: format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id"),
            grants: format!(
                "SELECT {GRANT_COLUMNS} FROM grants ORDER BY {}, identity_id",
                q.fold("project")
            ),
            audit: format!("SELECT {AUDIT_COLUMNS} FROM audit_events ORDER BY id"),
            flights: format!("SELECT {FLIGHT_COLUMNS} FROM flights ORDER BY id"),
            runs: format!("SELECT {RUN_COLUMNS} FROM flight_runs ORDER BY flight_id, run_number"),
            logs: format!(
                "SELECT flight_id, run_number, {CHUNK_COLUMNS} FROM flight_run_logs ORDER BY flight_id, run_number, seq"
            ),
            project_insert: format!("INSERT INTO projects ({PROJECT_COLUMNS}) VALUES ({})", q.ps(3)),
            identity_insert: format!("INSERT INTO identities ({IDENTITY_COLUMNS}) VALUES ({})", q.ps(7)),
            token_insert: format!("INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES ({})", q.ps(11)),
            grant_insert: format!("INSERT INTO grants ({GRANT_COLUMNS}) VALUES ({})", q.ps(5)),
            audit_insert: format!("INSERT INTO audit_events ({AUDIT_COLUMNS}) VALUES ({})", q.ps(10)),
            after,
        }
    }
}

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
    for run in &d.runs {
        insert_run(tx, &sql.flights, run, run.run_number)?;
    }
    for (flight_id, run_number, c) in &d.logs {
        let params = args![flight_id, *run_number, c.seq, &c.stream, c.at, &c.data];
        tx.execute(&sql.flights.log_insert, &params)?;
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
                runs: rows(c, &s.runs, &[], run_row)?,
                logs: rows(c, &s.logs, &[], |r| Ok((r.get(0)?, r.get(1)?, chunk_row_at(r, 2)?)))?,
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
