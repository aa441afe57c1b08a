//! Data sources: written like secrets (optimistic versions, audit in the same transaction, the
//! generation moved and the change feed told), without versions kept.

use super::backend::{bump, write_audit, SqlBackend};
use super::codec::{json, moved, source_args, source_row};
use super::conn::{first, rows, Conn, Notice};
use super::statements::sources::SourceSql;
use super::value::args;
use crate::error::Result;
use crate::records::{AuditEvent, Expect, SourceRecord};
use crate::store::SourceStore;

/// Inserts one source.
pub(crate) fn insert_source(tx: &dyn Conn, sql: &SourceSql, s: &SourceRecord) -> Result<()> {
    let options = json(&s.options)?;
    tx.execute(&sql.insert, &source_args(s, &options))?;
    Ok(())
}

impl<B: SqlBackend> SourceStore for B {
    fn put_source(&self, r: &SourceRecord, expect: Expect, audit: &[AuditEvent]) -> Result<()> {
        let sql = self.statements();
        let s = &sql.sources;
        self.write(|tx| {
            bump(tx)?;
            let key = args![&r.project, &r.name];
            let current: Option<i64> = first(tx, &s.version, &key, |row| row.get(0))?;
            match (expect, current) {
                (Expect::Absent, None) => {}
                (Expect::Version(v), Some(c)) if v == c => {
                    tx.execute(&s.remove, &key)?;
                }
                (_, found) => return Err(moved(&r.name, found, |c| format!("already exists at version {c}"))),
            }
            insert_source(tx, s, r)?;
            write_audit(tx, sql, audit)?;
            tx.notify(Notice::SourceChanged {
                project: &r.project,
                name: &r.name,
            })?;
            Ok(Some(()))
        })?;
        Ok(())
    }

    fn get_source(&self, project: &str, name: &str) -> Result<Option<SourceRecord>> {
        let s = &self.statements().sources;
        self.read(|c| first(c, &s.get, &args![project, name], source_row))
    }

    fn list_sources(&self, project: &str) -> Result<Vec<SourceRecord>> {
        let s = &self.statements().sources;
        self.read(|c| rows(c, &s.list, &args![project], source_row))
    }

    fn delete_source(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool> {
        let sql = self.statements();
        let done = self.write(|tx| {
            bump(tx)?;
            let Some(stored) = first(tx, &sql.sources.delete, &args![project, name], |row| {
                row.get::<String>(0)
            })?
            else {
                return Ok(None);
            };
            write_audit(tx, sql, audit)?;
            tx.notify(Notice::SourceChanged { project, name: &stored })?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }
}
