//! Secrets and their kept versions.

use super::backend::{bump, write_audit, SqlBackend};
use super::codec::{json, moved, secret_row};
use super::conn::{first, rows, Conn, Notice};
use super::value::args;
use crate::error::Result;
use crate::records::{AuditEvent, Expect, SecretRecord};
use crate::store::SecretStore;
use std::sync::atomic::Ordering;

/// Inserts one secret version with `insert` (into `secrets` or `secret_versions`).
pub(crate) fn insert_secret(tx: &dyn Conn, insert: &str, r: &SecretRecord) -> Result<()> {
    let (scopes, public, sensitive) = (json(&r.scopes)?, json(&r.public_fields)?, json(&r.sensitive_keys)?);
    let params = args![
        &r.project,
        &r.name,
        &r.secret_type,
        &r.provider,
        &scopes,
        &public,
        &sensitive,
        &r.sealed.key_id,
        &r.sealed.wrapped_key,
        &r.sealed.nonce,
        &r.sealed.ciphertext,
        r.version,
        r.created_at,
        &r.created_by,
        r.updated_at,
        &r.updated_by,
    ];
    tx.execute(insert, &params)?;
    Ok(())
}

impl<B: SqlBackend> SecretStore for B {
    fn put_secret(&self, r: &SecretRecord, expect: Expect, audit: &[AuditEvent]) -> Result<()> {
        let keep = self.state().keep_versions.load(Ordering::Relaxed) as i64;
        let sql = self.statements();
        let s = &sql.secrets;
        self.write(|tx| {
            bump(tx)?;
            let key = args![&r.project, &r.name];
            let current: Option<i64> = first(tx, &s.version, &key, |row| row.get(0))?;
            match (expect, current) {
                (Expect::Absent, None) => {}
                (Expect::Version(v), Some(c)) if v == c => {
                    if keep > 0 {
                        tx.execute(&s.keep, &key)?;
                    }
                    // Keep the `keep` newest earlier versions.
                    tx.execute(&s.prune, &args![&r.project, &r.name, c - keep])?;
                    tx.execute(&s.remove, &key)?;
                }
                (_, found) => return Err(moved(&r.name, found, |c| format!("already exists at version {c}"))),
            }
            insert_secret(tx, &s.insert[0], r)?;
            write_audit(tx, sql, audit)?;
            tx.notify(Notice::Upserted {
                project: &r.project,
                name: &r.name,
            })?;
            Ok(Some(()))
        })?;
        Ok(())
    }

    fn set_keep_versions(&self, keep: usize) {
        self.state().keep_versions.store(keep, Ordering::Relaxed);
    }

    fn secret_history(&self, project: &str, name: &str) -> Result<Vec<SecretRecord>> {
        let s = &self.statements().secrets;
        self.read(|c| rows(c, &s.history, &args![project, name], secret_row))
    }

    fn all_versions(&self) -> Result<Vec<SecretRecord>> {
        let s = &self.statements().secrets;
        self.read(|c| rows(c, &s.all, &[], secret_row))
    }

    fn rewrap_version(
        &self,
        project: &str,
        name: &str,
        version: i64,
        old: (&str, &[u8]),
        new: (&str, &[u8]),
    ) -> Result<bool> {
        let s = &self.statements().secrets;
        let params = args![project, name, version, old.0, old.1, new.0, new.1];
        let done = self.write(|tx| {
            bump(tx)?;
            let mut n = 0;
            for sql in &s.rewrap {
                n += tx.execute(sql, &params)?;
            }
            Ok((n > 0).then_some(()))
        })?;
        Ok(done.is_some())
    }

    fn get_secret(&self, project: &str, name: &str) -> Result<Option<SecretRecord>> {
        let s = &self.statements().secrets;
        self.read(|c| first(c, &s.get, &args![project, name], secret_row))
    }

    fn list_secrets(&self, project: &str) -> Result<Vec<SecretRecord>> {
        let s = &self.statements().secrets;
        self.read(|c| rows(c, &s.list, &args![project], secret_row))
    }

    fn delete_secret(&self, project: &str, name: &str, audit: &[AuditEvent]) -> Result<bool> {
        let sql = self.statements();
        let s = &sql.secrets;
        let done = self.write(|tx| {
            bump(tx)?;
            let key = args![project, name];
            let Some(stored) = first(tx, &s.delete, &key, |row| row.get::<String>(0))? else {
                return Ok(None);
            };
            tx.execute(&s.delete_versions, &key)?;
            write_audit(tx, sql, audit)?;
            tx.notify(Notice::Dropped { project, name: &stored })?;
            Ok(Some(()))
        })?;
        Ok(done.is_some())
    }
}
